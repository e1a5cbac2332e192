import { type FieldError, invalid } from '../../platform/errors.js';
import { GST_RATES_BP, type TaxCategory } from './types.js';

/** A GST plan names one GST slab; an exempt plan names none. Throws 422 naming `/gst_rate_bp`. */
export function validateTax(category: TaxCategory, rateBp: number | null | undefined): number | null {
  const fields: FieldError[] = [];
  if (category === 'gst' && (rateBp === undefined || rateBp === null)) {
    fields.push({ field: '/gst_rate_bp', code: 'required', message: 'a gst plan needs its rate in basis points' });
  } else if (category === 'gst' && !GST_RATES_BP.includes(rateBp ?? -1)) {
    fields.push({
      field: '/gst_rate_bp',
      code: 'unknown_gst_rate',
      message: `not a GST slab: use one of ${GST_RATES_BP.join(', ')}`,
    });
  } else if (category === 'gst_exempt_school_meals' && rateBp !== undefined && rateBp !== null) {
    fields.push({ field: '/gst_rate_bp', code: 'not_allowed', message: 'an exempt plan carries no GST rate' });
  }
  const first = fields[0];
  if (first !== undefined)
    throw invalid(first.code === 'required' ? 'gst_rate_required' : 'invalid_gst_rate', first.message, fields);
  return category === 'gst' ? (rateBp ?? null) : null;
}
