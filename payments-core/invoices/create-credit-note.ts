import { conflict, type FieldError, invalid, notFound } from '../../platform/errors.js';
import { checkIfMatch } from '../../platform/etag.js';
import { newId } from '../../platform/ids.js';
import { loadGstRates } from '../gst-rates/load-gst-rates.js';
import { lineRow } from './create-draft-invoice.js';
import { assertLines, computeLines, type DraftInvoiceLine } from './draft-lines.js';
import { finalizeDrafts } from './finalize-drafts.js';
import { type InvoiceDeps, publishQuietly } from './finalize-invoice.js';
import { getInvoice } from './find-invoices.js';
import { documentTotals } from './gst.js';
import { INSERT_INVOICES, INSERT_LINES, LOCK_INVOICE } from './repository.js';
import type { Invoice, InvoiceStatus, SupplyType, TaxCategory } from './types.js';

const CREDITABLE: readonly InvoiceStatus[] = ['finalized', 'paid', 'partially_paid', 'uncollectible'];

export interface CreditNoteInput {
  /** Lines credited (positive amounts); omitted = the whole invoice, allowed only while nothing is credited yet. */
  readonly lines?: DraftInvoiceLine[] | undefined;
  /** refund | adjustment | order_change | other */
  readonly reason: string;
  readonly memo?: string | undefined;
}

/**
 * Issues a credit note against a finalised invoice (rule 53): its own CN series, numbered in the same
 * transaction, the invoice's supply type and rates; the credit reduces what the invoice still asks for. With
 * `ifMatch` (the invoice's ETag from a read), an invoice changed since is refused with 412 and nothing is issued.
 */
export async function createCreditNote(
  deps: InvoiceDeps,
  invoiceId: string,
  input: CreditNoteInput,
  ifMatch?: string | undefined,
): Promise<Invoice> {
  const inv = await deps.db.one<Record<string, any>>(
    `SELECT kind, status, customer_id, school_id, currency, supply_type, supplier_state_code, place_of_supply,
       customer_gstin, total_minor, amount_credited_minor, finalized_at FROM invoices WHERE id = $id`,
    { id: invoiceId },
  );
  if (inv === undefined || inv['kind'] !== 'invoice') throw notFound('invoice', invoiceId);
  if (!CREDITABLE.includes(inv['status'])) {
    throw conflict(
      'invoice_not_finalized',
      `invoice ${invoiceId} is ${inv['status']}: only a finalised invoice takes credit notes`,
    );
  }
  let lines: DraftInvoiceLine[];
  if (input.lines === undefined) {
    if (inv['amount_credited_minor'] > 0) {
      throw invalid('credit_lines_required', 'the invoice already has credit: name the lines to credit', [
        { field: '/lines', code: 'required', message: 'lines are required once part of the invoice is credited' },
      ]);
    }
    const original = await deps.db.all<Record<string, any>>(
      'SELECT * FROM invoice_lines WHERE invoice_id = $id ORDER BY line_no',
      { id: invoiceId },
    );
    lines = original.map((l) => ({
      description: l['description'],
      quantity: l['quantity'],
      unitAmountMinor: l['unit_amount_minor'],
      amountMinor: l['amount_minor'],
      taxCategory: l['tax_category'] as TaxCategory,
      gstRateBp: l['gst_rate_bp'] ?? null,
      hsnSac: l['hsn_sac'],
      uqc: l['uqc'],
    }));
  } else {
    // The lines are the invoice's own rates (checked next), so the slabs are those of the invoice's day.
    assertLines(input.lines, await loadGstRates(deps.db), inv['finalized_at'] ?? deps.clock.now());
    lines = input.lines;
    assertCreditable(lines, await creditableByRate(deps, invoiceId));
  }
  const computed = computeLines(lines, inv['supply_type'] as SupplyType);
  const totals = documentTotals(computed);
  const remaining = inv['total_minor'] - inv['amount_credited_minor'];
  if (totals.totalMinor <= 0 || totals.totalMinor > remaining) {
    throw invalid(
      'credit_exceeds_invoice',
      `a credit note must be between ₹0 and the ${remaining} paise not yet credited`,
      [
        {
          field: '/lines',
          code: 'credit_exceeds_invoice',
          message: `credit total ${totals.totalMinor} of at most ${remaining}`,
        },
      ],
    );
  }
  const id = newId('cn');
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    if (ifMatch !== undefined) {
      // With If-Match (an ETag from a read) the invoice must still be that one: checked under the row's lock.
      await tx.one(LOCK_INVOICE, { id: invoiceId });
      checkIfMatch(ifMatch, await getInvoice(tx, invoiceId), 'invoice', invoiceId);
    }
    await tx.run(INSERT_INVOICES, {
      at,
      rows: JSON.stringify([
        {
          id,
          kind: 'credit_note',
          document_type: 'credit_note',
          source: 'credit_note',
          source_ref: id,
          customer_id: inv['customer_id'],
          school_id: inv['school_id'],
          subscription_id: null,
          original_invoice_id: invoiceId,
          currency: inv['currency'],
          supply_type: inv['supply_type'],
          supplier_state_code: inv['supplier_state_code'],
          place_of_supply: inv['place_of_supply'],
          customer_gstin: inv['customer_gstin'],
          taxable: totals.taxableMinor,
          exempt: totals.exemptMinor,
          cgst: totals.cgstMinor,
          sgst: totals.sgstMinor,
          igst: totals.igstMinor,
          round_off: totals.roundOffMinor,
          total: totals.totalMinor,
          auto_finalize: false,
          memo: input.memo ?? null,
          reason: input.reason,
          template_id: null,
          due_ms: null,
        },
      ]),
    });
    await tx.run(INSERT_LINES, { rows: JSON.stringify(computed.map((l) => lineRow(id, l))) });
    const credited = await tx.run(
      `UPDATE invoices SET amount_credited_minor = amount_credited_minor + $credit,
         status = CASE WHEN status IN ('finalized', 'partially_paid') AND amount_paid_minor + amount_credited_minor + $credit >= total_minor
                       THEN 'paid' ELSE status END,
         paid_at = CASE WHEN status IN ('finalized', 'partially_paid') AND amount_paid_minor + amount_credited_minor + $credit >= total_minor
                       THEN $at ELSE paid_at END,
         updated_at = $at
       WHERE id = $id AND amount_credited_minor = $credited_before
         AND status IN ('finalized', 'paid', 'partially_paid', 'uncollectible')`,
      { id: invoiceId, credit: totals.totalMinor, at, credited_before: inv['amount_credited_minor'] },
    );
    if (credited === 0) {
      throw conflict('invoice_changed', `invoice ${invoiceId} was credited or voided meanwhile: retry`);
    }
    await finalizeDrafts(tx, [id], at);
  });
  await publishQuietly(deps, id);
  return getInvoice(deps.db, id);
}

