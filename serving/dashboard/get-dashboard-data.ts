import { weekStart } from '../../models/forecast/school-calendar.js';
import { type FraudSummary, getFraudSummary } from '../../models/fraud/get-fraud-summary.js';
import { getPaymentAnalytics } from '../../payments-core/analytics/get-payment-analytics.js';
import { getRevenueSeries, type RevenueSegment, segmentKey } from '../../payments-core/analytics/get-revenue-series.js';
import { getInvoiceAnalytics, type ReceivablesFigures } from '../../payments-core/invoices/get-invoice-analytics.js';
import { listAlerts } from '../../payments-core/monitoring/find-alerts.js';
import type { Alert } from '../../payments-core/monitoring/types.js';
import { listSchoolNames } from '../../payments-core/schools/find-schools.js';
import {
  getMrrMovements,
  getSubscriptionSummary,
} from '../../payments-core/subscription-analytics/get-subscription-analytics.js';
import type { MrrMonth } from '../../payments-core/subscription-analytics/types.js';
import { type ChurnSegments, findChurnSegments } from '../../pipelines/find-churn-segments.js';
import { getRevenueForecast } from '../../pipelines/get-revenue-forecast.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError, invalid } from '../../platform/errors.js';
import { DAY_MS, IST_OFFSET_MS, istDate } from '../../platform/ist.js';

/** The widest range the dashboard serves, and the one it shows by default (IST days, inclusive). */
export const MAX_RANGE_DAYS = 731;
export const DEFAULT_RANGE_DAYS = 180;
/** Up to this many days revenue is shown per day, beyond it per week (Monday-started, as the forecast buckets). */
const DAILY_UP_TO_DAYS = 92;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface DashboardQuery {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly school_id?: string | undefined;
}

export interface DashboardData {
  readonly object: 'dashboard';
  readonly from: string;
  readonly to: string;
  readonly school: { id: string; name: string } | null;
  readonly schools: { id: string; name: string }[];
  readonly generated_at: Date;
  /** Panels whose figures do not depend on the school filter. */
  readonly platform_wide: string[];
  readonly revenue: {
    granularity: 'day' | 'week';
    segment: string;
    total_minor: number;
    actual: { period: string; amount_minor: number }[];
    forecast: {
      method: string;
      as_of: string;
      quarter_ape: number | null;
      target_met: boolean;
      points: {
        period: string;
        point_minor: number;
        lower80_minor: number | null;
        upper80_minor: number | null;
        lower95_minor: number | null;
        upper95_minor: number | null;
      }[];
    };
  };
  readonly mrr: {
    mrr: number;
    arr: number;
    paying_customers: number;
    months: Pick<
      MrrMonth,
      'month' | 'start_mrr' | 'new' | 'expansion' | 'contraction' | 'churned' | 'reactivation' | 'end_mrr'
    >[];
  };
  /** Null before the first nightly churn report, with the reason in `churn_missing`. */
  readonly churn: ChurnSegments | null;
  readonly churn_missing: string | null;
  readonly payments: {
    attempts: number;
    captured: number;
    failed: number;
    success_rate: number | null;
    captured_amount: number;
    by_method: { method: string; attempts: number; success_rate: number | null }[];
    failure_reasons: { reason: string; count: number }[];
  };
  readonly fraud: FraudSummary;
  readonly invoices: { as_of: Date; window_days: number } & Pick<
    ReceivablesFigures,
    'outstanding' | 'outstanding_count' | 'aging' | 'billed' | 'collected' | 'dso_days' | 'collection_rate'
  >;
  readonly alerts: {
    open: Alert[];
    in_range: { rule: string; open: number; resolved: number }[];
  };
}

/** 00:00 IST of a `YYYY-MM-DD` day. */
const istStart = (day: string): Date => new Date(Date.parse(`${day}T00:00:00Z`) - IST_OFFSET_MS);

function day(value: string | undefined, field: 'from' | 'to'): string | undefined {
  if (value === undefined) return undefined;
  if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || istDate(istStart(value)) !== value) {
    throw invalid('invalid_date', `${field} must be a calendar date, YYYY-MM-DD (IST)`, [
      { field: `/${field}`, code: 'invalid_date', message: 'YYYY-MM-DD' },
    ]);
  }
  return value;
}

/** The IST days [from, to] asked for (default: the last 180 days through today), checked. */
export function dashboardRange(clock: Clock, query: DashboardQuery): { from: string; to: string; days: number } {
  const to = day(query.to, 'to') ?? istDate(clock.now());
  const from = day(query.from, 'from') ?? istDate(istStart(to), DEFAULT_RANGE_DAYS - 1);
  const days = Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1;
  if (days < 1) {
    throw invalid('invalid_range', 'from must not be after to', [
      { field: '/from', code: 'invalid_range', message: 'must not be after to' },
    ]);
  }
  if (days > MAX_RANGE_DAYS) {
    throw invalid('invalid_range', `the range may span at most ${MAX_RANGE_DAYS} days`, [
      { field: '/from', code: 'invalid_range', message: `at most ${MAX_RANGE_DAYS} days before to` },
    ]);
  }
  return { from, to, days };
}

const monthOf = (d: string): string => d.slice(0, 7);

/**
 * Everything the leadership dashboard shows for IST days [from, to] and optionally one school, assembled from the
 * domain use cases (no figure is computed here): revenue and its forecast, MRR movements, churn segments, payment
 * success and failure reasons, fraud decisions and the review queue, invoice aging, alerts.
 */
