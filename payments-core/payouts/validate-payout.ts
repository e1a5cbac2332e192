import type { FieldError } from '../../platform/errors.js';

/**
 * A bank transfer's reference, upper-cased. NEFT's UTR is 16 alphanumerics (bank code, `N`, date, sequence), RTGS's
 * 22 (bank code, `R`, channel, `YYYYMMDD`, sequence); IMPS gives a 12-digit RRN instead.
 * https://rtrsupportslimited.com/post/utr-number-in-india-its-uses-importance (NEFT 16, RTGS 22 and its layout),
 * https://www.skydo.com/blog/what-is-the-utr-number-for-rtgs-and-neft (NEFT 16, RTGS 22),
 * https://cleartax.in/s/imps-reference-number-tracking (IMPS: a 12-digit reference number).
 * Migration 048 states the same pattern as a CHECK.
 */
export const UTR_PATTERN = /^(?:[A-Z0-9]{16,22}|[0-9]{12})$/;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `s` is a real calendar day `YYYY-MM-DD` (not 2026-02-30). */
export function isCalendarDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** A field error for an optional date that is given but not a calendar day; null when fine or absent. */
export function dateError(field: string, value: string | undefined): FieldError | null {
  if (value === undefined || isCalendarDate(value)) return null;
  return { field, code: 'invalid_date', message: 'a calendar date, YYYY-MM-DD' };
}
