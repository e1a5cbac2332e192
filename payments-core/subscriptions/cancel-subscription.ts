import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict } from '../../platform/errors.js';
import { clockOfCustomer } from '../test-clocks/clock-of-customer.js';
import { getSubscription } from './find-subscriptions.js';
import { accrue, periodBilled, storeChargeLines } from './period-charges.js';
import { SET_CANCEL_AT_PERIOD_END, SET_TERMS_FROM } from './repository.js';
import { subscriptionForChange } from './subscription-for-change.js';
import { canMove, recordEvent, transition } from './transitions.js';
import type { Subscription } from './types.js';

/**
 * Cancels now (→ cancelled) or at the end of the current period (`cancel_at_period_end`, which billing honours
 * instead of renewing). Cancelling now bills the days supplied and not yet billed (in arrears), or credits the
 * unused days of a period billed in advance; the billing run settles them with the pending charges. Cancelling a
 * cancelled subscription now returns it; scheduling twice is a no-op; a terminal one cannot be scheduled.
 */
export async function cancelSubscription(
  deps: { db: Db; clock: Clock },
  id: string,
  options: { at_period_end?: boolean | undefined } = {},
  ifMatch?: string | undefined,
): Promise<Subscription> {
  await deps.db.transaction(async (tx) => {
    const sub = await subscriptionForChange(tx, id, { lock: true, ifMatch });
    const at = (await clockOfCustomer({ db: tx, clock: deps.clock }, sub.customer_id)).now();
    if (options.at_period_end !== true) {
      if (!(await transition(tx, sub, 'cancelled', { source: 'api', strict: true, at }))) return;
      const accrual = accrue(sub, await periodBilled(tx, sub), at, { type: 'cancel' });
      await storeChargeLines(tx, sub, accrual.lines, at);
      await tx.run(SET_TERMS_FROM, { id, terms_from: accrual.terms_from, at });
      return;
    }
    if (!canMove(sub.status, 'cancelled')) {
      throw conflict(
        'invalid_subscription_transition',
        `subscription ${id} cannot move from ${sub.status} to cancelled`,
        {
          from: sub.status,
          to: 'cancelled',
        },
      );
    }
    if (sub.cancel_at_period_end) return;
    await tx.run(SET_CANCEL_AT_PERIOD_END, { id, flag: true, at });
    await recordEvent(tx, id, {
      type: 'cancel_scheduled',
      source: 'api',
      data: { cancel_at: sub.current_period_end.toISOString() },
      at,
    });
  });
  return getSubscription(deps, id);
}
