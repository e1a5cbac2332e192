import { createHash } from 'node:crypto';
import { CHURN_FEATURE_SET_VERSION } from '../features/churn/feature-set.js';
import { type ChurnSnapshotSet, churnSnapshots, trainingWindow } from '../features/churn/offline-features.js';
import {
  type ChurnAlgorithm,
  type ChurnArtifact,
  ChurnClassifier,
  type ChurnMetrics,
  type Part,
  trainChurnClassifier,
} from '../models/churn/classifier.js';
import { bootstrapInterval, EVALUATION_PROTOCOL, type Interval } from '../models/evaluation-protocol.js';
import { accuracy, rocAuc } from '../models/metrics.js';
import { registerChurnModel } from '../models/registry/register-churn-model.js';
import { newModelVersion } from '../models/registry/register-model.js';
import type { RegisteredModel } from '../models/registry/types.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { invalid } from '../platform/errors.js';
import type { Log } from '../platform/log.js';
import { siblingModule } from '../platform/module-worker.js';
import type { ObjectStore } from '../platform/objects.js';
import type { ChurnWorkerInput, ChurnWorkerMessage } from './train-churn-worker.js';
import { pack, runTrainingWorker } from './training-worker.js';

export type ChurnTrainPhase = 'features' | 'training' | 'saving';

export interface TrainChurnInput {
  /** Snapshots end 30 days before this instant (default now), so every label is known. */
  readonly to?: Date | undefined;
  /** Monthly snapshots to train and validate on (default 9; the newest one validates). */
  readonly months?: number | undefined;
  readonly seed?: number | undefined;
  readonly inWorker?: boolean | undefined;
  /** Which candidate families compete (default all three). */
  readonly candidates?: readonly ChurnAlgorithm[] | undefined;
  readonly onProgress?: ((phase: ChurnTrainPhase, done: number, total: number, detail?: string) => void) | undefined;
}

export interface TrainChurnResult {
  readonly model: RegisteredModel;
  /** The candidates' figures on the calibration month; rocAuc, accuracy, baseRate, brier and `test` on the test month. */
  readonly metrics: ChurnMetrics & { readonly test: ChurnTestEvaluation };
  readonly became_champion: boolean;
  readonly timings_ms: { readonly features: number; readonly training: number; readonly saving: number };
}

const MIN_ROWS = 50;

/**
 * The evaluation protocol (models/evaluation-protocol.ts) on monthly snapshots: the older ones train, the second
 * newest chooses the candidate and calibrates it, the newest tests; nothing is fitted on the test month.
 */
export function splitSnapshotsByTime(set: ChurnSnapshotSet): {
  train: Part;
  calibration: Part;
  test: Part;
  calibrationFrom: Date;
  testFrom: Date;
} {
  const instants = [...new Set(set.asOf.map((d) => d.getTime()))].sort((a, b) => a - b);
  const newest = instants.at(-1) ?? 0;
  const second = instants.at(-2) ?? newest;
  const part = (keep: (t: number) => boolean): Part => {
    const idx = set.asOf.flatMap((d, i) => (keep(d.getTime()) ? [i] : []));
    return {
      rows: idx.map((i) => set.rows[i] as Float64Array),
      labels: Uint8Array.from(idx, (i) => set.labels[i] as number),
    };
  };
  return {
    train: part((t) => t < second),
    calibration: part((t) => t === second && t !== newest),
    test: part((t) => t === newest),
    calibrationFrom: new Date(second),
    testFrom: new Date(newest),
  };
}

/** The chosen model on the untouched test month: ROC-AUC and accuracy with bootstrap intervals, beside the base rate. */
export interface ChurnTestEvaluation {
  readonly protocol: string;
  readonly rows: number;
  readonly churned: number;
  readonly baseRate: number;
  readonly rocAuc: Interval;
  /** At P ≥ 0.5. */
  readonly accuracy: Interval;
  /** Accuracy of answering the majority class for everyone: what accuracy has to beat. */
  readonly majorityAccuracy: number;
  readonly brier: number;
}

