import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { type FieldError, invalid, notFound } from '../../platform/errors.js';
import { gstinProblem } from '../../platform/gstin.js';
import { newId } from '../../platform/ids.js';
import { loadGstRates } from '../gst-rates/load-gst-rates.js';
import type { GstRateTable } from '../gst-rates/types.js';
import { INDIAN_STATES } from '../schools/state-codes.js';
import { assertLines, type ComputedLine, computeLines, type DraftInvoiceLine, lineProblems } from './draft-lines.js';
import { documentTotals, documentTypeOf, placeOfSupplyOf, supplyTypeOf } from './gst.js';
import { assertNoProblems, dueDateProblem, totalProblem } from './invoice-rules.js';
import { CUSTOMER_STATES, INSERT_INVOICES, INSERT_LINES, INVOICES_BY_SOURCE, SUPPLIER } from './repository.js';

export type { DraftInvoiceLine } from './draft-lines.js';

export interface DraftInvoiceInput {
  source: 'subscription_period' | 'subscription_change' | 'monthly_statement' | 'manual';
  /** Unique per source: the billing record id for subscription periods, the change id for a change billed now. */
  sourceRef: string;
  customerId: string;
  schoolId: string;
  currency: 'INR';
  subscriptionId?: string;
  lines: DraftInvoiceLine[];
  dueAt?: Date;
  /**
   * Beyond the shared contract (all optional): the recipient's GSTIN (default: the customer's, when they have one), a
   * memo, a template, auto-finalisation.
   */
  customerGstin?: string;
  memo?: string;
  templateId?: string;
  /** Whether the hourly `finalize-invoices` job finalises the draft after the delay; default true except manual. */
  autoFinalize?: boolean;
}

export interface DraftInvoiceResult {
  id: string;
  created: boolean;
  /** Payable: taxable + GST + round-off, in paise (what billing charges). */
  totalMinor: number;
}

/** Idempotent on (source, sourceRef): a second call returns the existing invoice unchanged. */
export async function createDraftInvoice(
  sql: Sql,
  input: DraftInvoiceInput,
  clock: Clock,
): Promise<DraftInvoiceResult> {
  const [result] = await createDraftInvoices(sql, [input], clock);
  if (result === undefined) throw new Error('createDraftInvoices returned no result');
  return result;
}

const BATCH = 5000;

/**
 * The same for many at once, set-wise: per batch of up to 5 000 one lookup of existing drafts, one of the
 * customers' states, one INSERT of invoices and one of lines. Results in input order; an input repeated within
 * the call gets the first one's invoice.
 */
export async function createDraftInvoices(
  sql: Sql,
  inputs: DraftInvoiceInput[],
  clock: Clock,
): Promise<DraftInvoiceResult[]> {
  const now = clock.now();
  const rates = await loadGstRates(sql);
  inputs.forEach((input, i) => {
    assertInput(input, inputs.length === 1 ? '' : `/${i}`, now, rates);
  });
  const results: DraftInvoiceResult[] = [];
  for (let start = 0; start < inputs.length; start += BATCH) {
    results.push(...(await createBatch(sql, inputs.slice(start, start + BATCH), clock)));
  }
  return results;
}

const keyOf = (source: string, ref: string): string => `${source}\u0000${ref}`;

