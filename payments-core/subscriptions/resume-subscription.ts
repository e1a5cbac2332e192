import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { getSubscription } from './find-subscriptions.js';
import { subscriptionForChange } from './subscription-for-change.js';
import { transition } from './transitions.js';
import type { Subscription } from './types.js';

/**
 * Resumes a paused subscription (paused → active). The anchor does not move: billing picks up at the period
 * holding the resume instant, as Razorpay resumes on the next cycle. Resuming an active one returns it.
 */
export async function resumeSubscription(deps: { db: Db; clock: Clock }, id: string): Promise<Subscription> {
  await deps.db.transaction(async (tx) => {
    const sub = await subscriptionForChange(tx, id);
    await transition(tx, sub, 'active', { source: 'api', strict: true, at: deps.clock.now() });
  });
  return getSubscription(deps, id);
}
