import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { FraudScorer } from '../models/fraud/scorer.js';
import type { OwnedFraudModelSelector } from '../models/registry/fraud-model-selector.js';
import type { BillingOptions } from '../payments-core/billing/types.js';
import type { DunningPolicy } from '../payments-core/dunning/types.js';
import type { PaymentGateway } from '../payments-core/gateway/port.js';
import type { InvoiceSettings } from '../payments-core/invoices/types.js';
import type { AlertSettings } from '../payments-core/monitoring/types.js';
import type { PaymentRisk } from '../payments-core/payments/create-payment.js';
import type { WebhookInbox } from '../payments-core/webhooks/webhook-inbox.js';
import type { JobRuntime } from '../pipelines/types.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { AppError } from '../platform/errors.js';
import { createFailureLimiter, type FailureLimiter } from '../platform/failure-limiter.js';
import { createIdempotencyStore } from '../platform/idempotency.js';
import { newId } from '../platform/ids.js';
import { type KillPoints, NO_KILL_POINTS } from '../platform/kill-points.js';
import type { Log } from '../platform/log.js';
import type { Mailer } from '../platform/mail.js';
import { createMetrics, type Metrics } from '../platform/metrics.js';
import type { ObjectStore } from '../platform/objects.js';
import { swaggerOptions, swaggerUiOptions } from './openapi.js';
import { bearer, registerAuth } from './plugins/auth.js';
import { registerJsonWithCardGuard } from './plugins/card-guard.js';
import { clientErrorAnswer, frameworkErrorAnswer, registerErrorHandling } from './plugins/errors.js';
import { registerFiniteNumbers } from './plugins/finite-numbers.js';
import { registerIdempotency } from './plugins/idempotency.js';
import { ipFilter } from './plugins/ip-filter.js';
import { registerMetrics } from './plugins/metrics.js';
import { sharedRateLimitStore } from './plugins/shared-rate-limit.js';
import { alertRoutes } from './routes/alerts.js';
import { analyticsRoutes } from './routes/analytics.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { billingRoutes } from './routes/billing.js';
import { churnRoutes } from './routes/churn.js';
import { customerRoutes } from './routes/customers.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { disputeRoutes } from './routes/disputes.js';
import { dunningLinkRoutes, dunningRoutes } from './routes/dunning.js';
import { emailRoutes } from './routes/emails.js';
import { featureRoutes } from './routes/features.js';
import { forecastRoutes } from './routes/forecast.js';
import { fraudRoutes } from './routes/fraud.js';
import { gstRoutes } from './routes/gst.js';
import { healthRoutes } from './routes/health.js';
import { installmentRoutes } from './routes/installments.js';
import { invoiceRoutes } from './routes/invoices.js';
import { jobRoutes } from './routes/jobs.js';
import { lakeRoutes } from './routes/lake.js';
import { modelRoutes } from './routes/models.js';
import { paymentRoutes } from './routes/payments.js';
import { payoutRoutes } from './routes/payouts.js';
import { reconciliationRoutes } from './routes/reconciliation.js';
import { retryRoutes } from './routes/retries.js';
import { schoolRoutes } from './routes/schools.js';
import { subscriptionAnalyticsRoutes } from './routes/subscription-analytics.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { testClockRoutes } from './routes/test-clocks.js';
import { webhookEventRoutes, webhookRoutes } from './routes/webhooks.js';
import { ProblemSchema } from './schemas.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface AppDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly gateway: PaymentGateway;
  readonly log: Log;
  readonly inbox: WebhookInbox;
  /** The process's job runtime, shared with its scheduler; without one the job routes use the default schedules. */
  readonly jobRuntime?: JobRuntime;
  /** Model artifacts, reports and other objects; without one the model routes answer 503. */
  readonly objects?: ObjectStore;
  /** The email transport the `mailer` job sends with (platform/mail.ts); without one that job fails. */
  readonly mailer?: Mailer;
  /** The fraud champion and canary for scoring (models/registry); the model routes reload it after a change. */
  readonly fraudModels?: OwnedFraudModelSelector;
  /** The fraud scorer (models/fraud/scorer.ts); without one the fraud routes answer 503 and payments are not screened. */
  readonly fraudScorer?: FraudScorer;
  /** Payment creation's fraud screen and feature recorder, built from the scorer (models/fraud/payment-risk.ts). */
  readonly paymentRisk?: PaymentRisk;
  /** Counters, histograms and the API request log (platform/metrics.ts); without one buildApp makes its own. */
  readonly metrics?: Metrics;
  /** Alert window, minimum samples and webhook, for a manual run of evaluate-alerts; defaults when absent. */
  readonly alerting?: AlertSettings;
  /** The dunning schedule, final action and link base, for a manual run of the dunning job; defaults when absent. */
  readonly dunning?: DunningPolicy;
  /** Invoice finalisation delay and due days (config `invoicing`); defaults when absent. */
  readonly invoicing?: InvoiceSettings;
  /** Billing run tuning (chunk size, gateway concurrency and rate, claim TTL) for POST /v1/billing/runs; defaults when absent. */
  readonly billing?: Partial<BillingOptions>;
  /** Named points where the process dies, for the crash tests (platform/kill-points.ts); none in production. */
  readonly kill?: KillPoints;
  /** Unknown API keys per client per minute (auth and dashboard sign-in), counted in the database; one when absent. */
  readonly authFailures?: FailureLimiter;
  /** What /readyz reports beyond the database (a data dir or cluster removed underneath); none when absent. */
  readonly storageProblems?: () => string[];
  readonly config: {
    readonly webhookSecrets: readonly string[];
    readonly webhookAllowCidrs: readonly string[];
    readonly denyCidrs: readonly string[];
    readonly rateLimitPerMinute: number;
    /** Unknown API keys a client may send per minute before it gets 429 (default 20). */
    readonly authFailuresPerMinute?: number;
    /** How long a client may take to send a whole request before 408 (default 30 s). */
    readonly requestTimeoutMs?: number;
    /** How long a connection may stay silent both ways before it is closed (default 600 s). */
    readonly connectionTimeoutMs?: number;
    /** The largest upload accepted, streamed to a temporary file (default 256 MB). */
    readonly uploadLimitBytes?: number;
    /** How long a request holds its Idempotency-Key before a retry may resume it (default 60 s). */
    readonly idempotencyLockMs?: number;
    /** When set, GET /metrics needs it as a bearer token; when not, loopback clients only. */
    readonly metricsToken?: string | null;
    /** The /v1/test-clocks routes and customers on a clock (`KOSH_TEST_CLOCKS`); off when absent. */
    readonly testClocks?: boolean;
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false where the response never holds a Date (the fraud score): the `isoDates` copy is skipped. */
    dates?: false;
  }
}

