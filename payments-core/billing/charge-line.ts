import type { DraftInvoiceLine } from '../invoices/draft-lines.js';

/** A subscription charge (a proration, an adjustment) as its owner stores it. */
export interface SubscriptionChargeRow {
  readonly description: string;
  readonly amount_minor: number;
  readonly period_start: Date;
  readonly period_end: Date;
  readonly tax_category: 'gst_exempt_school_meals' | 'gst';
  readonly gst_rate_bp: number | null;
}

/** A charge as an invoice line: taxed at the terms it was supplied under, with what the plan supplies. */
export function chargeLine(c: SubscriptionChargeRow, supplied: { hsnSac: string; uqc: string }): DraftInvoiceLine {
  return {
    description: c.description,
    quantity: 1,
    unitAmountMinor: c.amount_minor,
    amountMinor: c.amount_minor,
    periodStart: c.period_start,
    periodEnd: c.period_end,
    taxCategory: c.tax_category,
    gstRateBp: c.tax_category === 'gst' ? c.gst_rate_bp : null,
    ...supplied,
  };
}
