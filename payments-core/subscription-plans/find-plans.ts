import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { PLAN_BY_ID, PLAN_COLUMNS } from './repository.js';
import type { PlanStatus, SubscriptionPlan } from './types.js';

/** One subscription plan by id. */
export async function getSubscriptionPlan(deps: { db: Sql }, id: string): Promise<SubscriptionPlan> {
  const plan = await deps.db.one<SubscriptionPlan>(PLAN_BY_ID, { id });
  if (plan === undefined) throw notFound('subscription_plan', id);
  return plan;
}

/** Plans, newest first, optionally in one status. */
export function listSubscriptionPlans(
  deps: { db: Sql },
  query: PageQuery & { status?: PlanStatus | undefined },
): Promise<Page<SubscriptionPlan>> {
  return listPage<SubscriptionPlan>(
    deps.db,
    {
      select: `${PLAN_COLUMNS} {where}`,
      table: 'subscription_plans',
      resource: 'subscription_plan',
      ...(query.status === undefined ? {} : { where: 't.status = $status', params: { status: query.status } }),
    },
    query,
  );
}
