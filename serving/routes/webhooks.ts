import { Type } from '@sinclair/typebox';
import { listWebhookEvents } from '../../payments-core/webhooks/find-webhook-events.js';
import { receiveRazorpayWebhook } from '../../payments-core/webhooks/receive-webhook.js';
import type { App, AppDeps } from '../app.js';
import { ipFilter } from '../plugins/ip-filter.js';
import { PageQuery, pageOf, responses, WebhookEventSchema, WebhookStatusSchema } from '../schemas.js';

/** Razorpay's webhook: verify, store, answer; the inbox applies the stored copy after the answer. */
export function webhookRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/webhooks/razorpay',
    {
      config: { cardGuard: false, rateLimit: false },
      onRequest: ipFilter({ allow: deps.config.webhookAllowCidrs }),
      schema: {
        operationId: 'receiveRazorpayWebhook',
        summary: 'Receive a Razorpay webhook',
        description:
          "Razorpay calls this, not an API client: no API key, but `X-Razorpay-Signature` must be the HMAC-SHA256 of the raw body with a configured webhook secret, and the caller's address must be in `KOSH_WEBHOOK_ALLOW_CIDRS` when that is set. The event is stored, answered, then applied; a redelivery of a known event id is stored as `duplicate` and changes nothing.",
        tags: ['webhooks'],
        headers: Type.Object({
          'x-razorpay-signature': Type.Optional(Type.String()),
          'x-razorpay-event-id': Type.Optional(Type.String()),
        }),
        response: responses(
          { 200: Type.Object({ id: Type.String(), status: WebhookStatusSchema }) },
          {
            401: 'The signature does not match the body (`invalid_signature`)',
            403: 'The caller is outside `KOSH_WEBHOOK_ALLOW_CIDRS` (`ip_not_allowed`)',
            422: 'The body is not a JSON object (`invalid_json`) or names no event (`invalid_event`)',
          },
        ),
      },
    },
    async (request) => {
      const received = await receiveRazorpayWebhook(
        { db: deps.db, clock: deps.clock, secrets: deps.config.webhookSecrets },
        {
          rawBody: request.rawBody ?? '',
          signature: request.headers['x-razorpay-signature'],
          eventId: request.headers['x-razorpay-event-id'],
        },
      );
      // Crash tests: the event is stored, Razorpay has no answer yet and nothing is applied.
      deps.kill?.at('webhook_stored');
      if (received.status === 'received') deps.inbox.kick();
      return received;
    },
  );
}

export function webhookEventRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/webhook-events',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listWebhookEvents',
        summary: 'List received webhook events',
        tags: ['webhooks'],
        querystring: Type.Object({
          ...PageQuery,
          status: Type.Optional(WebhookStatusSchema),
          type: Type.Optional(Type.String({ maxLength: 60 })),
        }),
        response: responses({ 200: pageOf(WebhookEventSchema) }),
      },
    },
    async (request) => listWebhookEvents(deps, request.query),
  );
}
