import { Type } from '@sinclair/typebox';
import { getPaymentAnalytics } from '../../payments-core/analytics/get-payment-analytics.js';
import type { App, AppDeps } from '../app.js';
import { Id, Nullable, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const Rate = Nullable(Type.Number({ minimum: 0, maximum: 1 }));
const Bound = (description: string) =>
  Type.Optional(
    Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
      description,
    }),
  );

const BreakdownSchema = Type.Object({
  key: Type.String(),
  attempts: Type.Integer(),
  captured: Type.Integer(),
  failed: Type.Integer(),
  success_rate: Rate,
  failure_reasons: Type.Array(Type.Object({ reason: Type.String(), count: Type.Integer() })),
});

const PaymentAnalyticsSchema = Type.Object({
  object: Type.Literal('payment_analytics'),
  from: Timestamp,
  to: Timestamp,
  school_id: Nullable(Type.String()),
  attempts: Type.Object({
    total: Type.Integer(),
    captured: Type.Integer(),
    failed: Type.Integer(),
    pending: Type.Integer(),
  }),
  success_rate: Rate,
  captured_amount: Type.Integer({ description: 'paise' }),
  by_method: Type.Array(BreakdownSchema),
  by_bank: Type.Array(BreakdownSchema),
  by_network: Type.Array(BreakdownSchema),
  by_hour_ist: Type.Array(BreakdownSchema),
  retry_recovery: Type.Object({
    orders_with_failure: Type.Integer(),
    recovered_orders: Type.Integer(),
    recovery_rate: Rate,
    revenue_recovered: Type.Integer({ description: 'paise' }),
    recovered_by_retry_queue: Nullable(Type.Integer()),
  }),
  time_to_success_seconds: Type.Object({
    payments: Type.Integer(),
    median: Nullable(Type.Number()),
    p90: Nullable(Type.Number()),
  }),
  refunds: Type.Object({
    refunded_payments: Type.Integer(),
    refund_rate: Rate,
    refunded_amount: Type.Integer({ description: 'paise' }),
    refunded_share: Rate,
  }),
});

export function analyticsRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/analytics/payments',
    {
      config: { scope: 'analytics:read' },
      schema: {
        operationId: 'getPaymentAnalytics',
        summary: 'Payment analytics',
        tags: ['analytics'],
        description:
          'Payment attempts created in [from, to): success, failures, retry recovery, time to success, refunds.',
        querystring: Type.Object(
          {
            from: Bound('YYYY-MM-DD (IST day start) or ISO-8601; default: 30 days before to'),
            to: Bound('YYYY-MM-DD (through that IST day) or ISO-8601, exclusive; default: now'),
            school_id: Type.Optional(Id('sch')),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: PaymentAnalyticsSchema }),
      },
    },
    async (request) => getPaymentAnalytics(deps, request.query),
  );
}
