import { createHash } from 'node:crypto';
import { F, FRAUD_FEATURE_SET_VERSION, FRAUD_FEATURES } from '../features/fraud/feature-set.js';
import { type FraudTrainingSet, offlineFraudFeatures } from '../features/fraud/offline-features.js';
import { FRAUD_LABEL_DEFINITION } from '../features/fraud/repository.js';
import { EVALUATION_PROTOCOL, evaluateFraudTest, splitTrainCalibrationTest } from '../models/evaluation-protocol.js';
import {
  type FraudMetrics,
  type FraudModel,
  type FraudThresholds,
  loadFraudModel,
  measureFraudModel,
  type TrainOptions,
  trainFraudModel,
} from '../models/fraud/model.js';
import { newModelVersion, registerFraudModel } from '../models/registry/register-model.js';
import type { RegisteredModel } from '../models/registry/types.js';
import { scoreReference } from '../models/score-reference.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { invalid } from '../platform/errors.js';
import type { JobFn } from '../platform/job.js';
import type { Log } from '../platform/log.js';
import { siblingModule } from '../platform/module-worker.js';
import type { ObjectStore } from '../platform/objects.js';
import { renderFraudReport } from './fraud-report.js';
import type { TrainWorkerInput, TrainWorkerMessage } from './train-fraud-worker.js';
import { pack, type RowsPart, runTrainingWorker } from './training-worker.js';
import type { JobDeps } from './types.js';

export type TrainPhase = 'features' | 'training' | 'report' | 'saving';

export interface TrainFraudInput {
  /** Attempts at or after this instant; default: from the start of the data. */
  readonly from?: Date | undefined;
  /** Attempts before this instant; default: now. */
  readonly to?: Date | undefined;
  readonly seed?: number | undefined;
  /**
   * The newest share of the window's attempts held out as the test window (default 0.2); a calibration window of the
   * same share, just before it, fits the calibrator and thresholds (models/evaluation-protocol.ts).
   */
  readonly validationShare?: number | undefined;
  readonly onProgress?: ((phase: TrainPhase, done: number, total: number) => void) | undefined;
  /**
   * Train in a worker thread (default) so a serving process keeps answering while the trees grow; false
   * trains on this thread. Both give the same model: it is rebuilt from its serialized bytes.
   */
  readonly inWorker?: boolean | undefined;
}

export interface TrainFraudResult {
  readonly model: RegisteredModel;
  /** True when this was the first fraud model, which becomes the champion without a gate. */
  readonly became_champion: boolean;
  readonly timings_ms: { readonly features: number; readonly training: number; readonly saving: number };
}

/** Training needs at least this many attempts and this many frauds in each part. */
const MIN_ROWS = 100;
const MIN_FRAUDS_PER_PART = 2;

/** sha256 over ids, times, labels and feature bytes: equal hashes mean the model saw the same data. */
export function hashTrainingSet(set: FraudTrainingSet, order: readonly number[]): string {
  const h = createHash('sha256');
  h.update(`${FRAUD_FEATURE_SET_VERSION}\n${FRAUD_FEATURES.join(',')}\n`);
  for (const i of order) {
    const row = set.rows[i] as Float64Array;
    h.update(`${set.ids[i]}|${(set.at[i] as Date).toISOString()}|${set.labels[i]}\n`);
    h.update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
  }
  return h.digest('hex');
}

/**
 * Time order (ties by id), then the newest `validationShare` validates: the model is judged on a future it never
 * saw. `validationFrom` is the first validation attempt's time (`to` when there is none).
 */
export function splitByTime(set: FraudTrainingSet, validationShare: number, to: Date) {
  const order = set.ids.map((_, i) => i);
  order.sort(
    (a, b) =>
      (set.at[a] as Date).getTime() - (set.at[b] as Date).getTime() ||
      ((set.ids[a] as string) < (set.ids[b] as string) ? -1 : 1),
  );
  const cut = Math.floor(order.length * (1 - validationShare));
  const part = (idx: readonly number[]) => ({
    rows: idx.map((i) => set.rows[i] as Float64Array),
    labels: Uint8Array.from(idx, (i) => set.labels[i] as number),
  });
  const first = order[cut];
  return {
    order,
    train: part(order.slice(0, cut)),
    validation: part(order.slice(cut)),
    validationFrom: first === undefined ? to : (set.at[first] as Date),
  };
}

