import { Type } from '@sinclair/typebox';
import { findAlert, listAlerts } from '../../payments-core/monitoring/find-alerts.js';
import type { App, AppDeps } from '../app.js';
import { Id, Nullable, PageQuery, pageOf, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const Severity = Type.Union([Type.Literal('warning'), Type.Literal('critical')]);

export const AlertSchema = Type.Object({
  object: Type.Literal('alert'),
  id: Type.String(),
  rule: Type.Union([
    Type.Literal('payment_failure_rate'),
    Type.Literal('api_latency_p95'),
    Type.Literal('api_error_rate'),
    Type.Literal('installment_plans_suspended'),
    Type.Literal('fraud_block_rate'),
    Type.Literal('fraud_score_drift'),
    Type.Literal('churn_report_failed'),
    Type.Literal('disputes_due'),
  ]),
  status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  severity: Severity,
  peak_severity: Severity,
  value: Type.Number({
    description: 'The measured value at the last alerting evaluation (a ratio, seconds, or a count of plans)',
  }),
  threshold: Type.Number({ description: 'The threshold of `severity` it crossed' }),
  samples: Type.Integer({ description: 'Payments or requests in the window' }),
  window_seconds: Type.Integer(),
  summary: Type.String(),
  opened_at: Timestamp,
  updated_at: Timestamp,
  resolved_at: Nullable(Timestamp),
});

const AlertEventSchema = Type.Object({
  seq: Type.Integer(),
  kind: Type.Union([
    Type.Literal('opened'),
    Type.Literal('escalated'),
    Type.Literal('deescalated'),
    Type.Literal('resolved'),
  ]),
  severity: Severity,
  value: Nullable(Type.Number()),
  samples: Nullable(Type.Integer()),
  at: Timestamp,
});

const SCOPES = ['analytics:read', 'billing:admin'] as const;

/** Alerts raised by the evaluate-alerts job: open by default, `?status=resolved|all` for history. */
export function alertRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/alerts',
    {
      config: { scope: SCOPES },
      schema: {
        operationId: 'listAlerts',
        summary: 'List alerts',
        tags: ['alerts'],
        querystring: Type.Object({
          status: Type.Optional(
            Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('all')], { default: 'open' }),
          ),
          ...PageQuery,
        }),
        response: responses({ 200: pageOf(AlertSchema) }),
      },
    },
    async (request) => listAlerts(deps, request.query),
  );
  app.get(
    '/alerts/:id',
    {
      config: { scope: SCOPES },
      schema: {
        operationId: 'getAlert',
        summary: 'Retrieve an alert',
        tags: ['alerts'],
        params: Type.Object({ id: Id('alrt') }),
        response: responses({
          200: Type.Composite([AlertSchema, Type.Object({ events: Type.Array(AlertEventSchema) })]),
        }),
      },
    },
    async (request) => findAlert(deps, request.params.id),
  );
}
