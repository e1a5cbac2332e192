import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { FRAUD_FEATURES } from '../../features/fraud/feature-set.js';
import { decodeBatch, encodeBatchArrow, scoreBatch } from '../../models/fraud/batch-score.js';
import {
  DECLINE_REASONS,
  type DeclineReason,
  decideReview,
  getReview,
  listReviews,
} from '../../models/fraud/reviews.js';
import type { FraudScorer } from '../../models/fraud/scorer.js';
import { releaseHeldPayment } from '../../payments-core/payments/release-held-payment.js';
import { AppError } from '../../platform/errors.js';
import type { App, AppDeps } from '../app.js';
import { tagged } from '../etag.js';
import {
  Id,
  IfMatchHeaders,
  Nullable,
  PageQuery,
  PaymentSchema,
  PRECONDITION_FAILED,
  pageOf,
  responses,
} from '../schemas.js';

export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';
/** 1 M rows of the fraud feature columns as float64 are about 360 MB. */
const BATCH_BODY_LIMIT = 1024 * 1024 * 1024;

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const ActionSchema = Type.Union([Type.Literal('allow'), Type.Literal('review'), Type.Literal('block')]);
const RuleKindSchema = Type.Union([
  Type.Literal('allow_list'),
  Type.Literal('block_list'),
  Type.Literal('velocity_cap'),
  Type.Literal('amount_cap'),
  Type.Literal('expression'),
]);
const RuleFieldSchema = Type.Union([
  Type.Literal('customer_id'),
  Type.Literal('method_fingerprint'),
  Type.Literal('device_id'),
  Type.Literal('ip'),
  Type.Literal('email_domain'),
]);

/**
 * The decision is the hot path's answer: nullable members are `type: [x, 'null']` and enums plain string enums,
 * which fast-json-stringify writes directly; a `anyOf` union would be re-validated by ajv on every response.
 */
const orNull = <T extends TSchema>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [schema['type'] as string, 'null'] });
const stringEnum = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });
const DecisionAction = stringEnum(['allow', 'review', 'block'] as const);

const DecisionSchema = Type.Object({
  object: Type.Literal('fraud_decision'),
  id: Type.String({ description: 'The decision id, logged in fraud_decisions' }),
  attempt_id: Type.String(),
  decision: DecisionAction,
  score: orNull(Type.Number({ description: 'Calibrated probability of fraud; null when rules only' })),
  reasons: Type.Array(Type.Object({ feature: Type.String(), value: Type.Number(), contribution: Type.Number() })),
  rule_hits: Type.Array(
    Type.Object({
      rule_id: Type.String(),
      kind: stringEnum(['allow_list', 'block_list', 'velocity_cap', 'amount_cap', 'expression'] as const),
      action: DecisionAction,
      description: Type.String(),
    }),
  ),
  model: orNull(Type.Object({ version: Type.String(), role: stringEnum(['champion', 'canary'] as const) })),
  thresholds: orNull(Type.Object({ review: Type.Number(), block: Type.Number() })),
  features: orNull(Type.Record(Type.String(), Type.Number())),
  rules_only_reason: orNull(stringEnum(['no_model', 'budget_exceeded', 'model_error'] as const)),
  budget_exceeded: Type.Boolean(),
  latency_us: Type.Integer(),
});

const RuleSchema = Type.Object({
  object: Type.Literal('fraud_rule'),
  id: Type.String(),
  kind: RuleKindSchema,
  action: ActionSchema,
  field: Nullable(Type.String({ description: 'customer_id | method_fingerprint | device_id | ip | email_domain' })),
  value: Nullable(Type.String()),
  window_seconds: Nullable(Type.Integer()),
  text: Nullable(Type.String()),
  description: Nullable(Type.String()),
  enabled: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const RuleBody = {
  kind: Type.Optional(RuleKindSchema),
  action: Type.Optional(ActionSchema),
  field: Type.Optional(RuleFieldSchema),
  value: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Integer()])),
  window_seconds: Type.Optional(Type.Integer()),
  text: Type.Optional(
    Type.String({ maxLength: 2000, description: 'e.g. `review if score > 0.6 and amount > 500000`' }),
  ),
  description: Type.Optional(Type.String({ maxLength: 500 })),
  enabled: Type.Optional(Type.Boolean()),
};

const ReviewSchema = Type.Object({
  object: Type.Literal('fraud_review'),
  id: Type.String(),
  payment_id: Type.String(),
  decision_id: Type.String(),
  customer_id: Type.String(),
  amount: Type.Integer(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('declined')]),
  reviewer: Nullable(Type.String()),
  reason: Nullable(stringEnum(DECLINE_REASONS)),
  created_at: Timestamp,
  decided_at: Nullable(Timestamp),
});