/**
 * M's `trainFraudModel` in a worker thread: the rows travel as one transferred matrix per part, the model comes
 * back serialized and is rebuilt with `loadFraudModel`, which reproduces its scores exactly. Training takes
 * tens of seconds on 200k attempts; on the serving thread it would stall every checkout score meanwhile.
 */
export function trainFraudModelInWorker(
  train: RowsPart,
  validation: RowsPart,
  options: TrainOptions,
): Promise<{ model: FraudModel; metrics: FraudMetrics; thresholds: FraudThresholds }> {
  const width = options.featureNames.length;
  const data: TrainWorkerInput = {
    train: pack(train, width),
    validation: pack(validation, width),
    width,
    seed: options.seed,
    featureNames: [...options.featureNames],
    featureSetVersion: options.featureSetVersion,
  };
  return runTrainingWorker<
    Extract<TrainWorkerMessage, { type: 'progress' }>,
    Extract<TrainWorkerMessage, { type: 'done' }>,
    { model: FraudModel; metrics: FraudMetrics; thresholds: FraudThresholds }
  >(
    'training',
    siblingModule(import.meta.url, 'train-fraud-worker'),
    data,
    (message) => options.onProgress?.(message.done, message.total),
    (message) => ({
      model: loadFraudModel(
        { kind: 'fraud', featureSetVersion: options.featureSetVersion },
        {
          algorithm: message.algorithm,
          featureSetVersion: message.featureSetVersion,
          params: message.params,
          artifact: message.artifact,
        },
      ),
      metrics: message.metrics as FraudMetrics,
      thresholds: message.thresholds as FraudThresholds,
    }),
  );
}

/**
 * Trains a fraud model on the attempts of a window and registers it: point-in-time features (DuckDB on a snapshot),
 * the evaluation protocol's time-ordered train / calibration / test split (models/evaluation-protocol.ts), the model
 * (calibrator and thresholds fitted on calibration), its metrics with bootstrap intervals on the untouched test
 * window, and an HTML report saved with it. The first fraud model becomes the champion; every
 * later one is a candidate for a gated promotion.
 */
