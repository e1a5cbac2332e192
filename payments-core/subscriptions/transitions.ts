import type { Sql } from '../../platform/db.js';
import { conflict } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { INSERT_EVENT, NEXT_EVENT_SEQ, SET_SUBSCRIPTION_STATUS } from './repository.js';
import type { Subscription, SubscriptionEventType, SubscriptionStatus } from './types.js';

/**
 * The one transition table (Razorpay's states plus `trialing`). A move not listed is refused: 409 from the
 * API, a no-op from a webhook (a late or duplicate delivery). Staying in the same state is always a no-op.
 */
export const TRANSITIONS: Readonly<Record<SubscriptionStatus, readonly SubscriptionStatus[]>> = {
  created: ['authenticated', 'trialing', 'active', 'cancelled', 'expired'],
  authenticated: ['trialing', 'active', 'cancelled', 'expired'],
  trialing: ['active', 'pending', 'paused', 'cancelled'],
  active: ['pending', 'halted', 'paused', 'cancelled', 'completed'],
  pending: ['active', 'halted', 'paused', 'cancelled'],
  halted: ['active', 'paused', 'cancelled'],
  paused: ['active', 'cancelled'],
  cancelled: [],
  completed: [],
  expired: [],
};

export const TERMINAL_STATUSES: readonly SubscriptionStatus[] = ['cancelled', 'completed', 'expired'];

export function canMove(from: SubscriptionStatus, to: SubscriptionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface EventInput {
  readonly type: SubscriptionEventType;
  readonly source: 'api' | 'webhook' | 'system';
  readonly from_status?: SubscriptionStatus | null;
  readonly to_status?: SubscriptionStatus | null;
  readonly data?: Record<string, unknown> | null;
  readonly at: Date;
}

/** Appends one event to a subscription's audit trail, numbered in order. */
export async function recordEvent(tx: Sql, subscriptionId: string, event: EventInput): Promise<void> {
  const next = await tx.one<{ event_seq: number }>(NEXT_EVENT_SEQ, { id: subscriptionId });
  await tx.run(INSERT_EVENT, {
    id: newId('sev'),
    subscription_id: subscriptionId,
    seq: next?.event_seq ?? 1,
    type: event.type,
    from_status: event.from_status ?? null,
    to_status: event.to_status ?? null,
    source: event.source,
    data: event.data ?? null,
    at: event.at,
  });
}

/**
 * Moves a subscription to `to` and records it. Returns false for a no-op (already there, or, when not
 * `strict`, a move the table does not allow); throws 409 `invalid_subscription_transition` when strict.
 */
export async function transition(
  tx: Sql,
  sub: Subscription,
  to: SubscriptionStatus,
  options: { source: 'api' | 'webhook' | 'system'; strict: boolean; at: Date; data?: Record<string, unknown> },
): Promise<boolean> {
  const from = sub.status;
  if (from === to) return false;
  if (!canMove(from, to)) {
    if (!options.strict) return false;
    throw conflict('invalid_subscription_transition', `subscription ${sub.id} cannot move from ${from} to ${to}`, {
      from,
      to,
    });
  }
  const ends = TERMINAL_STATUSES.includes(to);
  const changed = await tx.run(SET_SUBSCRIPTION_STATUS, {
    id: sub.id,
    from,
    to,
    paused_at: to === 'paused' ? options.at : null,
    cancelled_at: to === 'cancelled' ? options.at : sub.cancelled_at,
    ended_at: ends ? options.at : null,
    cancel_at_period_end: ends ? false : sub.cancel_at_period_end,
    at: options.at,
  });
  if (changed === 0) {
    throw conflict('subscription_changed', `subscription ${sub.id} changed concurrently; retry`, { from, to });
  }
  await recordEvent(tx, sub.id, {
    type: 'status_changed',
    source: options.source,
    from_status: from,
    to_status: to,
    data: options.data ?? null,
    at: options.at,
  });
  return true;
}