/** Dates leave as ISO-8601 strings, whatever schema branch the serializer picks. */
function isoDates(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(isoDates);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isoDates(v);
    return out;
  }
  return value;
}

/** Builds the HTTP app from its dependencies; `serving/server.ts` listens, tests call `app.inject()`. */
export async function buildApp(input: AppDeps): Promise<App> {
  const metrics = input.metrics ?? createMetrics();
  const limiter =
    input.authFailures ?? createFailureLimiter({ db: input.db }, { max: input.config.authFailuresPerMinute ?? 20 });
  const deps: AppDeps = {
    ...input,
    metrics,
    // Counted in metrics here, once for every place that authenticates (API keys, dashboard sign-in, link tokens).
    authFailures: {
      blockedFor: (client, now) => {
        const wait = limiter.blockedFor(client, now);
        if (wait !== null) metrics.authRefused();
        return wait;
      },
      failed: async (client, now) => {
        metrics.authFailed();
        await limiter.failed(client, now);
      },
    },
  };
  const authFailures = deps.authFailures as FailureLimiter;
  const requestTimeoutMs = deps.config.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : newId('req');
    },
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    // A request must arrive whole within the timeout (Node answers 408 and closes the socket). Node enforces it
    // only when the headers' timeout is not longer, and checks incomplete requests every
    // connectionsCheckingInterval (30 s by default, too coarse for a short timeout).
    requestTimeout: requestTimeoutMs,
    // A connection silent both ways this long is closed (the socket's inactivity timeout): a client cannot hold one
    // open by connecting and sending nothing. Longer than any route's own work takes, so no answer is cut.
    connectionTimeout: deps.config.connectionTimeoutMs ?? 600_000,
    clientErrorHandler: clientErrorAnswer,
    frameworkErrors: frameworkErrorAnswer,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(60_000, requestTimeoutMs),
      connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(requestTimeoutMs / 4))),
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addSchema(ProblemSchema);
  registerErrorHandling(app);
  await app.register(helmet, { contentSecurityPolicy: false, global: true });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onRequest', ipFilter({ deny: deps.config.denyCidrs }));
  // Request log lines carry the route pattern, never the raw URL or body, so nothing personal leaks.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });
  registerMetrics(app, { ...deps, metrics, metricsToken: deps.config.metricsToken ?? null });
  // Counted in PostgreSQL, so the limit holds across every process on the database. Without the database the
  // limit is skipped rather than failing every request (liveness included); everything else then answers 503.
  await app.register(rateLimit, {
    global: true,
    store: sharedRateLimitStore({ db: deps.db, clock: deps.clock }),
    skipOnError: true,
    max: deps.config.rateLimitPerMinute,
    timeWindow: '1 minute',
    keyGenerator: (request) => {
      // The key itself, however the header is spaced: one bucket per key, not per spelling of its header.
      const key = bearer(request);
      return key === null ? `ip:${request.ip}` : `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
    },
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'rate_limited',
        'rate_limited',
        `rate limit of ${context.max} requests per ${context.after} exceeded`,
      ),
  });
  registerJsonWithCardGuard(app);
  registerFiniteNumbers(app);
  registerAuth(app, { db: deps.db, clock: deps.clock, authFailures });
  registerIdempotency(app, {
    store: createIdempotencyStore({
      db: deps.db,
      clock: deps.clock,
      lockTimeoutMs: deps.config.idempotencyLockMs ?? 60_000,
    }),
    kill: deps.kill ?? NO_KILL_POINTS,
  });
  // A POST without a body is an empty object, so optional-only bodies need no `{}` and required fields are named.
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && request.body === undefined) request.body = {};
  });
  app.addHook('preSerialization', async (request, _reply, payload) =>
    request.routeOptions.config.dates === false ? payload : isoDates(payload),
  );

  await app.register(swagger, swaggerOptions());
  await app.register(swaggerUi, swaggerUiOptions);

  healthRoutes(app, deps);
  await app.register(async (scope) => dashboardRoutes(scope.withTypeProvider<TypeBoxTypeProvider>(), deps));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  webhookRoutes(app, deps);
  dunningLinkRoutes(app, deps);
  await app.register(
    async (v1) => {
      const scoped = v1.withTypeProvider<TypeBoxTypeProvider>();
      apiKeyRoutes(scoped, deps);
      schoolRoutes(scoped, deps);
      customerRoutes(scoped, deps);
      if (deps.config.testClocks === true) testClockRoutes(scoped, deps);
      paymentRoutes(scoped, deps);
      disputeRoutes(scoped, deps);
      installmentRoutes(scoped, deps);
      subscriptionRoutes(scoped, deps);
      billingRoutes(scoped, deps);
      retryRoutes(scoped, deps);
      webhookEventRoutes(scoped, deps);
      reconciliationRoutes(scoped, deps);
      payoutRoutes(scoped, deps);
      analyticsRoutes(scoped, deps);
      subscriptionAnalyticsRoutes(scoped, deps);
      dunningRoutes(scoped, deps);
      invoiceRoutes(scoped, deps);
      gstRoutes(scoped, deps);
      jobRoutes(scoped, deps);
      lakeRoutes(scoped, deps);
      modelRoutes(scoped, deps);
      fraudRoutes(scoped, deps);
      forecastRoutes(scoped, deps);
      churnRoutes(scoped, deps);
      emailRoutes(scoped, deps);
      alertRoutes(scoped, deps);
      featureRoutes(scoped, deps);
    },
    { prefix: '/v1' },
  );
  return app;
}
