import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { clockOfCustomer } from '../test-clocks/clock-of-customer.js';
import { getSubscription } from './find-subscriptions.js';
import { accrue, periodBilled, storeChargeLines } from './period-charges.js';
import { SET_TERMS_FROM } from './repository.js';
import { subscriptionForChange } from './subscription-for-change.js';
import { transition } from './transitions.js';
import type { Subscription } from './types.js';

/**
 * Pauses billing (trialing, active, pending or halted → paused); pausing a paused subscription returns it. The
 * paused days are not billed: the days supplied so far are billed (not yet billed) or the rest credited (billed
 * in advance), see `accrue`.
 */
export async function pauseSubscription(
  deps: { db: Db; clock: Clock },
  id: string,
  ifMatch?: string | undefined,
): Promise<Subscription> {
  await deps.db.transaction(async (tx) => {
    const sub = await subscriptionForChange(tx, id, { lock: true, ifMatch });
    const at = (await clockOfCustomer({ db: tx, clock: deps.clock }, sub.customer_id)).now();
    if (!(await transition(tx, sub, 'paused', { source: 'api', strict: true, at }))) return;
    const accrual = accrue(sub, await periodBilled(tx, sub), at, { type: 'pause' });
    await storeChargeLines(tx, sub, accrual.lines, at);
    await tx.run(SET_TERMS_FROM, { id, terms_from: accrual.terms_from, at });
  });
  return getSubscription(deps, id);
}
