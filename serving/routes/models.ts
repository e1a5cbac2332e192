import { Type } from '@sinclair/typebox';
import { LEGACY_MLP } from '../../models/churn/classifier.js';
import { findCanary, startCanary, stopCanary } from '../../models/registry/canary.js';
import { getModel, getModelReport, listModelEvents, listModels } from '../../models/registry/find-models.js';
import { promoteModel } from '../../models/registry/promote-model.js';
import { rollbackModel } from '../../models/registry/rollback-model.js';
import { trainChurn } from '../../pipelines/train-churn.js';
import { trainFraud } from '../../pipelines/train-fraud.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { ObjectStore } from '../../platform/objects.js';
import type { App, AppDeps } from '../app.js';
import { Nullable, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const Version = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const Json = Type.Record(Type.String(), Type.Unknown());
const State = Type.Union([Type.Literal('candidate'), Type.Literal('champion'), Type.Literal('retired')]);
const Day = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+Z)?$',
  description: 'YYYY-MM-DD (UTC midnight) or an ISO instant',
});

const ModelSchema = Type.Object({
  object: Type.Literal('model'),
  id: Type.String({ description: 'The version, e.g. fraud-20261128-k3x9' }),
  task: Type.Union([Type.Literal('fraud'), Type.Literal('churn')]),
  state: State,
  algorithm: Type.String(),
  params: Json,
  feature_set_version: Type.String(),
  train_from: Nullable(Timestamp),
  train_to: Timestamp,
  validation_from: Timestamp,
  train_rows: Type.Integer(),
  validation_rows: Type.Integer(),
  data_hash: Type.String(),
  metrics: Json,
  thresholds: Json,
  seed: Type.Integer(),
  artifact_key: Type.String({ description: 'Key in the models bucket of the object store' }),
  created_at: Timestamp,
  promoted_at: Nullable(Timestamp),
  retired_at: Nullable(Timestamp),
  rolled_back_at: Nullable(Timestamp),
});

const EventSchema = Type.Object({
  object: Type.Literal('model_event'),
  id: Type.String(),
  task: Type.String(),
  model_id: Type.String(),
  event: Type.Union(
    ['registered', 'promoted', 'rolled_back', 'canary_started', 'canary_stopped', 'auto_rollback'].map((e) =>
      Type.Literal(e),
    ),
  ),
  reason: Nullable(Type.String()),
  detail: Nullable(Json),
  at: Timestamp,
});

const Limits = Type.Object({
  max_error_rate: Type.Number({ minimum: 0, maximum: 1 }),
  max_p99_ms: Type.Number({ exclusiveMinimum: 0 }),
  min_calls: Type.Integer({ minimum: 1 }),
});

const CanarySchema = Type.Object({
  object: Type.Literal('model_canary'),
  task: Type.String(),
  model_id: Type.String(),
  share: Type.Number(),
  started_at: Timestamp,
  limits: Limits,
});

const Interval = Type.Object({ value: Type.Number(), lo: Type.Number(), hi: Type.Number() });
const GateSchema = Nullable(
  Type.Object({
    metric: Type.String({ description: 'roc_auc_difference: candidate − champion on the same fresh window' }),
    validation_from: Timestamp,
    validation_to: Timestamp,
    rows: Type.Integer(),
    positives: Type.Integer(),
    candidate: Type.Number(),
    champion: Type.Number(),
    difference: Interval,
    resamples: Type.Integer(),
    passed: Type.Boolean(),
  }),
);

const date = (s: string | undefined): Date | undefined => (s === undefined ? undefined : new Date(s));

