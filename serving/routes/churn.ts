import { Type } from '@sinclair/typebox';
import { getCustomerChurn, getLatestChurnReport, getLatestChurnReportFile } from '../../pipelines/find-churn-report.js';
import { AppError } from '../../platform/errors.js';
import type { ObjectStore } from '../../platform/objects.js';
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
  customer_name: Type.String({ description: 'the family (customer) by name' }),
  school_id: Type.String(),
  school_name: Type.String(),
  plan: Type.String({ description: 'subscription plan id, or meal_packs' }),
  probability: Type.Number({ description: 'calibrated P(churn within 30 days)' }),
  drivers: Type.Array(Driver),
  reasons: Type.Array(Type.String(), { description: 'the top drivers in words, strongest first' }),
  monthly_revenue_minor: Type.Integer({
    description:
      'monthly-normalised value, paise: live subscriptions as MRR counts them (quarterly ÷ 3, yearly ÷ 12, weekly × 52/12), else a third of 90 days of meal-pack payments',
  }),
  revenue_at_risk_minor: Type.Integer({ description: 'probability × monthly revenue, paise' }),
  p_alive: Nullable(Type.Number({ description: 'BG/NBD P(alive)' })),
  expected_orders_30d: Nullable(Type.Number()),
  clv_minor: Nullable(Type.Integer({ description: '12-month CLV, 1 % monthly discount, paise' })),
  probability_change_7d: Nullable(Type.Number()),
};
const Segment = Type.Object({
  key: Type.String(),
  name: Type.Optional(Type.String({ description: "the school's name (by_school)" })),
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
    revenue: Type.Optional(
      Type.Object({
        mrr_minor: Type.Integer({ description: "MRR of the scored families' live subscriptions, paise" }),
        recurring_at_risk_minor: Type.Integer({ description: 'never above mrr_minor' }),
        meal_packs_monthly_minor: Type.Integer(),
        meal_packs_at_risk_minor: Type.Integer(),
      }),
    ),
    model_quality: Type.Optional(
      Nullable(
        Type.Object({
          window: Type.String({ description: 'test: the untouched newest month; validation: an older model' }),
          rows: Type.Integer(),
          base_rate: Type.Number(),
          accuracy: Type.Number(),
          majority_accuracy: Type.Number({ description: 'accuracy of answering "nobody churns" for everyone' }),
          roc_auc: Type.Number(),
          roc_auc_lo: Nullable(Type.Number()),
          roc_auc_hi: Nullable(Type.Number()),
          accuracy_target: Type.Number(),
          meets_accuracy_target: Type.Boolean(),
        }),
      ),
    ),
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
  const withStore = (): AppDeps & { objects: ObjectStore } => {
    if (deps.objects === undefined)
      throw new AppError('unavailable', 'no_object_store', 'no object store is configured');
    return { ...deps, objects: deps.objects };
  };
  app.get(
    '/churn/reports/latest',
    {
      config: { scope: 'analytics:read' },
      schema: {
        operationId: 'getLatestChurnReport',
        summary: 'The latest churn report',
        tags: ['churn'],
        description:
          'The newest nightly churn report: totals, summary by school and plan, change since last week, the files in the analytics bucket and the customers with most revenue at risk.',
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
            format: Type.Optional(
              Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('html')], {
                description: 'csv: every family ranked, by name, with reasons; html: the report page (downloads)',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Union([ChurnReportSchema, Type.String()]) }),
      },
    },
    async (request, reply) => {
      const { format, limit } = request.query;
      if (format === undefined || format === 'json') return getLatestChurnReport(deps, { limit });
      const file = await getLatestChurnReportFile(withStore(), format);
      return reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        .send(file.body);
    },
  );

  app.get(
    '/churn/customers/:id',
    {
      config: { scope: 'analytics:read' },
      schema: {
        operationId: 'getCustomerChurnRisk',
        summary: "A customer's churn risk",
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
