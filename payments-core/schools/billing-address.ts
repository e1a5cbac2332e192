import type { FieldError } from '../../platform/errors.js';
import { INDIAN_STATES } from './state-codes.js';

/** A postal billing address in India; `state_code` is the two-digit GST state code (29 = Karnataka). */
export interface BillingAddress {
  readonly line1: string;
  readonly line2: string | null;
  readonly city: string;
  readonly state_code: string;
  readonly postal_code: string;
}

/** As the API takes it: line2 may be left out. */
export interface BillingAddressInput {
  readonly line1: string;
  readonly line2?: string | null | undefined;
  readonly city: string;
  readonly state_code: string;
  readonly postal_code: string;
}

const GST_STATE_CODES = new Set(Object.values(INDIAN_STATES).map((s) => s.gstCode));
const PIN = /^[1-9][0-9]{5}$/;

/** The address's problems, each naming its field under `prefix` (e.g. `/billing_address/state_code`). */
export function billingAddressProblems(a: BillingAddressInput, prefix = '/billing_address'): FieldError[] {
  const out: FieldError[] = [];
  const text = (v: unknown, max: number) => typeof v === 'string' && v.trim() !== '' && v.length <= max;
  if (!text(a.line1, 200))
    out.push({ field: `${prefix}/line1`, code: 'invalid_line1', message: '1 to 200 characters' });
  if (a.line2 !== undefined && a.line2 !== null && !text(a.line2, 200)) {
    out.push({ field: `${prefix}/line2`, code: 'invalid_line2', message: '1 to 200 characters, or null' });
  }
  if (!text(a.city, 100)) out.push({ field: `${prefix}/city`, code: 'invalid_city', message: '1 to 100 characters' });
  if (!GST_STATE_CODES.has(a.state_code)) {
    out.push({
      field: `${prefix}/state_code`,
      code: 'invalid_state_code',
      message: 'a two-digit GST state code such as 29 (Karnataka) or 27 (Maharashtra)',
    });
  }
  if (!PIN.test(a.postal_code)) {
    out.push({ field: `${prefix}/postal_code`, code: 'invalid_postal_code', message: 'a six-digit PIN code' });
  }
  return out;
}

/** The address as the SQL parameters `$billing_line1` … `$billing_postal_code` (all null for no address). */
export function billingAddressParams(a: BillingAddressInput | null): Record<string, string | null> {
  return {
    billing_line1: a === null ? null : a.line1.trim(),
    billing_line2: a === null || a.line2 === undefined || a.line2 === null ? null : a.line2.trim(),
    billing_city: a === null ? null : a.city.trim(),
    billing_state_code: a === null ? null : a.state_code,
    billing_postal_code: a === null ? null : a.postal_code,
  };
}

/** The address read back from the flat `billing_*` columns of a row, or null. */
export function billingAddressOf(row: Record<string, unknown>): BillingAddress | null {
  if (row['billing_line1'] === null || row['billing_line1'] === undefined) return null;
  return {
    line1: String(row['billing_line1']),
    line2: (row['billing_line2'] as string | null) ?? null,
    city: String(row['billing_city']),
    state_code: String(row['billing_state_code']),
    postal_code: String(row['billing_postal_code']),
  };
}

/** One printable line: `12 MG Road, Indiranagar, Bengaluru, Karnataka 560038`. */
export function formatBillingAddress(a: BillingAddress, stateName: (gstCode: string) => string): string {
  return [a.line1, a.line2, a.city, `${stateName(a.state_code)} ${a.postal_code}`].filter((p) => p !== null).join(', ');
}
