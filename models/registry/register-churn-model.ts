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
  /** Rows of the test snapshot (from `validationFrom`); the calibration rows when absent. */
  readonly testRows?: number;
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
    validationRows: input.testRows ?? input.metrics.validationRows,
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
  return { model, classifier: await loadRegisteredChurnModel(deps, model.id) };
}

/**
 * Loads a churn model version from the object store, exactly as trained. Refuses (409 `model_incompatible`) a
 * manifest of another kind, an artifact whose checksum differs from the manifest, or one its loader rejects.
 */
export async function loadRegisteredChurnModel(
  deps: { objects: ObjectStore },
  version: string,
): Promise<ChurnClassifier> {
  const refuse = (why: string) =>
    conflict('model_incompatible', `model ${version} cannot be loaded: ${why}`, { version, reason: why });
  const manifestBytes = await deps.objects.get('models', modelKeys('churn', version).manifest);
  if (manifestBytes === null) throw notFound('model_manifest', version);
  const manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as ModelManifest;
  if (manifest.kind !== 'churn') throw refuse(`it is a ${String(manifest.kind)} model, not a churn model`);
  const bytes = await deps.objects.get('models', manifest.artifact.key);
  if (bytes === null) throw notFound('model_artifact', version);
  if (createHash('sha256').update(bytes).digest('hex') !== manifest.artifact.sha256)
    throw conflict('model_incompatible', `model ${version} does not match the checksum in its manifest`);
  try {
    return ChurnClassifier.load(JSON.parse(Buffer.from(bytes).toString('utf8')) as ChurnArtifact);
  } catch (err) {
    throw refuse(err instanceof Error ? err.message : String(err));
  }
}
