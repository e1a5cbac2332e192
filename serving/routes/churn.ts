import { Type } from '@sinclair/typebox';
import { getCustomerChurn, getLatestChurnReport } from '../../pipelines/find-churn-report.js';
import type { App, AppDeps } from '../app.js';
import { Nullable, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const Driver = Type.Object({
  feature: Type.String(),
  contribution: Type.Number({ description: 'change in churn log-odds against the training mean (> 0 raises risk)' }),
  value: Type.Number(),
});
const Score = {
  rank: Type.Integer({ description: '1 = most revenue at risk' }),
  customer_id: Type.String(),
  school_id: Type.String(),
  plan: Type.String({ description: 'subscription plan id, or meal_packs' }),
  probability: Type.Number({ description: 'calibrated P(churn within 30 days)' }),
  drivers: Type.Array(Driver),
  monthly_revenue_minor: Type.Integer(),
  revenue_at_risk_minor: Type.Integer({ description: 'probability × monthly revenue, paise' }),
  p_alive: Nullable(Type.Number({ description: 'BG/NBD P(alive)' })),
  expected_orders_30d: Nullable(Type.Number()),
  clv_minor: Nullable(Type.Integer({ description: '12-month CLV, 1 % monthly discount, paise' })),
  probability_change_7d: Nullable(Type.Number()),
};
const Segment = Type.Object({
  key: Type.String(),
  customers: Type.Integer(),
  at_risk: Type.Integer(),
  mean_probability: Type.Number(),
  revenue_at_risk_minor: Type.Integer(),
});

const ChurnReportSchema = Type.Object({
  object: Type.Literal('churn_report'),
  id: Type.String(),
  report_date: Type.String({ description: 'YYYY-MM-DD, Asia/Kolkata' }),
  as_of: Timestamp,
  model: Type.String(),
  customers: Type.Integer(),
  at_risk: Type.Integer(),
  revenue_at_risk_minor: Type.Integer(),
  currency: Type.Literal('INR'),
  mean_probability: Type.Number(),
  ltv: Nullable(Type.Record(Type.String(), Type.Unknown())),
  summary: Type.Object({
    by_school: Type.Array(Segment),
    by_plan: Type.Array(Segment),
    change_since_last_week: Nullable(
      Type.Object({
        previous_report_date: Type.String(),
        customers: Type.Integer(),
        at_risk: Type.Integer(),
        revenue_at_risk_minor: Type.Integer(),
        mean_probability: Type.Number(),
      }),
    ),
  }),
  files: Type.Object({
    bucket: Type.Literal('analytics'),
    csv: Type.String(),
    parquet: Type.String(),
    html: Type.String(),
  }),
  top: Type.Array(Type.Object(Score)),
  created_at: Timestamp,
});

const CustomerChurnSchema = Type.Object({
  object: Type.Literal('customer_churn'),
  report_date: Type.String(),
  model: Type.String(),
  ...Score,
  history: Type.Array(Type.Object({ report_date: Type.String(), probability: Type.Number() })),
});

export function churnRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/churn/reports/latest',
    {
      config: { scope: 'analytics:read' },
      schema: {
        tags: ['churn'],
        description:
          'The newest nightly churn report: totals, summary by school and plan, change since last week, the files in the analytics bucket and the customers with most revenue at risk.',
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })) },
          { additionalProperties: false },
        ),
        response: responses({ 200: ChurnReportSchema }),
      },
    },
    async (request) => getLatestChurnReport(deps, request.query),
  );

  app.get(
    '/churn/customers/:id',
    {
      config: { scope: 'analytics:read' },
      schema: {
        tags: ['churn'],
        description:
          "A customer's latest churn probability, drivers, revenue at risk, P(alive) and CLV, with recent history.",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_]+$' }) }),
        response: responses({ 200: CustomerChurnSchema }),
      },
    },
    async (request) => getCustomerChurn(deps, request.params.id),
  );
}
