import type { Sql } from '../../platform/db.js';
import { INSERT_STATUS_EVENTS_OF_SET, MOVE_STATUS_OF_SET } from './repository.js';
import type { SubscriptionStatus } from './types.js';

/**
 * Moves the subscriptions of `rows` that are in one of `from` to `to`, recording one status_changed event each,
 * set-wise (two statements for the whole set) inside the caller's transaction. Returns how many moved.
 */
export async function moveSubscriptions(
  tx: Sql,
  rows: readonly { subscription_id: string; subscription_status: SubscriptionStatus }[],
  from: readonly SubscriptionStatus[],
  to: SubscriptionStatus,
  reason: string,
  now: Date,
): Promise<number> {
  const moving = rows.filter((r) => from.includes(r.subscription_status));
  if (moving.length === 0) return 0;
  const moved = await tx.all<{ id: string }>(MOVE_STATUS_OF_SET, {
    ids: moving.map((r) => r.subscription_id),
    from: [...from],
    to,
    now,
  });
  const movedIds = new Set(moved.map((m) => m.id));
  const done = moving.filter((r) => movedIds.has(r.subscription_id));
  if (done.length > 0) {
    await tx.run(INSERT_STATUS_EVENTS_OF_SET, {
      ids: done.map((r) => r.subscription_id),
      from_statuses: done.map((r) => r.subscription_status),
      to,
      reason,
      now,
    });
  }
  return done.length;
}
