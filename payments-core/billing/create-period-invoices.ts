import { appendRows } from '../../platform/bulk.js';
import type { Clock } from '../../platform/clock.js';
import type { Tx } from '../../platform/db.js';
import { DAY_MS, istDate } from '../../platform/ist.js';
import { formatRupees } from '../../platform/money.js';
import { loadGstRates } from '../gst-rates/load-gst-rates.js';
import {
  createDraftInvoices,
  type DraftInvoiceInput,
  type DraftInvoiceLine,
} from '../invoices/create-draft-invoice.js';
import { istDaysBetween } from '../subscriptions/billing-periods.js';
import { chargeLine, type SubscriptionChargeRow } from './charge-line.js';
import {
  ANALYZE_INVOICE_TOTALS,
  BILLED_CHARGES,
  CLEAR_INVOICE_TOTALS,
  CREATE_INVOICE_TOTALS,
  INVOICE_INPUTS,
  SET_INVOICE_TOTALS,
} from './repository.js';

interface InvoiceSource {
  id: string;
  subscription_id: string;
  customer_id: string;
  school_id: string;
  period_start: Date;
  period_end: Date;
  plan_amount_minor: number;
  setup_fee_minor: number;
  currency: string;
  quantity: number;
  unit_amount_minor: number;
  tax_category: 'gst_exempt_school_meals' | 'gst';
  gst_rate_bp: number | null;
  plan_name: string;
  /** What the plan supplies: every line of its invoice carries the plan's HSN/SAC and unit. */
  hsn_sac: string;
  uqc: string;
  /** Where the plan line starts: the period's start, or later when the current terms began within it. */
  plan_from: Date;
}

/** The IST dates a period covers, last day inclusive: "2026-11-01 to 2026-11-30". */
const coverage = (start: Date, end: Date) => `${istDate(start)} to ${istDate(new Date(end.getTime() - DAY_MS))}`;

/**
 * The draft invoice of each new billing record, in one batch (`createDraftInvoices`, idempotent on the record
 * id): the plan line (the part of the period under the current terms), the setup fee, taxed as the subscription
 * is sold now, and the billed charges, each taxed at the terms it was supplied under. The record
 * then carries the invoice id and charges exactly the invoice total. Records with nothing taxable get none.
 */
export async function createPeriodInvoices(tx: Tx, recordIds: readonly string[], clock: Clock): Promise<number> {
  if (recordIds.length === 0) return 0;
  const sources = await tx.all<InvoiceSource>(INVOICE_INPUTS, { ids: [...recordIds] });
  const charges = await tx.all<SubscriptionChargeRow & { billing_id: string }>(BILLED_CHARGES, { ids: [...recordIds] });
  const chargesOf = new Map<string, typeof charges>();
  for (const c of charges) chargesOf.set(c.billing_id, [...(chargesOf.get(c.billing_id) ?? []), c]);
  const inputs: DraftInvoiceInput[] = [];
  const rates = sources.some((s) => s.tax_category === 'gst' && s.gst_rate_bp === null) ? await loadGstRates(tx) : null;
  for (const s of sources) {
    const tax = { taxCategory: s.tax_category, gstRateBp: s.tax_category === 'gst' ? s.gst_rate_bp : null };
    if (s.tax_category === 'gst' && s.gst_rate_bp === null) {
      // The plan pins no rate: the table's rate for its code on the first day the line covers.
      const day = istDate(s.plan_amount_minor === s.quantity * s.unit_amount_minor ? s.period_start : s.plan_from);
      tax.gstRateBp = rates?.rateFor(s.hsn_sac, day) ?? null;
      if (tax.gstRateBp === null) throw new Error(`the GST rate table has no rate for ${s.hsn_sac} on ${day}`);
    }
    const supplied = { hsnSac: s.hsn_sac, uqc: s.uqc };
    const lines: DraftInvoiceLine[] = [];
    const whole = s.plan_amount_minor === s.quantity * s.unit_amount_minor;
    if (s.plan_amount_minor > 0) {
      const part = whole
        ? ''
        : ` (${istDaysBetween(s.plan_from, s.period_end)} of ${istDaysBetween(s.period_start, s.period_end)} days at ${
            s.quantity === 1 ? '' : `${s.quantity} × `
          }${formatRupees(s.unit_amount_minor)} per period)`;
      lines.push({
        description: `${s.plan_name}, ${coverage(whole ? s.period_start : s.plan_from, s.period_end)}${part}`,
        quantity: whole ? s.quantity : 1,
        unitAmountMinor: whole ? s.unit_amount_minor : s.plan_amount_minor,
        amountMinor: s.plan_amount_minor,
        periodStart: whole ? s.period_start : s.plan_from,
        periodEnd: s.period_end,
        ...tax,
        ...supplied,
      });
    }
    if (s.setup_fee_minor > 0) {
      lines.push({
        description: `${s.plan_name}: setup fee`,
        quantity: 1,
        unitAmountMinor: s.setup_fee_minor,
        amountMinor: s.setup_fee_minor,
        ...tax,
        ...supplied,
      });
    }
    for (const c of chargesOf.get(s.id) ?? []) lines.push(chargeLine(c, supplied));
    const taxable = lines.reduce((sum, l) => sum + l.amountMinor, 0);
    if (taxable <= 0) continue;
    inputs.push({
      source: 'subscription_period',
      sourceRef: s.id,
      customerId: s.customer_id,
      schoolId: s.school_id,
      currency: 'INR',
      subscriptionId: s.subscription_id,
      lines,
      dueAt: clock.now(),
    });
  }
  if (inputs.length === 0) return 0;
  const results = await createDraftInvoices(tx, inputs, clock);
  await tx.run(CREATE_INVOICE_TOTALS);
  await tx.run(CLEAR_INVOICE_TOTALS);
  await appendRows(
    tx,
    'billing_invoice_totals',
    { record_id: 'varchar', invoice_id: 'varchar', amount: 'bigint' },
    inputs.map((input, i) => [input.sourceRef, results[i]?.id, results[i]?.totalMinor]),
  );
  await tx.run(ANALYZE_INVOICE_TOTALS);
  await tx.run(SET_INVOICE_TOTALS, { now: clock.now() });
  await tx.run(CLEAR_INVOICE_TOTALS);
  return inputs.length;
}