export async function trainFraud(
  deps: { db: Db; objects: ObjectStore; clock: Clock; log: Log },
  input: TrainFraudInput = {},
): Promise<TrainFraudResult> {
  const seed = input.seed ?? 42;
  const validationShare = input.validationShare ?? 0.2;
  const to = input.to ?? deps.clock.now();
  const from = input.from ?? null;
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) {
    throw invalid('invalid_seed', 'seed must be an integer from 0 to 2147483647', [
      { field: '/seed', code: 'invalid_seed', message: 'must be an integer from 0 to 2147483647' },
    ]);
  }
  if (!(validationShare >= 0.05 && validationShare <= 0.4)) {
    throw invalid('invalid_validation_share', 'validation (test) share must be from 0.05 to 0.4', [
      { field: '/validation_share', code: 'invalid_validation_share', message: 'must be from 0.05 to 0.4' },
    ]);
  }
  if (from !== null && from >= to) {
    throw invalid('invalid_window', 'from must be before to', [
      { field: '/from', code: 'invalid_window', message: 'must be before to' },
    ]);
  }
  const progress = input.onProgress ?? (() => undefined);

  const started = Date.now();
  progress('features', 0, 1);
  const set = await offlineFraudFeatures(deps, { ...(from === null ? {} : { from }), to });
  progress('features', 1, 1);
  const featuresMs = Date.now() - started;

  // The evaluation protocol: train (oldest) / calibration / test (newest), cut by time.
  const split = splitTrainCalibrationTest(set, { calibration: validationShare, test: validationShare }, to);
  const order = [...split.train, ...split.calibration, ...split.test];
  const part = (idx: readonly number[]) => ({
    rows: idx.map((i) => set.rows[i] as Float64Array),
    labels: Uint8Array.from(idx, (i) => set.labels[i] as number),
  });
  const train = part(split.train);
  const calibration = part(split.calibration);
  const test = part(split.test);
  const positives = (labels: Uint8Array) => labels.reduce((s, l) => s + l, 0);
  const trainPositives = positives(train.labels);
  const calibrationPositives = positives(calibration.labels);
  const testPositives = positives(test.labels);
  if (order.length < MIN_ROWS || Math.min(trainPositives, calibrationPositives, testPositives) < MIN_FRAUDS_PER_PART) {
    throw invalid(
      'not_enough_training_data',
      `the window holds ${order.length} attempts with ${trainPositives} frauds to train on, ${calibrationPositives} to calibrate on ` +
        `and ${testPositives} to test on; training needs at least ${MIN_ROWS} attempts and ${MIN_FRAUDS_PER_PART} frauds in each part`,
      ['/from', '/to'].map((field) => ({ field, code: 'not_enough_training_data', message: 'widen the window' })),
    );
  }
  const dataHash = hashTrainingSet(set, order);

  const trainStarted = Date.now();
  const trainOptions: TrainOptions = {
    seed,
    featureNames: FRAUD_FEATURES,
    featureSetVersion: FRAUD_FEATURE_SET_VERSION,
    onProgress: (done, total) => progress('training', done, total),
  };
  const trained =
    input.inWorker === false
      ? await trainFraudModel(train, calibration, trainOptions)
      : await trainFraudModelInWorker(train, calibration, trainOptions);
  const trainingMs = Date.now() - trainStarted;

  // Every reported figure is measured on the test window, which neither the trees nor the calibrator saw.
  const testScores = trained.model.scoreMany(test.rows);
  const evaluation = evaluateFraudTest(
    { labels: test.labels, scores: testScores, amounts: test.rows.map((r) => r[F.amount] as number) },
    trained.thresholds.block,
    { seed },
  );
  const metrics = {
    ...measureFraudModel(trained.model, trained.thresholds, test, train.rows.length),
    protocol: EVALUATION_PROTOCOL.name,
    labelDefinition: FRAUD_LABEL_DEFINITION,
    calibrationRows: calibration.rows.length,
    calibrationFrom: split.calibrationFrom.toISOString(),
    testFrom: split.testFrom.toISOString(),
    test: evaluation,
    // The score-drift alert compares live scores with these (PSI over the test window's deciles).
    scoreReference: scoreReference(testScores),
  };

  progress('report', 0, 1);
  const savingStarted = Date.now();
  const createdAt = deps.clock.now();
  const version = newModelVersion('fraud', createdAt);
  const report = renderFraudReport({
    version,
    algorithm: trained.model.algorithm,
    featureSetVersion: trained.model.featureSetVersion,
    createdAt,
    trainFrom: from,
    trainTo: to,
    calibrationFrom: split.calibrationFrom,
    validationFrom: split.testFrom,
    seed,
    dataHash,
    trainPositives,
    calibrationPositives,
    validationPositives: testPositives,
    calibrationRows: calibration.rows.length,
    trainingMs,
    metrics,
    evaluation,
    thresholds: trained.thresholds,
  });
  progress('saving', 0, 1);
  const model = await registerFraudModel(deps, {
    model: trained.model,
    metrics,
    thresholds: trained.thresholds,
    seed,
    trainFrom: from,
    trainTo: to,
    validationFrom: split.testFrom,
    dataHash,
    version,
    report,
  });
  progress('saving', 1, 1);
  const savingMs = Date.now() - savingStarted;
  deps.log.info(
    {
      version: model.id,
      state: model.state,
      train_rows: model.train_rows,
      validation_rows: model.validation_rows,
      test_rows: test.rows.length,
      test_frauds: testPositives,
      pr_auc: metrics.prAuc,
      roc_auc: metrics.rocAuc,
      features_ms: featuresMs,
      training_ms: trainingMs,
    },
    'fraud model trained',
  );
  return {
    model,
    became_champion: model.state === 'champion',
    timings_ms: { features: featuresMs, training: trainingMs, saving: savingMs },
  };
}

/**
 * The weekly retraining job: trains on every attempt before `now` and registers a candidate (the champion
 * changes only through a gated promotion, except for the very first model).
 */
export const retrainFraud: JobFn<JobDeps> = async (deps, { now }) => {
  if (deps.objects === undefined) throw new Error('retrain-fraud needs an object store in its deps');
  const result = await trainFraud({ ...deps, objects: deps.objects }, { to: now });
  return {
    version: result.model.id,
    state: result.model.state,
    train_rows: result.model.train_rows,
    validation_rows: result.model.validation_rows,
    pr_auc: Number(result.model.metrics['prAuc']),
    roc_auc: Number(result.model.metrics['rocAuc']),
    training_ms: result.timings_ms.training,
  };
};
