import type { BillingInterval } from '../subscriptions/billing-periods.js';
import { type Deps, instantAt, label, monthRange, naiveStart, ratio } from './get-subscription-analytics.js';
import { PLANS } from './repository.js';
import type { PlanAnalytics, PlanAnalyticsRow } from './types.js';

interface PlanRow {
  plan_id: string;
  name: string;
  status: 'active' | 'archived';
  interval: BillingInterval;
  interval_count: number;
  currency: string;
  subscribers: number;
  quantity: number;
  mrr: number;
  trialing: number;
  trials_ended: number;
  trials_converted: number;
  churn_base: number;
  churned: number;
  moved_out: number;
}

/**
 * Per plan: subscribers, quantity, MRR and trials at `at` (default now); trial conversion and subscription churn
 * over the IST months `from`..`to` (default the 12 months through the current one), replayed from the event trail.
 */
export async function getPlanAnalytics(
  deps: Deps,
  query: { at?: string | undefined; from?: string | undefined; to?: string | undefined },
): Promise<PlanAnalytics> {
  const at = instantAt(deps, query.at);
  const [from, to] = monthRange(deps, query);
  const rows = await deps.db.all<PlanRow>(PLANS, {
    at,
    first_month: naiveStart(from),
    n: to - from + 1,
    school_id: null,
  });
  const plans: PlanAnalyticsRow[] = rows.map((r) => ({
    plan_id: r.plan_id,
    name: r.name,
    status: r.status,
    interval: r.interval,
    interval_count: r.interval_count,
    currency: r.currency,
    subscribers: r.subscribers,
    quantity: r.quantity,
    mrr: r.mrr,
    trialing: r.trialing,
    trials_ended: r.trials_ended,
    trials_converted: r.trials_converted,
    trial_conversion: ratio(r.trials_converted, r.trials_ended),
    churn_base: r.churn_base,
    churned: r.churned,
    moved_out: r.moved_out,
    churn_rate: ratio(r.churned, r.churn_base),
  }));
  return { object: 'subscription_plan_analytics', at, from: label(from), to: label(to), plans };
}