export function evaluateChurnTest(classifier: ChurnClassifier, test: Part, seed: number): ChurnTestEvaluation {
  const scores = Float64Array.from(test.rows, (r) => classifier.probability(r));
  let churned = 0;
  let brier = 0;
  test.labels.forEach((y, i) => {
    churned += y;
    brier += ((scores[i] as number) - y) ** 2;
  });
  const baseRate = churned / test.labels.length;
  return {
    protocol: EVALUATION_PROTOCOL.name,
    rows: test.labels.length,
    churned,
    baseRate,
    rocAuc: bootstrapInterval(test.labels, scores, rocAuc, { seed }),
    accuracy: bootstrapInterval(test.labels, scores, (y, s, w) => accuracy(y, s, 0.5, w), { seed }),
    majorityAccuracy: Math.max(baseRate, 1 - baseRate),
    brier: brier / test.labels.length,
  };
}

/** sha256 over snapshot, customer, label and feature bytes. */
export function hashChurnSet(set: ChurnSnapshotSet): string {
  const h = createHash('sha256');
  h.update(`${CHURN_FEATURE_SET_VERSION}\n${set.featureNames.join(',')}\n`);
  set.rows.forEach((row, i) => {
    h.update(`${(set.asOf[i] as Date).toISOString()}|${set.customerIds[i]}|${set.labels[i]}\n`);
    h.update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
  });
  return h.digest('hex');
}

/** `trainChurnClassifier` in a worker thread (training every candidate takes seconds): same model, same metrics. */
export function trainChurnClassifierInWorker(
  train: Part,
  validation: Part,
  options: {
    seed: number;
    featureNames: readonly string[];
    candidates?: readonly ChurnAlgorithm[] | undefined;
    onProgress?: (done: number, total: number, algorithm: string) => void;
  },
): Promise<{ classifier: ChurnClassifier; metrics: ChurnMetrics }> {
  const width = options.featureNames.length;
  const data: ChurnWorkerInput = {
    train: pack(train, width),
    validation: pack(validation, width),
    width,
    seed: options.seed,
    featureNames: [...options.featureNames],
    ...(options.candidates === undefined ? {} : { candidates: [...options.candidates] }),
  };
  return runTrainingWorker<
    Extract<ChurnWorkerMessage, { type: 'progress' }>,
    Extract<ChurnWorkerMessage, { type: 'done' }>,
    { classifier: ChurnClassifier; metrics: ChurnMetrics }
  >(
    'churn training',
    siblingModule(import.meta.url, 'train-churn-worker'),
    data,
    (message) => options.onProgress?.(message.done, message.total, message.algorithm),
    (message) => ({
      classifier: ChurnClassifier.load(JSON.parse(message.artifact) as ChurnArtifact),
      metrics: message.metrics as ChurnMetrics,
    }),
  );
}

/**
 * Trains the churn model on monthly point-in-time snapshots of kosh's own tables and registers it (task `churn`):
 * the candidates compete on the newest snapshot, the winner is calibrated there.
 */