/** The model registry and training (scope `models:admin`): list, inspect, train, promote, roll back, canary. */
export function modelRoutes(app: App, deps: AppDeps): void {
  const withStore = (): AppDeps & { objects: ObjectStore } => {
    if (deps.objects === undefined)
      throw new AppError('unavailable', 'no_object_store', 'no object store is configured');
    return { ...deps, objects: deps.objects };
  };
  const reload = async (): Promise<void> => {
    await deps.fraudModels?.reload();
  };
  const admin = { scope: 'models:admin' as const };

  app.get(
    '/models',
    {
      config: admin,
      schema: {
        operationId: 'listModels',
        summary: 'List model versions',
        tags: ['models'],
        querystring: Type.Object({
          task: Type.Optional(Type.Union([Type.Literal('fraud'), Type.Literal('churn')])),
          state: Type.Optional(State),
        }),
        response: responses({ 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(ModelSchema) }) }),
      },
    },
    async (request) => ({ object: 'list' as const, data: await listModels(deps, request.query) }),
  );
  app.get(
    '/models/:version',
    {
      config: admin,
      schema: {
        operationId: 'getModel',
        summary: 'Retrieve a model version',
        tags: ['models'],
        params: Type.Object({ version: Version }),
        response: responses({ 200: ModelSchema }),
      },
    },
    async (request) => getModel(deps, request.params.version),
  );
  app.get(
    '/models/:version/report',
    {
      config: admin,
      schema: {
        operationId: 'getModelReport',
        summary: "A model version's evaluation report",
        tags: ['models'],
        description: 'The self-contained HTML training report (ROC and PR curves, feature importance)',
        params: Type.Object({ version: Version }),
        response: responses({ 200: Type.String() }),
      },
    },
    async (request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        .send(await getModelReport(withStore(), request.params.version)),
  );
  app.get(
    '/models/:version/events',
    {
      config: admin,
      schema: {
        operationId: 'listModelEvents',
        summary: "List a model version's registry events",
        tags: ['models'],
        params: Type.Object({ version: Version }),
        response: responses({ 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(EventSchema) }) }),
      },
    },
    async (request) => ({ object: 'list' as const, data: await listModelEvents(deps, request.params.version) }),
  );
  app.post(
    '/models/fraud/train',
    {
      config: admin,
      schema: {
        operationId: 'trainFraudModel',
        summary: 'Train a fraud model',
        tags: ['models'],
        description:
          'Trains a fraud model now and registers it (the first model becomes champion, later ones candidates); answers when done',
        body: Type.Object(
          {
            from: Type.Optional(Day),
            to: Type.Optional(Day),
            seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
            validation_share: Type.Optional(Type.Number({ minimum: 0.05, maximum: 0.5 })),
          },
          { additionalProperties: false },
        ),
        response: responses({
          201: Type.Object({
            model: ModelSchema,
            became_champion: Type.Boolean(),
            timings_ms: Type.Object({ features: Type.Number(), training: Type.Number(), saving: Type.Number() }),
          }),
        }),
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await trainFraud(withStore(), {
        from: date(b.from),
        to: date(b.to),
        seed: b.seed,
        validationShare: b.validation_share,
      });
      if (result.became_champion) await reload();
      return reply.code(201).send(result);
    },
  );
  app.post(
    '/models/churn/train',
    {
      config: admin,
      schema: {
        operationId: 'trainChurnModel',
        summary: 'Train a churn model',
        tags: ['models'],
        description:
          'Trains the churn model on monthly snapshots in a worker thread of this server and registers it (the first becomes champion, later ones candidates for a gated promotion); answers when done',
        body: Type.Object(
          {
            to: Type.Optional(Day),
            months: Type.Optional(Type.Integer({ minimum: 3, maximum: 36 })),
            seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
            candidates: Type.Optional(
              Type.Array(
                Type.Union([
                  Type.Literal('logistic_regression'),
                  Type.Literal('ml_random_forest'),
                  Type.Literal('mlp'),
                  Type.Literal(LEGACY_MLP),
                ]),
                {
                  minItems: 1,
                  uniqueItems: true,
                  description: `the families that compete (default all three); '${LEGACY_MLP}' is the old name of 'mlp'`,
                },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: responses({
          201: Type.Object({
            model: ModelSchema,
            metrics: Json,
            became_champion: Type.Boolean(),
            timings_ms: Type.Object({ features: Type.Number(), training: Type.Number(), saving: Type.Number() }),
          }),
        }),
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await trainChurn(withStore(), {
        to: date(b.to),
        months: b.months,
        seed: b.seed,
        candidates: b.candidates && [...new Set(b.candidates.map((c) => (c === LEGACY_MLP ? 'mlp' : c)))],
      });
      return reply.code(201).send({ ...result, metrics: { ...result.metrics } });
    },
  );
  app.post(
    '/models/:version/promote',
    {
      config: admin,
      schema: {
        operationId: 'promoteModel',
        summary: 'Promote a model version to champion',
        tags: ['models'],
        description:
          "Makes the model (fraud or churn) champion. Gated: champion and candidate are scored on the candidate's test window after the champion's data ended; 409 `promotion_gate_failed` when the paired bootstrap interval of the ROC-AUC difference lies below zero, 409 `promotion_gate_undecidable` when that window holds too few positives. `force` skips the gate and needs a `reason`; the event records it and the API key that forced it",
        params: Type.Object({ version: Version }),
        body: Type.Object(
          {
            force: Type.Optional(Type.Boolean()),
            reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: responses({
          200: Type.Object({ model: ModelSchema, previous: Nullable(Type.String()), gate: GateSchema }),
        }),
      },
    },
    async (request) => {
      const { force, reason } = request.body;
      const result = await promoteModel(withStore(), request.params.version, {
        ...(force === true
          ? { force: { actor: `api_key:${request.apiKey?.id ?? 'none'}`, reason: reason ?? '' } }
          : {}),
      });
      await reload();
      return result;
    },
  );
  app.post(
    '/models/fraud/rollback',
    {
      config: admin,
      schema: {
        operationId: 'rollBackFraudModel',
        summary: 'Roll the fraud champion back',
        tags: ['models'],
        description: 'Restores the previous champion and retires the current one; any canary stops',
        body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: responses({ 200: Type.Object({ model: ModelSchema, rolled_back: Type.String() }) }),
      },
    },
    async (request) => {
      const result = await rollbackModel(withStore(), 'fraud', {
        ...(request.body.reason === undefined ? {} : { reason: request.body.reason }),
      });
      await reload();
      return result;
    },
  );
  app.get(
    '/models/fraud/canary',
    {
      config: admin,
      schema: {
        operationId: 'getFraudCanary',
        summary: 'The fraud canary and its traffic share',
        tags: ['models'],
        response: responses({
          200: Type.Object({
            canary: CanarySchema,
            live: Nullable(
              Type.Object({
                calls: Type.Integer(),
                errors: Type.Integer(),
                p99_ms: Nullable(Type.Number()),
              }),
            ),
          }),
        }),
      },
    },
    async () => {
      const canary = await findCanary(deps, 'fraud');
      if (canary === null) throw notFound('canary', 'fraud');
      const live = deps.fraudModels?.status().canary;
      return {
        canary,
        live:
          live === undefined || live === null || live.version !== canary.model_id
            ? null
            : { calls: live.calls, errors: live.errors, p99_ms: live.p99_ms },
      };
    },
  );
  app.post(
    '/models/fraud/canary',
    {
      config: admin,
      schema: {
        operationId: 'startFraudCanary',
        summary: 'Start a fraud canary',
        tags: ['models'],
        description:
          'Routes `share` of customers (stable by customer-id hash) to a candidate; the champion shadow-scores them. Stops automatically on a breach of the limits',
        body: Type.Object(
          {
            version: Version,
            share: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
            limits: Type.Optional(Type.Partial(Limits)),
          },
          {
            additionalProperties: false,
            examples: [
              {
                version: 'fraud-20260701-k3v9',
                share: 0.1,
                limits: { max_error_rate: 0.01, max_p99_ms: 20, min_calls: 200 },
              },
            ],
          },
        ),
        response: responses({ 201: CanarySchema }),
      },
    },
    async (request, reply) => {
      const { version, share, limits } = request.body;
      const canary = await startCanary(withStore(), {
        task: 'fraud',
        version,
        share,
        ...(limits === undefined ? {} : { limits }),
      });
      await reload();
      return reply.code(201).send(canary);
    },
  );
  app.delete(
    '/models/fraud/canary',
    {
      config: admin,
      schema: {
        operationId: 'stopFraudCanary',
        summary: 'Stop the fraud canary',
        tags: ['models'],
        description: 'Stops the canary',
        response: responses({ 200: CanarySchema }),
      },
    },
    async () => {
      const canary = await stopCanary(deps, { task: 'fraud' });
      await reload();
      return canary;
    },
  );
}