const BatchJsonResponse = Type.Object({
  object: Type.Literal('fraud_batch'),
  model: Nullable(Type.Object({ version: Type.String() })),
  thresholds: Nullable(Type.Object({ review: Type.Number(), block: Type.Number() })),
  rows: Type.Integer(),
  id: Type.Array(Nullable(Type.String())),
  score: Type.Array(Nullable(Type.Number())),
  decision: Type.Array(Nullable(ActionSchema)),
});

function scorerOf(deps: AppDeps): FraudScorer {
  if (deps.fraudScorer === undefined) {
    throw new AppError('unavailable', 'fraud_scoring_unavailable', 'fraud scoring is not enabled on this server');
  }
  return deps.fraudScorer;
}

/**
 * Fraud scoring, rules and reviews. Routes are thin: the scorer (models/fraud/scorer.ts) decides, the rule
 * store validates, payments-core releases held payments.
 */
export function fraudRoutes(app: App, deps: AppDeps): void {
  app.addContentTypeParser(ARROW_STREAM, { parseAs: 'buffer', bodyLimit: BATCH_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );
  // The scorer outlives the app (the server closes it last), but the decisions the app answered are written when
  // the app closes: a stop cannot leave them in memory.
  app.addHook('onClose', async () => deps.fraudScorer?.decisions.flush());

  app.post(
    '/fraud/score',
    {
      // A read the checkout sends before every charge: no Idempotency-Key row (the header is ignored) and no Date
      // in the answer to convert, so neither hook touches it.
      config: { scope: 'checkout:score', idempotency: false, dates: false },
      schema: {
        operationId: 'scoreFraud',
        summary: 'Score a payment for fraud',
        tags: ['fraud'],
        body: Type.Object(
          {
            customer_id: Id('cus'),
            amount: Type.Integer({ minimum: 1, maximum: 100_000_000_00, description: 'paise' }),
            currency: Type.Optional(Type.Literal('INR')),
            payment_method_id: Type.Optional(Id('pm')),
            method_fingerprint: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
            method: Type.Optional(
              Type.Union([
                Type.Literal('card'),
                Type.Literal('upi'),
                Type.Literal('netbanking'),
                Type.Literal('wallet'),
              ]),
            ),
            device_id: Type.Optional(Type.String({ maxLength: 100 })),
            ip: Type.Optional(Type.String({ maxLength: 45 })),
            school_id: Type.Optional(Id('sch')),
            attempt_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            at: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: DecisionSchema }),
      },
    },
    async (request) => {
      const b = request.body;
      const d = await scorerOf(deps).score({
        id: b.attempt_id,
        customer_id: b.customer_id,
        school_id: b.school_id,
        amount: b.amount,
        method_fingerprint: b.method_fingerprint ?? b.payment_method_id ?? null,
        device_id: b.device_id ?? null,
        ip: b.ip ?? null,
        method: b.method ?? null,
        at: b.at === undefined ? undefined : new Date(b.at),
      });
      return {
        ...d,
        reasons: [...d.reasons],
        rule_hits: [...d.rule_hits],
        features: d.features === null ? null : { ...d.features },
      };
    },
  );

  app.post(
    '/fraud/score::batch',
    {
      // Bulk scoring is for data scientists and offline jobs, not the checkout: it scores up to a million rows,
      // so it takes models:admin and never shares the checkout key's rate budget.
      config: { scope: 'models:admin', cardGuard: false },
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        operationId: 'scoreFraudBatch',
        summary: 'Score many payments for fraud (Arrow or JSON lines)',
        tags: ['fraud'],
        description:
          `Body: an Arrow IPC stream (${ARROW_STREAM}) or JSON \`{ id?: string[], features?: { <name>: number[] } }\`. ` +
          'With the feature columns (FRAUD_FEATURES names), rows are scored as given; with only `id` (payment ids), ' +
          'their point-in-time features are computed offline first. Returns id, score, decision in the format asked ' +
          'for by Accept (default: the request format).',
        response: responses({ 200: BatchJsonResponse }),
      },
    },
    async (request, reply) => {
      const scorer = scorerOf(deps);
      const isArrow = Buffer.isBuffer(request.body);
      const batch = await decodeBatch(deps, request.body, FRAUD_FEATURES);
      const result = scoreBatch(scorer.batchModel(), batch, FRAUD_FEATURES);
      const accept = request.headers.accept ?? '';
      const wantArrow = accept.includes(ARROW_STREAM) || (isArrow && !accept.includes('application/json'));
      if (result.model !== null) reply.header('kosh-model-version', result.model.version);
      if (wantArrow) {
        const bytes = encodeBatchArrow(result);
        return reply.type(ARROW_STREAM).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
      }
      return {
        object: 'fraud_batch' as const,
        model: result.model,
        thresholds: result.thresholds,
        rows: result.ids.length,
        id: result.ids,
        score: Array.from(result.scores, (s) => (Number.isNaN(s) ? null : s)),
        decision: result.decisions,
      };
    },
  );

  app.get(
    '/fraud/rules',
    {
      config: { scope: 'models:admin' },
      schema: {
        operationId: 'listFraudRules',
        summary: 'List fraud rules',
        tags: ['fraud'],
        response: responses({
          200: Type.Object({ object: Type.Literal('list'), data: Type.Array(RuleSchema), has_more: Type.Boolean() }),
        }),
      },
    },
    async () => ({ object: 'list' as const, data: [...scorerOf(deps).rules.list()], has_more: false }),
  );
  app.post(
    '/fraud/rules',
    {
      config: { scope: 'models:admin' },
      schema: {
        operationId: 'createFraudRule',
        summary: 'Create a fraud rule',
        tags: ['fraud'],
        body: Type.Object(RuleBody, { additionalProperties: false }),
        response: responses({ 201: RuleSchema }),
      },
    },
    async (request, reply) => reply.code(201).send(tagged(reply, await scorerOf(deps).rules.create(request.body))),
  );
  app.get(
    '/fraud/rules/:id',
    {
      config: { scope: 'models:admin' },
      schema: {
        operationId: 'getFraudRule',
        summary: 'Retrieve a fraud rule',
        tags: ['fraud'],
        params: Type.Object({ id: Id('frl') }),
        response: responses({ 200: RuleSchema }),
      },
    },
    async (request, reply) => tagged(reply, scorerOf(deps).rules.get(request.params.id)),
  );
  app.patch(
    '/fraud/rules/:id',
    {
      config: { scope: 'models:admin' },
      schema: {
        operationId: 'updateFraudRule',
        summary: 'Update a fraud rule',
        tags: ['fraud'],
        params: Type.Object({ id: Id('frl') }),
        headers: IfMatchHeaders,
        body: Type.Object(RuleBody, { additionalProperties: false }),
        response: responses({ 200: RuleSchema }, PRECONDITION_FAILED),
      },
    },
    async (request, reply) =>
      tagged(reply, await scorerOf(deps).rules.update(request.params.id, request.body, request.headers['if-match'])),
  );
  app.delete(
    '/fraud/rules/:id',
    {
      config: { scope: 'models:admin' },
      schema: {
        operationId: 'deleteFraudRule',
        summary: 'Delete a fraud rule',
        tags: ['fraud'],
        params: Type.Object({ id: Id('frl') }),
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await scorerOf(deps).rules.remove(request.params.id);
      return reply.code(204).send(null);
    },
  );

  // Reviewers are payments staff or the risk team: either scope may decide a held payment.
  const reviewScope = ['payments:write', 'models:admin'] as const;
  app.get(
    '/fraud/reviews',
    {
      config: { scope: reviewScope },
      schema: {
        operationId: 'listFraudReviews',
        summary: 'List fraud reviews',
        tags: ['fraud'],
        querystring: Type.Object({ ...PageQuery, state: Type.Optional(ReviewSchema.properties.state) }),
        response: responses({ 200: pageOf(ReviewSchema) }),
      },
    },
    async (request) => listReviews(deps, request.query),
  );
  app.get(
    '/fraud/reviews/:id',
    {
      config: { scope: reviewScope },
      schema: {
        operationId: 'getFraudReview',
        summary: 'Retrieve a fraud review',
        tags: ['fraud'],
        params: Type.Object({ id: Id('frv') }),
        response: responses({ 200: ReviewSchema }),
      },
    },
    async (request) => getReview(deps, request.params.id),
  );
  for (const verb of ['approve', 'decline'] as const) {
    app.post(
      `/fraud/reviews/:id/${verb}`,
      {
        config: { scope: reviewScope },
        schema: {
          operationId: `${verb}FraudReview`,
          summary: verb === 'approve' ? 'Approve a held payment under review' : 'Decline a held payment under review',
          tags: ['fraud'],
          params: Type.Object({ id: Id('frv') }),
          body: Type.Object(
            {
              reviewer: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
              // Only a decline takes a reason; only `fraud` makes the payment a fraud label (default `other`).
              ...(verb === 'decline' ? { reason: Type.Optional(stringEnum(DECLINE_REASONS)) } : {}),
            },
            { additionalProperties: false },
          ),
          response: responses({ 200: Type.Object({ review: ReviewSchema, payment: PaymentSchema }) }),
        },
      },
      async (request) =>
        decideReview(
          { ...deps, release: (paymentId, approve) => releaseHeldPayment(deps, { payment_id: paymentId, approve }) },
          {
            id: request.params.id,
            approve: verb === 'approve',
            reviewer: request.body.reviewer ?? request.apiKey?.name ?? 'api',
            reason: (request.body as { reason?: DeclineReason }).reason,
          },
        ),
    );
  }
}
