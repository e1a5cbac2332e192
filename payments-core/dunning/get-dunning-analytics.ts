import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { DAY_MS, IST_OFFSET_MS, istDate } from '../../platform/ist.js';
import { ANALYTICS_BY_CATEGORY, ANALYTICS_BY_CODE, ANALYTICS_BY_STEP, ANALYTICS_SUMMARY } from './repository.js';

interface Counts {
  opened: number;
  recovered: number;
  recovered_revenue: number;
}

export interface DunningAnalytics {
  readonly object: 'dunning_analytics';
  readonly from: string;
  readonly to: string;
  readonly currency: 'INR';
  readonly opened: number;
  readonly recovered: number;
  readonly exhausted: number;
  readonly cancelled: number;
  readonly still_open: number;
  /** recovered / opened, 4 decimals; null when nothing opened. */
  readonly recovery_rate: number | null;
  readonly at_risk: number;
  readonly recovered_revenue: number;
  readonly by_step: { step: number | null; kind: string; recovered: number; recovered_revenue: number }[];
  readonly by_decline_category: (Counts & { category: string; recovery_rate: number | null })[];
  readonly by_decline_code: (Counts & { decline_code: string; category: string; recovery_rate: number | null })[];
}

const MAX_DAYS = 366;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const rate = (recovered: number, opened: number): number | null =>
  opened === 0 ? null : Math.round((recovered / opened) * 10_000) / 10_000;

/** 00:00 IST of a `YYYY-MM-DD` day, as an instant. */
function istMidnight(day: string, field: string): Date {
  const t = Date.parse(`${day}T00:00:00Z`);
  if (!DATE.test(day) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day) {
    throw invalid('invalid_date', `${field} must be a date YYYY-MM-DD`, [
      { field: `/${field}`, code: 'invalid_date', message: 'a calendar date YYYY-MM-DD' },
    ]);
  }
  return new Date(t - IST_OFFSET_MS);
}

/**
 * Recovery of the dunning cases opened (failed renewals) on IST days `from`..`to` inclusive (default: the last
 * 30 days through today): how many opened, recovered, ended otherwise, the recovery rate (recovered / opened),
 * the amount at risk and recovered, by the step that recovered them and by decline category and code.
 */
export async function getDunningAnalytics(
  deps: { db: Sql; clock: Clock },
  query: { from?: string | undefined; to?: string | undefined },
): Promise<DunningAnalytics> {
  const to = query.to ?? istDate(deps.clock.now());
  const end = new Date(istMidnight(to, 'to').getTime() + DAY_MS);
  const from = query.from ?? istDate(new Date(end.getTime() - DAY_MS), 29);
  const start = istMidnight(from, 'from');
  if (start >= end || end.getTime() - start.getTime() > MAX_DAYS * DAY_MS) {
    throw invalid('invalid_range', `from must not be after to, and the range at most ${MAX_DAYS} days`, [
      { field: '/from', code: 'invalid_range', message: `at most ${MAX_DAYS} days, not after to` },
    ]);
  }
  const window = { from: start, to: end };
  const summary = await deps.db.one<
    Omit<
      DunningAnalytics,
      'object' | 'from' | 'to' | 'currency' | 'recovery_rate' | 'by_step' | 'by_decline_category' | 'by_decline_code'
    >
  >(ANALYTICS_SUMMARY, window);
  const s = summary ?? {
    opened: 0,
    recovered: 0,
    exhausted: 0,
    cancelled: 0,
    still_open: 0,
    at_risk: 0,
    recovered_revenue: 0,
  };
  const byCategory = await deps.db.all<Counts & { category: string }>(ANALYTICS_BY_CATEGORY, window);
  const byCode = await deps.db.all<Counts & { decline_code: string; category: string }>(ANALYTICS_BY_CODE, window);
  return {
    object: 'dunning_analytics',
    from,
    to,
    currency: 'INR',
    ...s,
    recovery_rate: rate(s.recovered, s.opened),
    by_step: await deps.db.all(ANALYTICS_BY_STEP, window),
    by_decline_category: byCategory.map((r) => ({ ...r, recovery_rate: rate(r.recovered, r.opened) })),
    by_decline_code: byCode.map((r) => ({ ...r, recovery_rate: rate(r.recovered, r.opened) })),
  };
}
