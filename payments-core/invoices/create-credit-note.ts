import { conflict, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { lineRow } from './create-draft-invoice.js';
import { assertLines, computeLines, type DraftInvoiceLine } from './draft-lines.js';
import { finalizeDrafts } from './finalize-drafts.js';
import { type InvoiceDeps, publishQuietly } from './finalize-invoice.js';
import { getInvoice } from './find-invoices.js';
import { documentTotals } from './gst.js';
import { INSERT_INVOICES, INSERT_LINES } from './repository.js';
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
 * transaction, the invoice's supply type and rates; the credit reduces what the invoice still asks for.
 */
export async function createCreditNote(deps: InvoiceDeps, invoiceId: string, input: CreditNoteInput): Promise<Invoice> {
  const inv = await deps.db.one<Record<string, any>>(
    `SELECT kind, status, customer_id, school_id, currency, supply_type, supplier_state_code, place_of_supply,
       customer_gstin, total_minor, amount_credited_minor FROM invoices WHERE id = $id`,
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
    }));
  } else {
    assertLines(input.lines);
    lines = input.lines;
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
       WHERE id = $id AND amount_credited_minor = $credited_before`,
      { id: invoiceId, credit: totals.totalMinor, at, credited_before: inv['amount_credited_minor'] },
    );
    if (credited === 0) throw conflict('invoice_changed', `invoice ${invoiceId} was credited meanwhile: retry`);
    await finalizeDrafts(tx, [id], at);
  });
  await publishQuietly(deps, id);
  return getInvoice(deps.db, id);
}
