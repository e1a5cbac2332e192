import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import { type ChurnArtifact, ChurnClassifier, type ChurnMetrics } from '../churn/classifier.js';
import { recordModelEvent } from './record-event.js';
import { newModelVersion } from './register-model.js';
import { CHAMPION_OF_TASK, INSERT_MODEL, MODEL_BY_ID, toModel } from './repository.js';
import { type ModelManifest, modelKeys, type RegisteredModel } from './types.js';

export interface RegisterChurnModelInput {
  readonly classifier: ChurnClassifier;
  readonly metrics: ChurnMetrics;
  readonly featureSetVersion: string;
  readonly seed: number;
  readonly trainFrom: Date | null;
  readonly trainTo: Date;
  readonly validationFrom: Date;
  readonly dataHash: string;
  readonly version?: string;
  readonly report?: string;
}

/**
 * Registers a churn model as the fraud registry does (task `churn`): artifact (JSON), report and manifest into the
 * `models` bucket first, then the index row and its events in one transaction; the first churn model is champion.
 */
export async function registerChurnModel(
  deps: { db: Db; objects: ObjectStore; clock: Clock; log: Log },
  input: RegisterChurnModelInput,
): Promise<RegisteredModel> {
  const now = deps.clock.now();
  const version = input.version ?? newModelVersion('churn', now);
  const keys = modelKeys('churn', version);
  const artifact = Buffer.from(JSON.stringify(input.classifier.serialize()));
  const params = { candidates: input.metrics.candidates.map((c) => c.algorithm) };
  const metrics = { ...input.metrics };
  const manifest: ModelManifest = {
    kind: 'churn',
    version,
    algorithm: input.classifier.algorithm,
    feature_set_version: input.featureSetVersion,
    feature_names: [...input.classifier.featureNames],
    params,
    thresholds: { atRisk: 0.5 },
    metrics,
    training: {
      from: input.trainFrom?.toISOString() ?? null,
      to: input.trainTo.toISOString(),
      validation_from: input.validationFrom.toISOString(),
      train_rows: input.metrics.trainRows,
      validation_rows: input.metrics.validationRows,
      data_hash: input.dataHash,
      seed: input.seed,
    },
    artifact: {
      key: keys.artifact,
      sha256: createHash('sha256').update(artifact).digest('hex'),
      bytes: artifact.length,
    },
    report_key: input.report === undefined ? null : keys.report,
    created_at: now.toISOString(),
  };
  await deps.objects.put('models', keys.artifact, artifact, 'application/json');
  if (input.report !== undefined) await deps.objects.put('models', keys.report, input.report, 'text/html');
  await deps.objects.put('models', keys.manifest, JSON.stringify(manifest, null, 2), 'application/json');
  const registered = await deps.db.transaction(async (tx) => {
    const first = (await tx.one(CHAMPION_OF_TASK, { task: 'churn' })) === undefined;
    await tx.run(INSERT_MODEL, {
      id: version,
      task: 'churn',
      state: first ? 'champion' : 'candidate',
      algorithm: manifest.algorithm,
      params,
      feature_set_version: manifest.feature_set_version,
      train_from: input.trainFrom,
      train_to: input.trainTo,
      validation_from: input.validationFrom,
      train_rows: input.metrics.trainRows,
      validation_rows: input.metrics.validationRows,
      data_hash: input.dataHash,
      metrics,
      thresholds: manifest.thresholds,
      seed: input.seed,
      artifact_key: keys.artifact,
      created_at: now,
      promoted_at: first ? now : null,
    });
    await recordModelEvent(tx, deps.clock, { task: 'churn', model_id: version, event: 'registered' });
    if (first)
      await recordModelEvent(tx, deps.clock, {
        task: 'churn',
        model_id: version,
        event: 'promoted',
        reason: 'first_model',
        detail: { previous: null, forced: false },
      });
    const row = await tx.one(MODEL_BY_ID, { id: version });
    if (row === undefined) throw new Error(`model ${version} vanished`);
    return toModel(row);
  });
  deps.log.info({ version, state: registered.state }, 'churn model registered');
  return registered;
}

/** The churn champion, loaded exactly as trained; null when there is none. Refuses a checksum mismatch (409). */
export async function loadChurnChampion(deps: {
  db: Db;
  objects: ObjectStore;
}): Promise<{ model: RegisteredModel; classifier: ChurnClassifier } | null> {
  const row = await deps.db.one(CHAMPION_OF_TASK, { task: 'churn' });
  if (row === undefined) return null;
  const model = toModel(row);
  const bytes = await deps.objects.get('models', model.artifact_key);
  if (bytes === null) throw notFound('model_artifact', model.id);
  const manifestBytes = await deps.objects.get('models', modelKeys('churn', model.id).manifest);
  if (manifestBytes !== null) {
    const manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as ModelManifest;
    if (createHash('sha256').update(bytes).digest('hex') !== manifest.artifact.sha256)
      throw conflict('model_incompatible', `model ${model.id} does not match the checksum in its manifest`);
  }
  const artifact = JSON.parse(Buffer.from(bytes).toString('utf8')) as ChurnArtifact;
  return { model, classifier: ChurnClassifier.load(artifact) };
}
