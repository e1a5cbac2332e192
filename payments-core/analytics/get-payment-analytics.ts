import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { IST_OFFSET_MS } from '../../platform/ist.js';
import {
  breakdownSql,
  type Dimension,
  RECOVERED_BY_RETRY_QUEUE,
  REFUNDS,
  RETRY_RECOVERY,
  RETRY_TABLE_EXISTS,
  TIME_TO_SUCCESS,
  TOTALS,
} from './repository.js';
import type { Breakdown, PaymentAnalytics } from './types.js';

const DAY = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/** A date-only bound is an IST calendar day: `from` its start, `to` the end of it (exclusive next midnight). */
function bound(value: string | undefined, edge: 'from' | 'to'): Date | undefined {
  if (value === undefined) return undefined;
  const t = DATE_ONLY.test(value)
    ? Date.parse(`${value}T00:00:00Z`) - IST_OFFSET_MS + (edge === 'to' ? DAY : 0)
    : Date.parse(value);
  if (Number.isNaN(t)) {
    throw invalid('invalid_range', `${edge} must be a date (YYYY-MM-DD, IST) or an ISO-8601 date-time`, [
      { field: `/${edge}`, code: 'invalid_date', message: 'YYYY-MM-DD or an ISO-8601 date-time' },
    ]);
  }
  return new Date(t);
}

/**
 * Success rate, failure reasons by method, bank, card network and IST hour, retry recovery, time to success
 * and refund rate of the payment attempts created in [from, to) (default: the last 30 days), queried on PostgreSQL.
 */
export async function getPaymentAnalytics(
  deps: { db: Sql; clock: Clock },
  query: { from?: string | undefined; to?: string | undefined; school_id?: string | undefined },
): Promise<PaymentAnalytics> {
  const to = bound(query.to, 'to') ?? deps.clock.now();
  const from = bound(query.from, 'from') ?? new Date(to.getTime() - 30 * DAY);
  if (from >= to) {
    throw invalid('invalid_range', 'from must be before to', [
      { field: '/from', code: 'invalid_range', message: 'must be before to' },
    ]);
  }
  const params = { from, to, school_id: query.school_id ?? null };
  const totals = await deps.db.one<{ total: number; captured: number; failed: number; captured_amount: number }>(
    TOTALS,
    params,
  );
  const breakdown = async (dimension: Dimension): Promise<Breakdown[]> =>
    (
      await deps.db.all<Omit<Breakdown, 'success_rate' | 'failure_reasons'> & { failure_reasons: string }>(
        breakdownSql(dimension),
        params,
      )
    ).map((b) => ({
      ...b,
      key: String(b.key),
      success_rate: ratio(b.captured, b.captured + b.failed),
      failure_reasons: JSON.parse(b.failure_reasons) as Breakdown['failure_reasons'],
    }));
  const recovery = await deps.db.one<{
    orders_with_failure: number;
    recovered_orders: number;
    revenue_recovered: number;
  }>(RETRY_RECOVERY, params);
  const hasRetryQueue = ((await deps.db.one<{ n: number }>(RETRY_TABLE_EXISTS))?.n ?? 0) > 0;
  const byQueue = hasRetryQueue ? ((await deps.db.one<{ n: number }>(RECOVERED_BY_RETRY_QUEUE, params))?.n ?? 0) : null;
  const waits = await deps.db.one<{ payments: number; median: number | null; p90: number | null }>(
    TIME_TO_SUCCESS,
    params,
  );
  const refunds = await deps.db.one<{ refunded_payments: number; refunded_amount: number }>(REFUNDS, params);

  const captured = totals?.captured ?? 0;
  const failed = totals?.failed ?? 0;
  const capturedAmount = totals?.captured_amount ?? 0;
  const withFailure = recovery?.orders_with_failure ?? 0;
  const recovered = recovery?.recovered_orders ?? 0;
  return {
    object: 'payment_analytics',
    from,
    to,
    school_id: query.school_id ?? null,
    attempts: { total: totals?.total ?? 0, captured, failed, pending: (totals?.total ?? 0) - captured - failed },
    success_rate: ratio(captured, captured + failed),
    captured_amount: capturedAmount,
    by_method: await breakdown('method'),
    by_bank: await breakdown('bank'),
    by_network: await breakdown('network'),
    by_hour_ist: await breakdown('hour_ist'),
    retry_recovery: {
      orders_with_failure: withFailure,
      recovered_orders: recovered,
      recovery_rate: ratio(recovered, withFailure),
      revenue_recovered: recovery?.revenue_recovered ?? 0,
      recovered_by_retry_queue: byQueue,
    },
    time_to_success_seconds: { payments: waits?.payments ?? 0, median: waits?.median ?? null, p90: waits?.p90 ?? null },
    refunds: {
      refunded_payments: refunds?.refunded_payments ?? 0,
      refund_rate: ratio(refunds?.refunded_payments ?? 0, captured),
      refunded_amount: refunds?.refunded_amount ?? 0,
      refunded_share: ratio(refunds?.refunded_amount ?? 0, capturedAmount),
    },
  };
}
