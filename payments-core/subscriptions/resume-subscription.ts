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
 * Resumes a paused subscription (paused → active). The anchor does not move: billing picks up at the period
 * holding the resume instant, as Razorpay resumes on the next cycle, and the terms accrue again from the resume
 * (an in-advance period already billed and credited at the pause is charged again for its remaining days).
 * Resuming an active one returns it.
 */
export async function resumeSubscription(
  deps: { db: Db; clock: Clock },
  id: string,
  ifMatch?: string | undefined,
): Promise<Subscription> {
  await deps.db.transaction(async (tx) => {
    const sub = await subscriptionForChange(tx, id, { lock: true, ifMatch });
    const at = (await clockOfCustomer({ db: tx, clock: deps.clock }, sub.customer_id)).now();
    if (!(await transition(tx, sub, 'active', { source: 'api', strict: true, at }))) return;
    const accrual = accrue(sub, await periodBilled(tx, sub), at, { type: 'resume' });
    await storeChargeLines(tx, sub, accrual.lines, at);
    await tx.run(SET_TERMS_FROM, { id, terms_from: accrual.terms_from, at });
  });
  return getSubscription(deps, id);
}
