import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { getSubscription } from './find-subscriptions.js';
import { subscriptionForChange } from './subscription-for-change.js';
import { transition } from './transitions.js';
import type { Subscription } from './types.js';

/** Pauses billing (trialing, active, pending or halted → paused); pausing a paused subscription returns it. */
export async function pauseSubscription(deps: { db: Db; clock: Clock }, id: string): Promise<Subscription> {
  await deps.db.transaction(async (tx) => {
    const sub = await subscriptionForChange(tx, id);
    await transition(tx, sub, 'paused', { source: 'api', strict: true, at: deps.clock.now() });
  });
  return getSubscription(deps, id);
}
