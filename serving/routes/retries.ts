import { Type } from '@sinclair/typebox';
import { getRetry, listRetries } from '../../payments-core/retries/find-retries.js';
import { cancelRetry, requeueRetry } from '../../payments-core/retries/manage-retries.js';
import type { App, AppDeps } from '../app.js';
import { Id, Nullable, PageQuery, pageOf, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });

export const RetryStateSchema = Type.Union([
  Type.Literal('scheduled'),
  Type.Literal('processing'),
  Type.Literal('succeeded'),
  Type.Literal('dead'),
  Type.Literal('requires_authentication'),
  Type.Literal('cancelled'),
]);

export const RetrySchema = Type.Object({
  object: Type.Literal('retry'),
  id: Type.String(),
  source_type: Type.String(),
  source_id: Type.String(),
  order_id: Type.String(),
  customer_id: Type.String(),
  payment_method_id: Nullable(Type.String()),
  amount: Type.Integer(),
  currency: Type.String(),
  state: RetryStateSchema,
  attempts: Type.Integer(),
  max_attempts: Type.Integer(),
  next_attempt_at: Nullable(Timestamp),
  last_payment_id: Nullable(Type.String()),
  last_error_code: Nullable(Type.String()),
  reason: Nullable(Type.String({ description: 'Why the item is dead, cancelled or waiting' })),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const RetryParams = Type.Object({ id: Id('rty') });

export function retryRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/retries',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listRetries',
        summary: 'List payment retries',
        tags: ['retries'],
        querystring: Type.Object({ ...PageQuery, state: Type.Optional(RetryStateSchema) }),
        response: responses({ 200: pageOf(RetrySchema) }),
      },
    },
    async (request) => listRetries(deps, request.query),
  );
  app.get(
    '/retries/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getRetry',
        summary: 'Retrieve a payment retry',
        tags: ['retries'],
        params: RetryParams,
        response: responses({ 200: RetrySchema }),
      },
    },
    async (request) => getRetry(deps, request.params.id),
  );
  app.post(
    '/retries/:id/requeue',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'requeueRetry',
        summary: 'Requeue a payment retry',
        description:
          'Puts a `dead`, `cancelled` or `requires_authentication` item back on the queue, due now, with a fresh budget of attempts (e.g. after the customer updated their card).',
        tags: ['retries'],
        params: RetryParams,
        response: responses({ 200: RetrySchema }, { 409: 'The item is in another state (`retry_not_requeueable`)' }),
      },
    },
    async (request) => requeueRetry(deps, request.params.id),
  );
  app.post(
    '/retries/:id/cancel',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'cancelRetry',
        summary: 'Cancel a payment retry',
        description:
          'Stops retrying an item; an attempt in flight must settle first. Cancelling a cancelled item returns it.',
        tags: ['retries'],
        params: RetryParams,
        response: responses(
          { 200: RetrySchema },
          {
            409: 'An attempt is in flight (`retry_attempt_in_flight`), the item already succeeded (`retry_succeeded`), or it changed meanwhile (`retry_changed`)',
          },
        ),
      },
    },
    async (request) => cancelRetry(deps, request.params.id),
  );
}
