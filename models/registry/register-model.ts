import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import type { FraudMetrics, FraudModel, FraudThresholds } from '../fraud/model.js';
import { recordModelEvent } from './record-event.js';
import { CHAMPION_OF_TASK, INSERT_MODEL, MODEL_BY_ID, toModel } from './repository.js';
import { type ModelManifest, type ModelTask, modelKeys, type RegisteredModel } from './types.js';

export interface RegisterFraudModelInput {
  readonly model: FraudModel;
  readonly metrics: FraudMetrics;
  readonly thresholds: FraudThresholds;
  readonly seed: number;
  readonly trainFrom: Date | null;
  readonly trainTo: Date;
  readonly validationFrom: Date;
  readonly dataHash: string;
  /** The version to register under (from `newModelVersion`); a new one by default. */
  readonly version?: string;
  /** The self-contained HTML training report, saved beside the artifact. */
  readonly report?: string;
}

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** `fraud-20261128-k3x9`: task, UTC date of training, four random base-36 characters. */
export function newModelVersion(task: ModelTask, at: Date): string {
  const day = at.toISOString().slice(0, 10).replace(/-/g, '');
  let suffix = '';
  for (const b of randomBytes(4)) suffix += BASE36[b % 36];
  return `${task}-${day}-${suffix}`;
}

/** The scalar metrics and feature importance; the ROC and PR curves stay in the manifest and the report. */
export function indexedMetrics(metrics: FraudMetrics): Record<string, unknown> {
  const { roc: _roc, pr: _pr, ...rest } = metrics;
  return { ...rest };
}

/** What every task registers: the model's identity, its training window and metrics, and its artifact bytes. */
export interface ModelRegistration {
  readonly task: ModelTask;
  readonly version: string;
  readonly algorithm: string;
  readonly featureSetVersion: string;
  readonly featureNames: readonly string[];
  readonly params: Record<string, unknown>;
  readonly thresholds: Record<string, unknown>;
  /** Everything measured, kept in the manifest (curves included). */
  readonly metrics: Record<string, unknown>;
  /** The scalar metrics the index row holds; `metrics` by default. */
  readonly indexedMetrics?: Record<string, unknown>;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly seed: number;
  readonly trainFrom: Date | null;
  readonly trainTo: Date;
  readonly validationFrom: Date;
  readonly dataHash: string;
  readonly artifact: Uint8Array;
  readonly artifactContentType: string;
  readonly report?: string | undefined;
}

/**
 * Registers a trained model of any task: manifest, artifact and report into the object store first (an index row
 * never points at missing objects), then the index row and a `registered` event in one transaction. The first
 * model of a task becomes its champion at once (event `promoted`, reason `first_model`); later ones are candidates.
 */
export async function registerModel(
  deps: { db: Db; objects: ObjectStore; clock: Clock; log: Log },
  input: ModelRegistration,
): Promise<RegisteredModel> {
  const now = deps.clock.now();
  const { task, version, artifact } = input;
  const keys = modelKeys(task, version);
  const manifest: ModelManifest = {
    kind: task,
    version,
    algorithm: input.algorithm,
    feature_set_version: input.featureSetVersion,
    feature_names: [...input.featureNames],
    params: input.params,
    thresholds: input.thresholds,
    metrics: input.metrics,
    training: {
      from: input.trainFrom?.toISOString() ?? null,
      to: input.trainTo.toISOString(),
      validation_from: input.validationFrom.toISOString(),
      train_rows: input.trainRows,
      validation_rows: input.validationRows,
      data_hash: input.dataHash,
      seed: input.seed,
    },
    artifact: {
      key: keys.artifact,
      sha256: createHash('sha256').update(artifact).digest('hex'),
      bytes: artifact.byteLength,
    },
    report_key: input.report === undefined ? null : keys.report,
    created_at: now.toISOString(),
  };
  await deps.objects.put('models', keys.artifact, artifact, input.artifactContentType);
  if (input.report !== undefined) await deps.objects.put('models', keys.report, input.report, 'text/html');
  await deps.objects.put('models', keys.manifest, JSON.stringify(manifest, null, 2), 'application/json');

  // Serializable: "no champion yet, so this one is" reads rows that do not exist, which no row lock can hold; two
  // first registrations racing conflict, and the retried one finds the champion and registers a candidate.
  const registered = await deps.db.transaction(
    async (tx) => {
      const first = (await tx.one(CHAMPION_OF_TASK, { task })) === undefined;
      await tx.run(INSERT_MODEL, {
        id: version,
        task,
        state: first ? 'champion' : 'candidate',
        algorithm: input.algorithm,
        params: input.params,
        feature_set_version: input.featureSetVersion,
        train_from: input.trainFrom,
        train_to: input.trainTo,
        validation_from: input.validationFrom,
        train_rows: input.trainRows,
        validation_rows: input.validationRows,
        data_hash: input.dataHash,
        metrics: input.indexedMetrics ?? input.metrics,
        thresholds: input.thresholds,
        seed: input.seed,
        artifact_key: keys.artifact,
        created_at: now,
        promoted_at: first ? now : null,
      });
      await recordModelEvent(tx, deps.clock, { task, model_id: version, event: 'registered' });
      if (first) {
        await recordModelEvent(tx, deps.clock, {
          task,
          model_id: version,
          event: 'promoted',
          reason: 'first_model',
          detail: { previous: null, forced: false },
        });
      }
      const row = await tx.one(MODEL_BY_ID, { id: version });
      if (row === undefined) throw new Error(`model ${version} vanished`);
      return toModel(row);
    },
    { isolation: 'serializable' },
  );
  deps.log.info({ task, version, state: registered.state }, 'model registered');
  return registered;
}

/** A trained fraud model into the registry (task `fraud`); its binary artifact and its thresholds. */
export async function registerFraudModel(
  deps: { db: Db; objects: ObjectStore; clock: Clock; log: Log },
  input: RegisterFraudModelInput,
): Promise<RegisteredModel> {
  const { params, artifact } = input.model.serialize();
  return registerModel(deps, {
    task: 'fraud',
    version: input.version ?? newModelVersion('fraud', deps.clock.now()),
    algorithm: input.model.algorithm,
    featureSetVersion: input.model.featureSetVersion,
    featureNames: input.model.featureNames,
    params,
    thresholds: { ...input.thresholds },
    metrics: { ...input.metrics },
    indexedMetrics: indexedMetrics(input.metrics),
    trainRows: input.metrics.trainRows,
    validationRows: input.metrics.validationRows,
    seed: input.seed,
    trainFrom: input.trainFrom,
    trainTo: input.trainTo,
    validationFrom: input.validationFrom,
    dataHash: input.dataHash,
    artifact,
    artifactContentType: 'application/octet-stream',
    report: input.report,
  });
}
