import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { getSubscriptionPlan } from './find-plans.js';
import { ARCHIVE_PLAN, PLAN_BY_ID } from './repository.js';

/** Archives a plan: no new subscribers; existing subscriptions keep going. Archiving twice returns it. */
export async function archiveSubscriptionPlan(deps: { db: Db; clock: Clock }, id: string) {
  await deps.db.transaction(async (tx) => {
    if ((await tx.one(PLAN_BY_ID, { id })) === undefined) throw notFound('subscription_plan', id);
    await tx.run(ARCHIVE_PLAN, { id, at: deps.clock.now() });
  });
  return getSubscriptionPlan(deps, id);
}