/** A line's GST treatment as a key: `gst:1800`, `gst_exempt_school_meals:`. */
export const rateKey = (l: { taxCategory: string; gstRateBp: number | null }): string =>
  `${l.taxCategory}:${l.taxCategory === 'gst' ? (l.gstRateBp ?? '') : ''}`;

/**
 * What is left to credit at each GST treatment of the invoice: the taxable value of its lines at that rate (and
 * category) minus the lines of its earlier credit notes at the same rate. Credit notes are finalised as they are
 * created, and the invoice's credited amount (compare-and-set in createCreditNote) serialises them.
 */
const CREDITABLE_BY_RATE = `
SELECT l.tax_category, l.gst_rate_bp,
  sum(CASE WHEN i.kind = 'invoice' THEN l.amount_minor ELSE -l.amount_minor END)::bigint AS left_minor
FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id
WHERE i.id = $id OR (i.original_invoice_id = $id AND i.kind = 'credit_note')
GROUP BY l.tax_category, l.gst_rate_bp`;

/** What is left to credit per GST treatment key (`gst:1800`, `gst_exempt_school_meals:`) of an invoice (a read). */
export async function creditableByRate(deps: Pick<InvoiceDeps, 'db'>, invoiceId: string): Promise<Map<string, number>> {
  const rows = await deps.db.all<{ tax_category: string; gst_rate_bp: number | null; left_minor: number | string }>(
    CREDITABLE_BY_RATE,
    { id: invoiceId },
  );
  return new Map(
    rows.map((r) => [rateKey({ taxCategory: r.tax_category, gstRateBp: r.gst_rate_bp }), Number(r.left_minor)]),
  );
}

/**
 * Rule 53 and s. 34: a credit note reverses tax the invoice charged, so each line must carry a GST rate (and tax
 * category) one of the invoice's lines has, and the credit at each rate may not exceed what is left at it.
 */
function assertCreditable(lines: readonly DraftInvoiceLine[], left: ReadonlyMap<string, number>): void {
  const fields: FieldError[] = [];
  const asked = new Map<string, number>();
  lines.forEach((l, i) => {
    const key = rateKey(l);
    const available = left.get(key);
    if (available === undefined) {
      const field = l.taxCategory === 'gst' ? `/lines/${i}/gst_rate_bp` : `/lines/${i}/tax_category`;
      fields.push({
        field,
        code: 'credit_rate_not_on_invoice',
        message: 'the invoice has no line at this GST rate and tax category',
      });
      return;
    }
    const total = (asked.get(key) ?? 0) + l.amountMinor;
    asked.set(key, total);
    if (total > available) {
      fields.push({
        field: `/lines/${i}/amount`,
        code: 'credit_exceeds_rate_remaining',
        message: `at most ${Math.max(available, 0)} paise of taxable value is left to credit at this rate`,
      });
    }
  });
  const first = fields[0];
  if (first !== undefined) throw invalid(first.code, `${first.field}: ${first.message}`, fields);
}
