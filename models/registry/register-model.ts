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

/**
 * Registers a trained fraud model: manifest, artifact and report into the object store first (an index row
 * never points at missing objects), then the index row and a `registered` event in one transaction. The first
 * model of a task becomes its champion at once (event `promoted`, reason `first_model`); later ones are candidates.
 */
export async function registerFraudModel(
  deps: { db: Db; objects: ObjectStore; clock: Clock; log: Log },
  input: RegisterFraudModelInput,
): Promise<RegisteredModel> {
  const now = deps.clock.now();
  const version = input.version ?? newModelVersion('fraud', now);
  const keys = modelKeys('fraud', version);
  const { params, artifact } = input.model.serialize();
  const manifest: ModelManifest = {
    kind: 'fraud',
    version,
    algorithm: input.model.algorithm,
    feature_set_version: input.model.featureSetVersion,
    feature_names: [...input.model.featureNames],
    params,
    thresholds: { ...input.thresholds },
    metrics: { ...input.metrics },
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
      bytes: artifact.byteLength,
    },
    report_key: input.report === undefined ? null : keys.report,
    created_at: now.toISOString(),
  };
  await deps.objects.put('models', keys.artifact, artifact, 'application/octet-stream');
  if (input.report !== undefined) await deps.objects.put('models', keys.report, input.report, 'text/html');
  await deps.objects.put('models', keys.manifest, JSON.stringify(manifest, null, 2), 'application/json');

  const registered = await deps.db.transaction(async (tx) => {
    const champion = await tx.one(CHAMPION_OF_TASK, { task: 'fraud' });
    const first = champion === undefined;
    await tx.run(INSERT_MODEL, {
      id: version,
      task: 'fraud',
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
      metrics: indexedMetrics(input.metrics),
      thresholds: { ...input.thresholds },
      seed: input.seed,
      artifact_key: keys.artifact,
      created_at: now,
      promoted_at: first ? now : null,
    });
    await recordModelEvent(tx, deps.clock, { task: 'fraud', model_id: version, event: 'registered' });
    if (first) {
      await recordModelEvent(tx, deps.clock, {
        task: 'fraud',
        model_id: version,
        event: 'promoted',
        reason: 'first_model',
        detail: { previous: null, forced: false },
      });
    }
    const row = await tx.one(MODEL_BY_ID, { id: version });
    if (row === undefined) throw new Error(`model ${version} vanished`);
    return toModel(row);
  });
  deps.log.info({ version, state: registered.state }, 'model registered');
  return registered;
}
