import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { IST_OFFSET_MS } from '../../platform/ist.js';
import { roundHalfEven } from '../../platform/money.js';
import { cohortSql, MOVEMENTS, SUMMARY, TRIALS } from './repository.js';
import type { Cohort, MrrMonth, MrrMovements, SubscriptionCohorts, SubscriptionSummary } from './types.js';

export type Deps = { db: Sql; clock: Clock };

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const MAX_MONTHS = 120;

export const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const halfEven = (numerator: number, denominator: number): number =>
  Number(roundHalfEven(BigInt(numerator), BigInt(denominator)));

/** Months as an index (year × 12 + month − 1), so ranges are arithmetic. */
const istMonthOf = (at: Date): number => {
  const local = new Date(at.getTime() + IST_OFFSET_MS);
  return local.getUTCFullYear() * 12 + local.getUTCMonth();
};
export const label = (index: number): string =>
  `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
/** The month's first day as a naive local timestamp, which the SQL turns into 00:00 IST. */
export const naiveStart = (index: number): Date => new Date(Date.UTC(Math.floor(index / 12), index % 12, 1));
/** The instant the month starts: 00:00 IST on its first day. */
const istStart = (index: number): Date => new Date(naiveStart(index).getTime() - IST_OFFSET_MS);

function month(value: string | undefined, field: 'from' | 'to'): number | undefined {
  if (value === undefined) return undefined;
  const m = MONTH.exec(value);
  if (m === null) {
    throw invalid('invalid_range', `${field} must be an IST month, YYYY-MM`, [
      { field: `/${field}`, code: 'invalid_month', message: 'YYYY-MM' },
    ]);
  }
  return Number(m[1]) * 12 + Number(m[2]) - 1;
}

/** `from`..`to` (inclusive IST months); default: the 12 months through the current one. */
export function monthRange(
  deps: Deps,
  query: { from?: string | undefined; to?: string | undefined },
): [number, number] {
  const to = month(query.to, 'to') ?? istMonthOf(deps.clock.now());
  const from = month(query.from, 'from') ?? to - 11;
  if (from > to || to - from + 1 > MAX_MONTHS) {
    throw invalid('invalid_range', `from must not be after to, and the range at most ${MAX_MONTHS} months`, [
      { field: '/from', code: 'invalid_range', message: `at most ${MAX_MONTHS} months, not after to` },
    ]);
  }
  return [from, to];
}

/** `at` as an instant (default now); 422 when it is not a date. */
export function instantAt(deps: Deps, value: string | undefined): Date {
  const at = value === undefined ? deps.clock.now() : new Date(value);
  if (Number.isNaN(at.getTime())) {
    throw invalid('invalid_date', 'at must be an ISO-8601 date-time', [
      { field: '/at', code: 'invalid_date', message: 'an ISO-8601 date-time' },
    ]);
  }
  return at;
}

interface MovementRow {
  i: number;
  month: string;
  start_mrr: number;
  end_mrr: number;
  new: number;
  expansion: number;
  contraction: number;
  churned: number;
  reactivation: number;
  customers_start: number;
  customers_end: number;
  customers_new: number;
  customers_reactivated: number;
  customers_churned: number;
}

async function movementRows(deps: Deps, from: number, n: number, schoolId: string | null): Promise<MovementRow[]> {
  return deps.db.all<MovementRow>(MOVEMENTS, { first_month: naiveStart(from), n, school_id: schoolId });
}

/**
 * Customer-level MRR movements per IST calendar month in [from, to], replayed from the subscription event trail,
 * with logo and revenue churn rates and trial conversion per month.
 */
export async function getMrrMovements(
  deps: Deps,
  query: { from?: string | undefined; to?: string | undefined; school_id?: string | undefined },
): Promise<MrrMovements> {
  const [from, to] = monthRange(deps, query);
  const n = to - from + 1;
  const schoolId = query.school_id ?? null;
  const rows = await movementRows(deps, from, n, schoolId);
  const trials = await deps.db.all<{ i: number; ended: number; converted: number }>(TRIALS, {
    first_month: naiveStart(from),
    n,
    school_id: schoolId,
  });
  const now = deps.clock.now();
  const months: MrrMonth[] = rows.map((r) => {
    const trial = trials.find((t) => t.i === r.i) ?? { ended: 0, converted: 0 };
    return {
      month: r.month,
      complete: istStart(from + r.i + 1) <= now,
      start_mrr: r.start_mrr,
      new: r.new,
      expansion: r.expansion,
      contraction: r.contraction,
      churned: r.churned,
      reactivation: r.reactivation,
      end_mrr: r.end_mrr,
      customers_start: r.customers_start,
      customers_end: r.customers_end,
      customers_new: r.customers_new,
      customers_reactivated: r.customers_reactivated,
      customers_churned: r.customers_churned,
      logo_churn_rate: ratio(r.customers_churned, r.customers_start),
      revenue_churn_rate: ratio(-(r.churned + r.contraction), r.start_mrr),
      net_revenue_churn_rate: ratio(-(r.churned + r.contraction + r.expansion), r.start_mrr),
      trials_ended: trial.ended,
      trials_converted: trial.converted,
      trial_conversion_rate: ratio(trial.converted, trial.ended),
    };
  });
  const ended = trials.reduce((s, t) => s + t.ended, 0);
  const converted = trials.reduce((s, t) => s + t.converted, 0);
  return {
    object: 'subscription_mrr_movements',
    from: label(from),
    to: label(to),
    currency: 'INR',
    months,
    trial_conversion: { ended, converted, rate: ratio(converted, ended) },
  };
}

/** MRR, ARR, ARPU and LTV at `at` (default now), from the subscription event trail. */
export async function getSubscriptionSummary(
  deps: Deps,
  query: { at?: string | undefined; school_id?: string | undefined },
): Promise<SubscriptionSummary> {
  const at = instantAt(deps, query.at);
  const schoolId = query.school_id ?? null;
  const state = await deps.db.one<{
    mrr: number;
    paying_customers: number;
    live_subscriptions: number;
    trialing_subscriptions: number;
    paused_subscriptions: number;
  }>(SUMMARY, { at, school_id: schoolId });
  const mrr = state?.mrr ?? 0;
  const paying = state?.paying_customers ?? 0;
  const arpu = paying === 0 ? null : halfEven(mrr, paying);
  const last = istMonthOf(at) - 1;
  const trailing = await movementRows(deps, last - 11, 12, schoolId);
  const customersStart = trailing.reduce((s, r) => s + r.customers_start, 0);
  const customersChurned = trailing.reduce((s, r) => s + r.customers_churned, 0);
  return {
    object: 'subscription_summary',
    at,
    currency: 'INR',
    mrr,
    arr: 12 * mrr,
    live_subscriptions: state?.live_subscriptions ?? 0,
    trialing_subscriptions: state?.trialing_subscriptions ?? 0,
    paused_subscriptions: state?.paused_subscriptions ?? 0,
    paying_customers: paying,
    arpu,
    trailing_churn: {
      from: label(last - 11),
      to: label(last),
      customers_start: customersStart,
      customers_churned: customersChurned,
      logo_churn_rate: ratio(customersChurned, customersStart),
    },
    // ARPU / (churned / start) = ARPU × start / churned, rounded once.
    ltv: arpu === null || customersChurned === 0 ? null : halfEven(arpu * customersStart, customersChurned),
  };
}

interface CohortRow {
  c: number;
  size: number;
  age: number | null;
  value: number;
}

/**
 * Retention (subscriptions) and empirical LTV (customers) of the cohorts that first paid in the IST months
 * [from, to], observed at the end of every complete month since.
 */
export async function getSubscriptionCohorts(
  deps: Deps,
  query: { from?: string | undefined; to?: string | undefined },
): Promise<SubscriptionCohorts> {
  const [from, to] = monthRange(deps, query);
  const current = istMonthOf(deps.clock.now());
  const n = Math.max(0, current - from);
  const params = { first_month: naiveStart(from), n, cohorts: to - from + 1, school_id: null };
  const subs = await deps.db.all<CohortRow>(cohortSql('subscription'), params);
  const customers = await deps.db.all<CohortRow>(cohortSql('customer'), params);
  const cohorts: Cohort[] = [];
  for (let c = 0; c <= to - from; c++) {
    const s = subs.filter((r) => r.c === c);
    const k = customers.filter((r) => r.c === c);
    const size = s[0]?.size ?? 0;
    const people = k[0]?.size ?? 0;
    let cumulative = 0;
    cohorts.push({
      month: label(from + c),
      subscriptions: size,
      retention: s
        .filter((r) => r.age !== null)
        .map((r) => ({ months_after_start: r.age ?? 0, live: r.value, share: r.value / size })),
      customers: people,
      ltv: k
        .filter((r) => r.age !== null)
        .map((r) => {
          cumulative += r.value;
          return {
            months_after_start: r.age ?? 0,
            cumulative_mrr: cumulative,
            per_customer: halfEven(cumulative, people),
          };
        }),
    });
  }
  return {
    object: 'subscription_cohorts',
    from: label(from),
    to: label(to),
    observed_through: n === 0 ? null : label(current - 1),
    currency: 'INR',
    cohorts,
  };
}