export async function trainChurn(
  deps: { db: Db; objects: ObjectStore; clock: Clock; log: Log },
  input: TrainChurnInput = {},
): Promise<TrainChurnResult> {
  const seed = input.seed ?? 42;
  const months = input.months ?? 9;
  const to = input.to ?? deps.clock.now();
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 2 ** 31 - 1)
    throw invalid('invalid_seed', 'seed must be an integer from 0 to 2147483647', [
      { field: '/seed', code: 'invalid_seed', message: 'must be an integer from 0 to 2147483647' },
    ]);
  if (!Number.isInteger(months) || months < 3 || months > 36)
    throw invalid('invalid_months', 'months must be an integer from 3 to 36', [
      { field: '/months', code: 'invalid_months', message: 'must be an integer from 3 to 36' },
    ]);
  const progress = input.onProgress ?? (() => undefined);

  const started = Date.now();
  progress('features', 0, 1);
  const window = trainingWindow(to, months);
  const set = await churnSnapshots(deps.db, window);
  progress('features', 1, 1);
  const featuresMs = Date.now() - started;

  const { train, calibration: validation, test, testFrom: validationFrom } = splitSnapshotsByTime(set);
  const count = (labels: Uint8Array) => labels.reduce((s, l) => s + l, 0);
  const ok = (p: Part) => p.rows.length >= MIN_ROWS && count(p.labels) > 0 && count(p.labels) < p.rows.length;
  if (!ok(train) || !ok(validation) || !ok(test))
    throw invalid(
      'not_enough_training_data',
      `the snapshots hold ${train.rows.length} customer-months to train on, ${validation.rows.length} to calibrate on ` +
        `and ${test.rows.length} to test on; each part needs at least ${MIN_ROWS} and both churned and retained customers`,
      ['/to', '/months'].map((field) => ({ field, code: 'not_enough_training_data', message: 'widen the window' })),
    );
  const dataHash = hashChurnSet(set);

  const trainStarted = Date.now();
  const options = {
    seed,
    featureNames: set.featureNames,
    candidates: input.candidates,
    onProgress: (done: number, total: number, algorithm: string) => progress('training', done, total, algorithm),
  };
  const { classifier, metrics: calibrationMetrics } =
    input.inWorker === false
      ? await trainChurnClassifier(train, validation, options)
      : await trainChurnClassifierInWorker(train, validation, options);
  const trainingMs = Date.now() - trainStarted;
  // Every figure reported comes from the test month, which neither the choice of model nor the calibrator saw.
  const evaluation = evaluateChurnTest(classifier, test, seed);
  const metrics: ChurnMetrics & { test: ChurnTestEvaluation } = {
    ...calibrationMetrics,
    rocAuc: evaluation.rocAuc.value,
    accuracy: evaluation.accuracy.value,
    baseRate: evaluation.baseRate,
    brier: evaluation.brier,
    test: evaluation,
  };

  progress('saving', 0, 1);
  const savingStarted = Date.now();
  const version = newModelVersion('churn', deps.clock.now());
  const model = await registerChurnModel(deps, {
    classifier,
    metrics,
    featureSetVersion: CHURN_FEATURE_SET_VERSION,
    seed,
    trainFrom: window.first,
    trainTo: to,
    validationFrom,
    testRows: test.rows.length,
    dataHash,
    version,
    report: renderChurnTrainingReport(version, metrics, validationFrom),
  });
  progress('saving', 1, 1);
  deps.log.info(
    { version: model.id, algorithm: metrics.algorithm, roc_auc: metrics.rocAuc, train_rows: metrics.trainRows },
    'churn model trained',
  );
  return {
    model,
    metrics,
    became_champion: model.state === 'champion',
    timings_ms: { features: featuresMs, training: trainingMs, saving: Date.now() - savingStarted },
  };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

/** A small self-contained page: the candidates and the chosen model's validation metrics. */
function renderChurnTrainingReport(
  version: string,
  m: ChurnMetrics & { test: ChurnTestEvaluation },
  validationFrom: Date,
): string {
  const t = m.test;
  const ci = (i: Interval) => `${i.value.toFixed(4)} [${i.lo.toFixed(4)}, ${i.hi.toFixed(4)}]`;
  const rows = m.candidates
    .map(
      (c) =>
        `<tr${c.algorithm === m.algorithm ? ' class="won"' : ''}><td>${escapeHtml(c.algorithm)}</td><td>${c.rocAuc.toFixed(4)}</td><td>${c.logLoss.toFixed(4)}</td><td>${c.trainMs.toFixed(0)}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>churn model ${escapeHtml(version)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse}td,th{padding:.3rem .8rem;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}.won{font-weight:600;background:#eef6ee}</style></head>
<body><h1>Churn model ${escapeHtml(version)}</h1>
<p>Protocol: ${escapeHtml(t.protocol)}. Chosen: <b>${escapeHtml(m.algorithm)}</b>, by ROC-AUC on the calibration snapshot, Platt-calibrated there;
measured on the newest snapshot (${validationFrom.toISOString().slice(0, 10)}), which nothing was fitted on. Training rows ${m.trainRows}, calibration rows ${m.validationRows}, test rows ${t.rows}.</p>
<p>Test month, side by side: accuracy ${ci(t.accuracy)} against ${t.majorityAccuracy.toFixed(4)} for answering "nobody churns" (base rate ${(t.baseRate * 100).toFixed(1)} %),
ROC-AUC ${ci(t.rocAuc)}, Brier ${t.brier.toFixed(4)}. The seed's target of 85 % accuracy is ${t.accuracy.value > 0.85 ? 'met' : 'not met'}${t.majorityAccuracy > 0.85 ? ' — and would be by the majority answer alone, so accuracy says little here' : ''}.</p>
<p>Candidates on the calibration snapshot:</p>
<table><thead><tr><th>candidate</th><th>ROC-AUC</th><th>log loss (raw)</th><th>train ms</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>`;
}
