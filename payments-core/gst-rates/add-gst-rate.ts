import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError, type FieldError, invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { loadGstRates } from './load-gst-rates.js';
import { GST_RATE_BY_ID, INSERT_GST_RATE } from './repository.js';
import type { GstRate } from './types.js';

export interface GstRateInput {
  /** Omitted: a slab any GST line may carry; else the code (and longer codes under it) the rate applies to. */
  readonly hsn_sac?: string | undefined;
  readonly rate_bp: number;
  /** First IST day, YYYY-MM-DD. */
  readonly effective_from: string;
  /** Slabs only: the first IST day the slab no longer applies. */
  readonly effective_until?: string | undefined;
  readonly basis: string;
}

const isDay = (s: string | undefined): boolean => {
  if (s === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().startsWith(s);
};

/**
 * Adds a row to the GST rate table: a change in law is a new row with its effective date (earlier supplies keep
 * the rates of their day). A code's rate must be a slab in force on its first day; a second row for the same code
 * (or slab) and day is a 409. 422 names each bad field.
 */
export async function addGstRate(deps: { db: Db; clock: Clock }, input: GstRateInput): Promise<GstRate> {
  const fields: FieldError[] = [];
  const code = input.hsn_sac ?? null;
  if (code !== null && !/^[0-9]{4,8}$/.test(code)) {
    fields.push({ field: '/hsn_sac', code: 'invalid_hsn_sac', message: 'an HSN or SAC code of 4 to 8 digits' });
  }
  if (!Number.isInteger(input.rate_bp) || input.rate_bp < 0 || input.rate_bp > 10_000) {
    fields.push({ field: '/rate_bp', code: 'invalid_rate', message: 'basis points from 0 to 10000 (500 = 5 %)' });
  }
  if (!isDay(input.effective_from)) {
    fields.push({ field: '/effective_from', code: 'invalid_date', message: 'a calendar day, YYYY-MM-DD (IST)' });
  }
  if (input.effective_until !== undefined) {
    if (code !== null) {
      fields.push({
        field: '/effective_until',
        code: 'not_allowed',
        message: "a code's rate runs until a later row of the same code: add that row instead",
      });
    } else if (!isDay(input.effective_until) || input.effective_until <= input.effective_from) {
      fields.push({ field: '/effective_until', code: 'invalid_date', message: 'a day after effective_from' });
    }
  }
  if (typeof input.basis !== 'string' || input.basis.trim().length < 3 || input.basis.length > 300) {
    fields.push({
      field: '/basis',
      code: 'invalid_basis',
      message: 'the notification the rate follows, 3 to 300 characters',
    });
  }
  if (fields.length === 0 && code !== null) {
    const slabs = (await loadGstRates(deps.db)).slabsOn(input.effective_from);
    if (!slabs.includes(input.rate_bp)) {
      fields.push({
        field: '/rate_bp',
        code: 'unknown_gst_rate',
        message: `not a GST slab on ${input.effective_from}: one of ${slabs.join(', ')} (add the slab first)`,
      });
    }
  }
  const first = fields[0];
  if (first !== undefined) throw invalid(first.code, first.message, fields);
  const id = newId('gstr');
  const inserted = await deps.db.one<{ id: string }>(INSERT_GST_RATE, {
    id,
    hsn_sac: code,
    rate_bp: input.rate_bp,
    effective_from: input.effective_from,
    effective_until: input.effective_until ?? null,
    basis: input.basis.trim(),
    at: deps.clock.now(),
  });
  if (inserted === undefined) {
    throw new AppError(
      'conflict',
      'gst_rate_exists',
      `the table has a row for this code (or slab) from ${input.effective_from} already`,
      { fields: [{ field: '/effective_from', code: 'gst_rate_exists', message: 'a row for this day exists' }] },
    );
  }
  const row = await deps.db.one<GstRate>(GST_RATE_BY_ID, { id });
  if (row === undefined) throw new Error('gst rate vanished after insert');
  return row;
}
