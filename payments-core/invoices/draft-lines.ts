import { type FieldError, invalid } from '../../platform/errors.js';
import { istDate } from '../../platform/ist.js';
import type { GstRateTable } from '../gst-rates/types.js';
import { DEFAULT_SAC, DEFAULT_UQC, type LineTax, lineTax, UQC_CODES } from './gst.js';
import type { SupplyType, TaxCategory } from './types.js';

/** A line as the contract hands it in (create-draft-invoice.ts re-exports this shape). */
export interface DraftInvoiceLine {
  description: string;
  quantity: number;
  unitAmountMinor: number;
  /** Taxable value before GST, in paise; may be negative (a proration credit). */
  amountMinor: number;
  taxCategory: 'gst_exempt_school_meals' | 'gst';
  gstRateBp: number | null;
  hsnSac?: string;
  /** The unit of the quantity, a GST UQC (default NOS). */
  uqc?: string;
  periodStart?: Date;
  periodEnd?: Date;
}

export interface ComputedLine extends LineTax {
  readonly lineNo: number;
  readonly description: string;
  readonly quantity: number;
  readonly unitAmountMinor: number;
  readonly amountMinor: number;
  readonly taxCategory: TaxCategory;
  readonly gstRateBp: number | null;
  readonly hsnSac: string;
  readonly uqc: string;
  readonly periodStart: Date | null;
  readonly periodEnd: Date | null;
}

const HSN_SAC = /^[0-9]{4,8}$/;
const MAX_LINES = 200;

/**
 * The problems of a draft's lines, each naming its field under `prefix` (e.g. `/lines/2/gst_rate_bp`). A GST line's
 * rate must be a slab of the rate table in force on its supply day: the first day it covers, else `asOf`.
 */
export function lineProblems(
  lines: readonly DraftInvoiceLine[],
  rates: GstRateTable,
  asOf: Date,
  prefix = '/lines',
): FieldError[] {
  const fields: FieldError[] = [];
  if (lines.length === 0 || lines.length > MAX_LINES) {
    fields.push({ field: prefix, code: 'invalid_lines', message: `an invoice needs 1 to ${MAX_LINES} lines` });
  }
  lines.forEach((l, i) => {
    const at = (name: string) => `${prefix}/${i}/${name}`;
    if (typeof l.description !== 'string' || l.description.trim() === '' || l.description.length > 300) {
      fields.push({ field: at('description'), code: 'invalid_description', message: '1 to 300 characters' });
    }
    if (!Number.isFinite(l.quantity) || l.quantity <= 0) {
      fields.push({ field: at('quantity'), code: 'invalid_quantity', message: 'a positive number' });
    }
    if (!Number.isSafeInteger(l.unitAmountMinor)) {
      fields.push({ field: at('unit_amount'), code: 'invalid_amount', message: 'an integer amount of paise' });
    }
    if (!Number.isSafeInteger(l.amountMinor) || Math.abs(l.amountMinor) > 1e13) {
      fields.push({ field: at('amount'), code: 'invalid_amount', message: 'an integer amount of paise' });
    }
    if (l.taxCategory === 'gst') {
      const day = istDate(l.periodStart ?? asOf);
      const slabs = rates.slabsOn(day);
      if (l.gstRateBp === null || !slabs.includes(l.gstRateBp)) {
        fields.push({
          field: at('gst_rate_bp'),
          code: 'unknown_gst_rate',
          message: `a gst line supplied on ${day} needs one of ${slabs.join(', ')}`,
        });
      }
    } else if (l.taxCategory === 'gst_exempt_school_meals') {
      if (l.gstRateBp !== null && l.gstRateBp !== undefined) {
        fields.push({ field: at('gst_rate_bp'), code: 'not_allowed', message: 'an exempt line carries no GST rate' });
      }
    } else {
      fields.push({
        field: at('tax_category'),
        code: 'invalid_tax_category',
        message: 'gst or gst_exempt_school_meals',
      });
    }
    if (l.hsnSac !== undefined && !HSN_SAC.test(l.hsnSac)) {
      fields.push({ field: at('hsn_sac'), code: 'invalid_hsn_sac', message: 'an HSN or SAC code of 4 to 8 digits' });
    }
    if (l.uqc !== undefined && !UQC_CODES.includes(l.uqc)) {
      fields.push({ field: at('uqc'), code: 'invalid_uqc', message: 'a GST unit quantity code such as NOS or OTH' });
    }
    if (l.periodStart !== undefined && l.periodEnd !== undefined && l.periodEnd < l.periodStart) {
      fields.push({ field: at('period_end'), code: 'invalid_period', message: 'the period ends before it starts' });
    }
  });
  return fields;
}

export function assertLines(
  lines: readonly DraftInvoiceLine[],
  rates: GstRateTable,
  asOf: Date,
  prefix = '/lines',
): void {
  const fields = lineProblems(lines, rates, asOf, prefix);
  const first = fields[0];
  if (first !== undefined) throw invalid('invalid_invoice_lines', `${first.field}: ${first.message}`, fields);
}

/** Numbers the lines from 1 and computes each one's GST for the supply type. */
export function computeLines(lines: readonly DraftInvoiceLine[], supply: SupplyType): ComputedLine[] {
  return lines.map((l, i) => {
    const gstRateBp = l.taxCategory === 'gst' ? l.gstRateBp : null;
    return {
      lineNo: i + 1,
      description: l.description.trim(),
      quantity: l.quantity,
      unitAmountMinor: l.unitAmountMinor,
      amountMinor: l.amountMinor,
      taxCategory: l.taxCategory,
      gstRateBp,
      hsnSac: l.hsnSac ?? DEFAULT_SAC,
      uqc: l.uqc ?? DEFAULT_UQC,
      periodStart: l.periodStart ?? null,
      periodEnd: l.periodEnd ?? null,
      ...lineTax({ amountMinor: l.amountMinor, taxCategory: l.taxCategory, gstRateBp }, supply),
    };
  });
}
