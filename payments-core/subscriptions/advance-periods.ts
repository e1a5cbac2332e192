import { appendRows } from '../../platform/bulk.js';
import type { Clock } from '../../platform/clock.js';
import type { Tx } from '../../platform/db.js';
import { type BillingInterval, periodAt } from './billing-periods.js';
import {
  ADVANCE_PERIOD,
  ANALYZE_PERIOD_MOVES,
  CANCEL_AT_PERIOD_END,
  CLEAR_PERIOD_MOVES,
  CREATE_PERIOD_MOVES,
  INSERT_PERIOD_EVENTS,
} from './repository.js';
import type { SubscriptionStatus } from './types.js';

/** A subscription whose current period is billed and settled, as read by the caller. */
export interface BilledPeriod {
  readonly id: string;
  readonly status: SubscriptionStatus;
  readonly period_index: number;
  readonly billing_anchor: Date;
  readonly interval_unit: BillingInterval;
  readonly interval_count: number;
  readonly current_period_end: Date;
  readonly cancel_at_period_end: boolean;
  /** The billing record of the period, named in the period_changed event. */
  readonly record_id: string;
}

/**
 * Advances a set of subscriptions past their billed period, set-wise inside the caller's transaction: to the next
 * period (from the anchor, on IST days), trialing → active, with their events; or, under cancel_at_period_end, to
 * cancelled at the end of the billed period. Guarded on the period index and status read, so it happens once.
 */
export async function advanceSubscriptionPeriods(
  tx: Tx,
  periods: readonly BilledPeriod[],
  clock: Clock,
): Promise<{ advanced: number; cancelled: number }> {
  if (periods.length === 0) return { advanced: 0, cancelled: 0 };
  await tx.run(CREATE_PERIOD_MOVES);
  await tx.run(CLEAR_PERIOD_MOVES);
  await appendRows(
    tx,
    'subscription_period_moves',
    {
      id: 'varchar',
      from_index: 'integer',
      from_status: 'varchar',
      to_status: 'varchar',
      next_start: 'timestamp',
      next_end: 'timestamp',
      record_id: 'varchar',
    },
    periods.map((r) => {
      const next = periodAt(r.billing_anchor, r.interval_unit, r.interval_count, r.current_period_end);
      const to = r.cancel_at_period_end ? 'cancelled' : r.status === 'trialing' ? 'active' : r.status;
      return [r.id, r.period_index, r.status, to, next.start, next.end, r.record_id];
    }),
  );
  await tx.run(ANALYZE_PERIOD_MOVES);
  const at = clock.now();
  const cancelled = await tx.all<{ id: string }>(CANCEL_AT_PERIOD_END, { now: at });
  const advanced = await tx.all<{ id: string }>(ADVANCE_PERIOD, { now: at });
  const moved = [...cancelled, ...advanced].map((r) => r.id);
  if (moved.length > 0) await tx.run(INSERT_PERIOD_EVENTS, { ids: moved, now: at });
  await tx.run(CLEAR_PERIOD_MOVES);
  return { advanced: advanced.length, cancelled: cancelled.length };
}