async function createBatch(sql: Sql, inputs: DraftInvoiceInput[], clock: Clock): Promise<DraftInvoiceResult[]> {
  const existing = await sql.all<{ id: string; source: string; source_ref: string; total_minor: number }>(
    INVOICES_BY_SOURCE,
    { keys: JSON.stringify(inputs.map((i) => ({ s: i.source, r: i.sourceRef }))) },
  );
  const known = new Map<string, DraftInvoiceResult>(
    existing.map((e) => [keyOf(e.source, e.source_ref), { id: e.id, created: false, totalMinor: e.total_minor }]),
  );
  const fresh = inputs.filter((i) => !known.has(keyOf(i.source, i.sourceRef)));
  if (fresh.length > 0) {
    const supplier = await sql.one<{ state_code: string }>(SUPPLIER);
    if (supplier === undefined) throw new Error('invoice_supplier has no row: migration 010 inserts one');
    const customerIds = [...new Set(fresh.map((i) => i.customerId))];
    const states = new Map(
      (
        await sql.all<{ id: string; state_code: string; gstin: string | null; address_state_code: string | null }>(
          CUSTOMER_STATES,
          {
            ids: customerIds,
          },
        )
      ).map((r) => [r.id, r]),
    );
    const at = clock.now();
    const invoiceRows: unknown[] = [];
    const lineRows: unknown[] = [];
    for (const input of fresh) {
      const key = keyOf(input.source, input.sourceRef);
      if (known.has(key)) continue; // repeated within this call
      const customer = states.get(input.customerId);
      if (customer === undefined) throw notFound('customer', input.customerId);
      // The recipient's GSTIN: the one given, else the customer's own (a registered customer's subscription
      // periods, changes and statements are B2B invoices).
      const gstin = input.customerGstin ?? customer.gstin;
      const placeOfSupply = placeOfSupplyOf({
        gstin,
        addressStateCode: customer.address_state_code,
        customerStateCode: INDIAN_STATES[customer.state_code]?.gstCode ?? null,
        supplierStateCode: supplier.state_code,
      });
      const supply = supplyTypeOf(supplier.state_code, placeOfSupply);
      const lines = computeLines(input.lines, supply);
      const totals = documentTotals(lines);
      // A manual invoice must ask for money; a billing run's draft is held back at finalisation instead.
      if (input.source === 'manual') assertNoProblems(totalProblem(totals.totalMinor));
      const id = newId('inv');
      invoiceRows.push({
        id,
        kind: 'invoice',
        document_type: documentTypeOf('invoice', lines),
        source: input.source,
        source_ref: input.sourceRef,
        customer_id: input.customerId,
        school_id: input.schoolId,
        subscription_id: input.subscriptionId ?? null,
        original_invoice_id: null,
        currency: input.currency,
        supply_type: supply,
        supplier_state_code: supplier.state_code,
        place_of_supply: placeOfSupply,
        customer_gstin: gstin,
        taxable: totals.taxableMinor,
        exempt: totals.exemptMinor,
        cgst: totals.cgstMinor,
        sgst: totals.sgstMinor,
        igst: totals.igstMinor,
        round_off: totals.roundOffMinor,
        total: totals.totalMinor,
        auto_finalize: input.autoFinalize ?? input.source !== 'manual',
        memo: input.memo ?? null,
        reason: null,
        template_id: input.templateId ?? null,
        due_ms: input.dueAt?.getTime() ?? null,
      });
      for (const l of lines) lineRows.push(lineRow(id, l));
      known.set(key, { id, created: true, totalMinor: totals.totalMinor });
    }
    await sql.run(INSERT_INVOICES, { rows: JSON.stringify(invoiceRows), at });
    await sql.run(INSERT_LINES, { rows: JSON.stringify(lineRows) });
  }
  return inputs.map((i) => {
    const r = known.get(keyOf(i.source, i.sourceRef));
    if (r === undefined) throw new Error('draft invoice lost');
    return r;
  });
}

/** A computed line as a row of INSERT_LINES. */
export function lineRow(invoiceId: string, l: ComputedLine): Record<string, unknown> {
  return {
    invoice_id: invoiceId,
    line_no: l.lineNo,
    description: l.description,
    quantity: l.quantity,
    unit_amount: l.unitAmountMinor,
    amount: l.amountMinor,
    tax_category: l.taxCategory,
    gst_rate_bp: l.gstRateBp,
    hsn_sac: l.hsnSac,
    uqc: l.uqc,
    cgst: l.cgstMinor,
    sgst: l.sgstMinor,
    igst: l.igstMinor,
    start_ms: l.periodStart?.getTime() ?? null,
    end_ms: l.periodEnd?.getTime() ?? null,
  };
}

/** A draft's input problems, each naming its field; throws 422 with all of them. */
function assertInput(input: DraftInvoiceInput, prefix: string, now: Date, rates: GstRateTable): void {
  const fields: FieldError[] = [];
  // Issued at finalisation, which is now or later: a due date before today can never be met.
  const due = input.dueAt === undefined ? null : dueDateProblem(input.dueAt, now, `${prefix}/due_at`);
  if (due !== null) fields.push(due);
  const sources = ['subscription_period', 'subscription_change', 'monthly_statement', 'manual'];
  if (!sources.includes(input.source)) {
    fields.push({ field: `${prefix}/source`, code: 'invalid_source', message: sources.join(', ') });
  }
  if (typeof input.sourceRef !== 'string' || input.sourceRef === '' || input.sourceRef.length > 200) {
    fields.push({ field: `${prefix}/source_ref`, code: 'invalid_source_ref', message: '1 to 200 characters' });
  }
  if (input.currency !== 'INR') {
    fields.push({ field: `${prefix}/currency`, code: 'unsupported_currency', message: 'GST invoices are in INR' });
  }
  if (input.customerGstin !== undefined) {
    const problem = gstinProblem(input.customerGstin);
    if (problem !== null) {
      fields.push({
        field: `${prefix}/customer_gstin`,
        code: problem === 'format' ? 'invalid_gstin_format' : 'invalid_gstin_check_character',
        message:
          problem === 'format'
            ? 'not a GSTIN: 15 characters like 27AAPFU0939F1ZV'
            : 'the check character does not match',
      });
    }
  }
  fields.push(...lineProblems(input.lines ?? [], rates, now, `${prefix}/lines`));
  const first = fields[0];
  if (first !== undefined) throw invalid('invalid_invoice', `${first.field}: ${first.message}`, fields);
}

export { assertLines };
