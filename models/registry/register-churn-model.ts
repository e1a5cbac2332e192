import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import { type ChurnArtifact, ChurnClassifier, type ChurnMetrics } from '../churn/classifier.js';
import { newModelVersion, registerModel } from './register-model.js';
import { CHAMPION_OF_TASK, toModel } from './repository.js';
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
  return registerModel(deps, {
    task: 'churn',
    version: input.version ?? newModelVersion('churn', deps.clock.now()),
    algorithm: input.classifier.algorithm,
    featureSetVersion: input.featureSetVersion,
    featureNames: input.classifier.featureNames,
    params: { candidates: input.metrics.candidates.map((c) => c.algorithm) },
    thresholds: { atRisk: 0.5 },
    metrics: { ...input.metrics },
    trainRows: input.metrics.trainRows,
    validationRows: input.metrics.validationRows,
    seed: input.seed,
    trainFrom: input.trainFrom,
    trainTo: input.trainTo,
    validationFrom: input.validationFrom,
    dataHash: input.dataHash,
    artifact: Buffer.from(JSON.stringify(input.classifier.serialize())),
    artifactContentType: 'application/json',
    report: input.report,
  });
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
