import { Type } from '@sinclair/typebox';
import { getPlanAnalytics } from '../../payments-core/subscription-analytics/get-plan-analytics.js';
import {
  getMrrMovements,
  getSubscriptionCohorts,
  getSubscriptionSummary,
} from '../../payments-core/subscription-analytics/get-subscription-analytics.js';
import type { App, AppDeps } from '../app.js';
import { Id, Nullable, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const Paise = (description = 'paise') => Type.Integer({ description });
const Rate = Nullable(Type.Number({ minimum: 0, maximum: 1 }));
const Month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' });
const MonthQuery = (description: string) =>
  Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description }));
const Range = Type.Object(
  {
    from: MonthQuery('first IST month, YYYY-MM; default: 11 months before to'),
    to: MonthQuery('last IST month, YYYY-MM (inclusive); default: the current month'),
  },
  { additionalProperties: false },
);

const AtQuery = Type.Optional(
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:\\d{2})$',
    description: 'ISO-8601 date-time; default: now',
  }),
);

const PlansSchema = Type.Object({
  object: Type.Literal('subscription_plan_analytics'),
  at: Timestamp,
  from: Month,
  to: Month,
  plans: Type.Array(
    Type.Object({
      plan_id: Type.String(),
      name: Type.String(),
      status: Type.Union([Type.Literal('active'), Type.Literal('archived')]),
      interval: Type.String(),
      interval_count: Type.Integer(),
      currency: Type.String(),
      subscribers: Type.Integer({ description: 'subscriptions active or pending on the plan at `at`' }),
      quantity: Type.Integer({ description: 'Σ their quantity' }),
      mrr: Paise('Σ their monthly-normalised price × quantity, minor units of the plan currency'),
      trialing: Type.Integer(),
      trials_ended: Type.Integer(),
      trials_converted: Type.Integer(),
      trial_conversion: Rate,
      churn_base: Type.Integer({ description: 'Σ over the months: subscriptions counted on the plan at the start' }),
      churned: Type.Integer({ description: 'of those, in no counted status at the month end' }),
      moved_out: Type.Integer({ description: 'of those, counted on another plan at the month end (not churn)' }),
      churn_rate: Rate,
    }),
  ),
});

const SummarySchema = Type.Object({
  object: Type.Literal('subscription_summary'),
  at: Timestamp,
  currency: Type.Literal('INR'),
  mrr: Paise('Σ monthly-normalised price × quantity of active and pending subscriptions, paise'),
  arr: Paise('12 × mrr'),
  live_subscriptions: Type.Integer(),
  trialing_subscriptions: Type.Integer(),
  paused_subscriptions: Type.Integer(),
  paying_customers: Type.Integer(),
  arpu: Nullable(Paise('mrr / paying_customers, half-even')),
  trailing_churn: Type.Object({
    from: Month,
    to: Month,
    customers_start: Type.Integer(),
    customers_churned: Type.Integer(),
    logo_churn_rate: Rate,
  }),
  ltv: Nullable(Paise('arpu / trailing logo churn rate, half-even')),
});

const MonthSchema = Type.Object({
  month: Month,
  complete: Type.Boolean(),
  start_mrr: Paise(),
  new: Paise(),
  expansion: Paise(),
  contraction: Paise('≤ 0'),
  churned: Paise('≤ 0'),
  reactivation: Paise(),
  end_mrr: Paise(),
  customers_start: Type.Integer(),
  customers_end: Type.Integer(),
  customers_new: Type.Integer(),
  customers_reactivated: Type.Integer(),
  customers_churned: Type.Integer(),
  logo_churn_rate: Rate,
  revenue_churn_rate: Rate,
  net_revenue_churn_rate: Nullable(Type.Number()),
  trials_ended: Type.Integer(),
  trials_converted: Type.Integer(),
  trial_conversion_rate: Rate,
});

const MovementsSchema = Type.Object({
  object: Type.Literal('subscription_mrr_movements'),
  from: Month,
  to: Month,
  currency: Type.Literal('INR'),
  months: Type.Array(MonthSchema),
  trial_conversion: Type.Object({ ended: Type.Integer(), converted: Type.Integer(), rate: Rate }),
});

const CohortsSchema = Type.Object({
  object: Type.Literal('subscription_cohorts'),
  from: Month,
  to: Month,
  observed_through: Nullable(Month),
  currency: Type.Literal('INR'),
  cohorts: Type.Array(
    Type.Object({
      month: Month,
      subscriptions: Type.Integer(),
      retention: Type.Array(
        Type.Object({
          months_after_start: Type.Integer(),
          live: Type.Integer(),
          share: Type.Number({ minimum: 0, maximum: 1 }),
        }),
      ),
      customers: Type.Integer(),
      ltv: Type.Array(
        Type.Object({ months_after_start: Type.Integer(), cumulative_mrr: Paise(), per_customer: Paise() }),
      ),
    }),
  ),
});

export function subscriptionAnalyticsRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/analytics/subscriptions/summary',
    {
      config: { scope: 'analytics:read' },
      schema: {
        operationId: 'getSubscriptionSummary',
        summary: 'Subscription metrics: MRR, subscribers, churn',
        tags: ['analytics'],
        description: 'Contracted recurring revenue at `at`: MRR, ARR, paying customers, ARPU, LTV.',
        querystring: Type.Object({ at: AtQuery, school_id: Type.Optional(Id('sch')) }, { additionalProperties: false }),
        response: responses({ 200: SummarySchema }),
      },
    },
    async (request) => getSubscriptionSummary(deps, request.query),
  );
  app.get(
    '/analytics/subscriptions/mrr-movements',
    {
      config: { scope: 'analytics:read' },
      schema: {
        operationId: 'listMrrMovements',
        summary: 'MRR movements per month',
        tags: ['analytics'],
        description: 'Per IST month: start MRR + new + expansion + contraction + churned + reactivation = end MRR.',
        querystring: Type.Object(
          { ...Range.properties, school_id: Type.Optional(Id('sch')) },
          { additionalProperties: false },
        ),
        response: responses({ 200: MovementsSchema }),
      },
    },
    async (request) => getMrrMovements(deps, request.query),
  );
  app.get(
    '/analytics/subscriptions/cohorts',
    {
      config: { scope: 'analytics:read' },
      schema: {
        operationId: 'listSubscriptionCohorts',
        summary: 'Subscription retention cohorts',
        tags: ['analytics'],
        description: 'Retention and empirical LTV of the cohorts that first paid in each IST month.',
        querystring: Range,
        response: responses({ 200: CohortsSchema }),
      },
    },
    async (request) => getSubscriptionCohorts(deps, request.query),
  );
  app.get(
    '/analytics/subscriptions/plans',
    {
      config: { scope: 'analytics:read' },
      schema: {
        operationId: 'listPlanMetrics',
        summary: 'Subscription metrics per plan',
        tags: ['analytics'],
        description:
          'Per plan: subscribers, quantity, MRR and trialing at `at`; trial conversion and churn over IST months `from`..`to`.',
        querystring: Type.Object({ at: AtQuery, ...Range.properties }, { additionalProperties: false }),
        response: responses({ 200: PlansSchema }),
      },
    },
    async (request) => getPlanAnalytics(deps, request.query),
  );
}
