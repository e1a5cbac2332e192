import { type FieldError, invalid } from '../../platform/errors.js';
import type { GstRateTable } from '../gst-rates/types.js';
import { DEFAULT_SAC, DEFAULT_UQC, SCHOOL_MEALS_EXEMPTION, UQC_CODES } from '../invoices/gst.js';
import type { TaxCategory } from './types.js';

/**
 * A GST plan either pins a rate, a slab of the rate table in force on `day`, or pins none and bills at the table's
 * rate for its HSN/SAC on each supply day (null), which the table must then have; an exempt plan names none.
 * Throws 422 naming `/gst_rate_bp`.
 */
export function validateTax(
  category: TaxCategory,
  rateBp: number | null | undefined,
  rates: GstRateTable,
  day: string,
  hsnSac: string,
): number | null {
  const fields: FieldError[] = [];
  const slabs = rates.slabsOn(day);
  if (category === 'gst' && (rateBp === undefined || rateBp === null)) {
    if (rates.rateFor(hsnSac, day) === null) {
      fields.push({
        field: '/gst_rate_bp',
        code: 'required',
        message: `the GST rate table has no rate for ${hsnSac}: pin the plan's rate in basis points`,
      });
    }
  } else if (category === 'gst' && !slabs.includes(rateBp ?? -1)) {
    fields.push({
      field: '/gst_rate_bp',
      code: 'unknown_gst_rate',
      message: `not a GST slab on ${day}: use one of ${slabs.join(', ')}`,
    });
  } else if (category === 'gst_exempt_school_meals' && rateBp !== undefined && rateBp !== null) {
    fields.push({ field: '/gst_rate_bp', code: 'not_allowed', message: 'an exempt plan carries no GST rate' });
  }
  const first = fields[0];
  if (first !== undefined)
    throw invalid(first.code === 'required' ? 'gst_rate_required' : 'invalid_gst_rate', first.message, fields);
  return category === 'gst' ? (rateBp ?? null) : null;
}

/**
 * What a plan supplies: its HSN/SAC (4–8 digits), its unit (a GST UQC) and, for an exempt plan, the basis the school
 * declares (the exemption covers catering supplied to an educational institution; which plans qualify is the
 * school's call, recorded here). Throws 422 naming each bad field.
 */
export function validateClassification(input: {
  readonly tax_category: TaxCategory;
  readonly hsn_sac?: string | undefined;
  readonly uqc?: string | undefined;
  readonly exemption_basis?: string | undefined;
}): { hsn_sac: string; uqc: string; exemption_basis: string | null } {
  const fields: FieldError[] = [];
  if (input.hsn_sac !== undefined && !/^[0-9]{4,8}$/.test(input.hsn_sac))
    fields.push({ field: '/hsn_sac', code: 'invalid_hsn_sac', message: 'an HSN or SAC code of 4 to 8 digits' });
  if (input.uqc !== undefined && !UQC_CODES.includes(input.uqc))
    fields.push({ field: '/uqc', code: 'invalid_uqc', message: `a GST unit quantity code: ${UQC_CODES.join(', ')}` });
  const exempt = input.tax_category === 'gst_exempt_school_meals';
  if (!exempt && input.exemption_basis !== undefined)
    fields.push({ field: '/exemption_basis', code: 'not_allowed', message: 'only an exempt plan declares a basis' });
  const first = fields[0];
  if (first !== undefined) throw invalid(first.code, first.message, fields);
  return {
    hsn_sac: input.hsn_sac ?? DEFAULT_SAC,
    uqc: input.uqc ?? DEFAULT_UQC,
    exemption_basis: exempt ? (input.exemption_basis?.trim() ?? SCHOOL_MEALS_EXEMPTION) : null,
  };
}