export async function getDashboardData(deps: { db: Db; clock: Clock }, query: DashboardQuery): Promise<DashboardData> {
  const { from, to, days } = dashboardRange(deps.clock, query);
  const schools = await listSchoolNames(deps);
  const school = query.school_id === undefined ? null : (schools.find((s) => s.id === query.school_id) ?? null);
  if (query.school_id !== undefined && school === null) {
    throw invalid('unknown_school', `no school ${query.school_id}`, [
      { field: '/school_id', code: 'unknown_school', message: 'not a school id' },
    ]);
  }
  const schoolId = school?.id;
  const fromAt = istStart(from);
  const toAt = new Date(istStart(to).getTime() + DAY_MS);

  // Revenue: the ledger's net revenue per day (or week), and the forecast of the same segment from yesterday on.
  const segment: RevenueSegment = school === null ? { kind: 'overall' } : { kind: 'school', id: school.id };
  const granularity = days <= DAILY_UP_TO_DAYS ? 'day' : 'week';
  const series = (await getRevenueSeries(deps.db, segment, to)).filter((d) => d.date >= from);
  const buckets = new Map<string, number>();
  for (const d of series) {
    const period = granularity === 'day' ? d.date : weekStart(d.date);
    buckets.set(period, (buckets.get(period) ?? 0) + d.amountMinor);
  }
  const forecast = await getRevenueForecast(deps, { granularity, segment: segmentKey(segment) });

  const movements = await getMrrMovements(deps, { from: monthOf(from), to: monthOf(to), school_id: schoolId });
  const summary = await getSubscriptionSummary(deps, {
    at: (toAt < deps.clock.now() ? toAt : deps.clock.now()).toISOString(),
    school_id: schoolId,
  });

  const payments = await getPaymentAnalytics(deps, { from, to, school_id: schoolId });
  const reasons = new Map<string, number>();
  for (const m of payments.by_method) {
    for (const r of m.failure_reasons) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + r.count);
  }

  const invoices = await getInvoiceAnalytics(deps.db, {
    as_of: toAt < deps.clock.now() ? toAt : deps.clock.now(),
    window_days: Math.min(days, 730),
    school_id: schoolId,
  });

  // Alerts have no school: they watch the whole platform. The newest 100 are plenty for a range's counts.
  const open = await listAlerts(deps, { status: 'open', limit: 20 });
  const recent = await listAlerts(deps, { status: 'all', limit: 100 });
  const inRange = new Map<string, { open: number; resolved: number }>();
  for (const a of recent.data) {
    const opened = new Date(a.opened_at);
    if (opened >= toAt || (a.resolved_at !== null && new Date(a.resolved_at) < fromAt)) continue;
    const c = inRange.get(a.rule) ?? { open: 0, resolved: 0 };
    if (a.status === 'open') c.open++;
    else c.resolved++;
    inRange.set(a.rule, c);
  }

  const churn = await findChurnSegments(deps, { school_id: schoolId }).catch((err: unknown) => {
    if (err instanceof AppError && err.kind === 'not_found') return null;
    throw err;
  });

  return {
    object: 'dashboard',
    from,
    to,
    school,
    schools,
    generated_at: deps.clock.now(),
    platform_wide: ['alerts'],
    revenue: {
      granularity,
      segment: segmentKey(segment),
      total_minor: series.reduce((s, d) => s + d.amountMinor, 0),
      actual: [...buckets].map(([period, amount]) => ({ period, amount_minor: amount })),
      forecast: {
        method: forecast.method,
        as_of: forecast.as_of,
        quarter_ape: forecast.backtest.quarter_ape,
        target_met: forecast.target.met,
        points: forecast.points.map((p) => ({
          period: p.period,
          point_minor: p.point_minor,
          lower80_minor: p.lower80_minor,
          upper80_minor: p.upper80_minor,
          lower95_minor: p.lower95_minor,
          upper95_minor: p.upper95_minor,
        })),
      },
    },
    mrr: {
      mrr: summary.mrr,
      arr: summary.arr,
      paying_customers: summary.paying_customers,
      months: movements.months.map((m) => ({
        month: m.month,
        start_mrr: m.start_mrr,
        new: m.new,
        expansion: m.expansion,
        contraction: m.contraction,
        churned: m.churned,
        reactivation: m.reactivation,
        end_mrr: m.end_mrr,
      })),
    },
    churn,
    churn_missing: churn === null ? 'no churn report yet: the churn-report job makes one nightly (03:00 IST)' : null,
    payments: {
      attempts: payments.attempts.total,
      captured: payments.attempts.captured,
      failed: payments.attempts.failed,
      success_rate: payments.success_rate,
      captured_amount: payments.captured_amount,
      by_method: payments.by_method.map((m) => ({ method: m.key, attempts: m.attempts, success_rate: m.success_rate })),
      failure_reasons: [...reasons]
        .map(([reason, count]) => ({ reason, count }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    },
    fraud: await getFraudSummary(deps, { from: fromAt, to: toAt, school_id: schoolId }),
    invoices: {
      as_of: invoices.as_of,
      window_days: invoices.window_days,
      outstanding: invoices.overall.outstanding,
      outstanding_count: invoices.overall.outstanding_count,
      aging: invoices.overall.aging,
      billed: invoices.overall.billed,
      collected: invoices.overall.collected,
      dso_days: invoices.overall.dso_days,
      collection_rate: invoices.overall.collection_rate,
    },
    alerts: {
      open: open.data,
      in_range: [...inRange].map(([rule, c]) => ({ rule, ...c })),
    },
  };
}
