import {
  expectedCalibrationError,
  fprAtThreshold,
  prAuc,
  prCurve,
  precisionAtThreshold,
  recallAtFpr,
  recallAtThreshold,
  rocAuc,
  rocCurve,
  thresholdForFpr,
} from '../metrics.js';
import { fitLogistic, sigmoid } from './calibration.js';
import { decodeFraudArtifact, encodeFraudArtifact, type FraudState } from './forest-codec.js';
import type { TreeEnsemble } from './forest-tree.js';
import { addContributions, sumLeaves } from './forest-tree.js';
import { DEFAULT_GBT_PARAMS, type GbtParams, trainGbt } from './gbt.js';
import {
  addPathSplits,
  anomalyScore,
  DEFAULT_ISOLATION_PARAMS,
  type IsolationParams,
  trainIsolationForest,
} from './isolation-forest.js';

/** The fraud classifier: gradient-boosted trees + an isolation forest, combined by a logistic calibrator. */
export const FRAUD_ALGORITHM = 'gbt+isolation_forest+logistic_calibration';
/** Target false-positive rates of the thresholds (block is the product's stated 0.5 %). */
export const BLOCK_TARGET_FPR = 0.005;
export const REVIEW_TARGET_FPR = 0.03;
/**
 * The block threshold is never below this calibrated probability: blocking a payment that is more likely good than
 * fraud blocks more good parents than it stops frauds (at a 0.3 % fraud rate, a 0.5 % false-positive rate alone
 * would block more good payments than frauds).
 */
export const BLOCK_MIN_SCORE = 0.5;
/**
 * Nor is the review threshold below this calibrated probability. Spending the 3 % review budget whatever the scores
 * put the demo model's review line at a probability of 0.0003, so every new parent's first payment (no history, a
 * new address: scores of 0.003–0.009) waited for a person. A hold costs a reviewer's time and a late meal; below a 5 %
 * chance of fraud that costs more than the fraud it could stop (₹55 expected on a ₹1,100 payment).
 */
export const REVIEW_MIN_SCORE = 0.05;

export interface FraudModel {
  readonly kind: 'fraud';
  readonly algorithm: string;
  readonly featureSetVersion: string;
  readonly featureNames: readonly string[];
  /** Calibrated probability of fraud, in [0,1]. Deterministic. */
  score(row: Float64Array): number;
  scoreMany(rows: readonly Float64Array[]): Float64Array;
  /** Top feature contributions for this row, largest |contribution| first. */
  reasons(row: Float64Array, top?: number): { feature: string; value: number; contribution: number }[];
  /** Serialized form: a JSON manifest-able object (parameters, calibration, thresholds) + the artifact bytes. */
  serialize(): { params: Record<string, unknown>; artifact: Uint8Array };
}

export interface TrainOptions {
  readonly seed: number;
  readonly featureNames: readonly string[];
  readonly featureSetVersion: string;
  readonly onProgress?: (done: number, total: number) => void;
}

/** Optional hyper-parameters on top of the contract's options. */
export interface FraudParams {
  readonly gbt: GbtParams;
  readonly isolation: IsolationParams;
  /** L2 penalty of the calibrator. */
  readonly calibrationL2: number;
}

export const DEFAULT_FRAUD_PARAMS: FraudParams = {
  gbt: DEFAULT_GBT_PARAMS,
  isolation: DEFAULT_ISOLATION_PARAMS,
  calibrationL2: 1,
};

export interface FraudThresholds {
  readonly review: number;
  readonly block: number;
  readonly blockFpr: number;
  readonly blockRecall: number;
  readonly reviewFpr: number;
  readonly reviewRecall: number;
}

export interface FraudMetrics {
  readonly rocAuc: number;
  readonly prAuc: number;
  readonly recallAtHalfPercentFpr: number;
  readonly precisionAtBlock: number;
  readonly calibrationError: number;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly roc: [number, number][];
  readonly pr: [number, number][];
  readonly featureImportance: { feature: string; importance: number }[];
}

type Data = { rows: readonly Float64Array[]; labels: Uint8Array };

function requireBothClasses(name: string, data: Data, features: number): void {
  if (data.rows.length !== data.labels.length)
    throw new RangeError(`${name}: ${data.rows.length} rows but ${data.labels.length} labels`);
  let pos = 0;
  for (const y of data.labels) pos += y === 1 ? 1 : 0;
  if (pos === 0 || pos === data.labels.length) throw new RangeError(`${name} needs both fraud and legitimate rows`);
  for (const r of data.rows)
    if (r.length !== features) throw new RangeError(`${name}: a row has ${r.length} values, expected ${features}`);
}

/**
 * Trains the supervised trees and the isolation forest on `train`, fits the calibrator over
 * [tree margin, anomaly score] on `calibration`, and chooses the thresholds there (decision = score >= threshold):
 * block at the lowest score whose calibration FPR ≤ 0.5 % and not below BLOCK_MIN_SCORE, review ≤ 3 % and not below
 * REVIEW_MIN_SCORE. The metrics
 * returned are the calibration window's, fitted on: honest figures come from a separate test window
 * (models/evaluation-protocol.ts, `measureFraudModel`). Deterministic given the seed.
 */
export async function trainFraudModel(
  train: Data,
  calibration: Data,
  options: TrainOptions & { readonly params?: Partial<FraudParams> },
): Promise<{ model: FraudModel; metrics: FraudMetrics; thresholds: FraudThresholds }> {
  const F = options.featureNames.length;
  requireBothClasses('train', train, F);
  requireBothClasses('calibration', calibration, F);
  const validation = calibration;
  const params: FraudParams = { ...DEFAULT_FRAUD_PARAMS, ...options.params };
  const gbt = await trainGbt(train.rows, train.labels, params.gbt, options.seed, options.onProgress);
  const isolation = trainIsolationForest(train.rows, params.isolation, options.seed ^ 0x5bd1e995);

  const inputs = validation.rows.map((row) => [gbt.base + sumLeaves(gbt.trees, row), anomalyScore(isolation, row)]);
  const cal = fitLogistic(inputs, validation.labels, { l2: params.calibrationL2 });
  let anomalyMean = 0;
  for (const x of inputs) anomalyMean += (x[1] as number) / inputs.length;

  let totalGain = 0;
  for (const g of gbt.importance) totalGain += g;
  const state: FraudState = {
    featureSetVersion: options.featureSetVersion,
    featureNames: [...options.featureNames],
    seed: options.seed,
    base: gbt.base,
    calibration: { intercept: cal.intercept, supervised: cal.coef[0] as number, anomaly: cal.coef[1] as number },
    anomalyMean,
    isolationNorm: isolation.norm,
    gbt: gbt.trees,
    isolation: isolation.trees,
    importance: Array.from(gbt.importance, (g) => (totalGain > 0 ? g / totalGain : 0)),
    params,
    thresholds: null,
  };
  const provisional = fraudModelFrom(state);
  const scores = provisional.scoreMany(validation.rows);
  const y = validation.labels;
  const block = Math.max(BLOCK_MIN_SCORE, thresholdForFpr(y, scores, BLOCK_TARGET_FPR));
  const review = Math.min(block, Math.max(REVIEW_MIN_SCORE, thresholdForFpr(y, scores, REVIEW_TARGET_FPR)));
  const thresholds: FraudThresholds = {
    review,
    block,
    blockFpr: fprAtThreshold(y, scores, block),
    blockRecall: recallAtThreshold(y, scores, block),
    reviewFpr: fprAtThreshold(y, scores, review),
    reviewRecall: recallAtThreshold(y, scores, review),
  };
  const model = fraudModelFrom({ ...state, thresholds });
  return { model, metrics: measureFraudModel(model, thresholds, validation, train.rows.length), thresholds };
}

/**
 * The metrics of a trained model on `data` (the test window, in the evaluation protocol) at its thresholds:
 * ROC- and PR-AUC, recall at 0.5 % FPR and precision at the block threshold, calibration error, the curves and the
 * feature importance. `validationRows` is the number of rows measured on.
 */
export function measureFraudModel(
  model: FraudModel,
  thresholds: FraudThresholds,
  data: Data,
  trainRows: number,
): FraudMetrics {
  const state = STATES.get(model);
  if (state === undefined) throw new TypeError('not a model built by trainFraudModel or loadFraudModel');
  const scores = model.scoreMany(data.rows);
  const y = data.labels;
  return {
    rocAuc: rocAuc(y, scores),
    prAuc: prAuc(y, scores),
    recallAtHalfPercentFpr: recallAtFpr(y, scores, BLOCK_TARGET_FPR),
    precisionAtBlock: precisionAtThreshold(y, scores, thresholds.block),
    calibrationError: expectedCalibrationError(y, scores, 10),
    trainRows,
    validationRows: data.rows.length,
    roc: rocCurve(y, scores),
    pr: prCurve(y, scores),
    featureImportance: state.importance
      .map((importance, i) => ({ feature: model.featureNames[i] as string, importance }))
      .sort((a, b) => b.importance - a.importance),
  };
}

/**
 * Rebuilds a model from `serialize()` output. Every number that scores comes from the artifact bytes, so the
 * loaded model reproduces the trained one's scores bit for bit. Throws on a wrong kind, algorithm or
 * feature-set version, or a damaged artifact.
 */
export function loadFraudModel(
  expected: { kind: 'fraud'; featureSetVersion: string },
  serialized: { algorithm: string; featureSetVersion: string; params: Record<string, unknown>; artifact: Uint8Array },
): FraudModel {
  if (expected.kind !== 'fraud' || serialized.params['kind'] !== 'fraud')
    throw new FraudModelLoadError(`not a fraud model (kind ${String(serialized.params['kind'])})`);
  if (serialized.algorithm !== FRAUD_ALGORITHM)
    throw new FraudModelLoadError(`unsupported fraud algorithm ${serialized.algorithm}`);
  if (serialized.featureSetVersion !== expected.featureSetVersion)
    throw new FraudModelLoadError(
      `model was trained on feature set ${serialized.featureSetVersion}, expected ${expected.featureSetVersion}`,
    );
  const state = decodeFraudArtifact(serialized.artifact);
  if (state.featureSetVersion !== expected.featureSetVersion)
    throw new FraudModelLoadError(
      `artifact was trained on feature set ${state.featureSetVersion}, expected ${expected.featureSetVersion}`,
    );
  return fraudModelFrom(state);
}

export class FraudModelLoadError extends Error {}

const STATES = new WeakMap<FraudModel, FraudState>();

/**
 * The full explanation of a score in log-odds: bias + Σ contributions = logit(score) (up to rounding);
 * `reasons()` shows the largest of these contributions.
 */
export function explainFraudScore(model: FraudModel, row: Float64Array): { bias: number; contributions: Float64Array } {
  const state = STATES.get(model);
  if (state === undefined) throw new TypeError('not a model built by trainFraudModel or loadFraudModel');
  return contributions(state, row);
}

function fraudModelFrom(state: FraudState): FraudModel {
  const F = state.featureNames.length;
  const gbt: TreeEnsemble = state.gbt;
  const { intercept, supervised, anomaly } = state.calibration;
  const isolation = { trees: state.isolation, norm: state.isolationNorm };
  const check = (row: Float64Array): void => {
    if (row.length !== F) throw new RangeError(`expected ${F} feature values, got ${row.length}`);
  };
  const rawScore = (row: Float64Array): number =>
    sigmoid(intercept + supervised * (state.base + sumLeaves(gbt, row)) + anomaly * anomalyScore(isolation, row));
  const model: FraudModel = {
    kind: 'fraud',
    algorithm: FRAUD_ALGORITHM,
    featureSetVersion: state.featureSetVersion,
    featureNames: Object.freeze([...state.featureNames]),
    score(row) {
      check(row);
      return rawScore(row);
    },
    scoreMany(rows) {
      const out = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as Float64Array;
        check(row);
        out[i] = rawScore(row);
      }
      return out;
    },
    reasons(row, top = 5) {
      check(row);
      return Array.from(contributions(state, row).contributions, (contribution, i) => ({
        feature: state.featureNames[i] as string,
        value: row[i] as number,
        contribution,
      }))
        .filter((r) => r.contribution !== 0)
        .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
        .slice(0, top);
    },
    serialize() {
      return {
        params: {
          kind: 'fraud',
          algorithm: FRAUD_ALGORITHM,
          featureSetVersion: state.featureSetVersion,
          featureNames: [...state.featureNames],
          seed: state.seed,
          gbt: state.params.gbt,
          isolation: state.params.isolation,
          calibration: {
            ...state.calibration,
            l2: state.params.calibrationL2,
            inputs: ['gbt_margin', 'anomaly_score'],
          },
          thresholds: state.thresholds,
          artifactFormat: 'kosh-fraud-v1',
        },
        artifact: encodeFraudArtifact(state),
      };
    },
  };
  STATES.set(model, state);
  return model;
}

/**
 * Per-feature contributions in log-odds: the supervised part is the calibrator's weight times the trees' path
 * contributions (Saabas); the anomaly part, weight · (anomaly score − its validation mean), is shared among
 * features in proportion to how many isolation cuts on them the row's paths meet. bias + Σ contributions =
 * logit(score) up to rounding.
 */
function contributions(state: FraudState, row: Float64Array): { bias: number; contributions: Float64Array } {
  const F = state.featureNames.length;
  const out = new Float64Array(F);
  const { intercept, supervised, anomaly } = state.calibration;
  const treeBias = addContributions(state.gbt, row, out, supervised);
  const splits = new Float64Array(F);
  const total = addPathSplits({ trees: state.isolation, norm: state.isolationNorm }, row, splits);
  const anomalyPart =
    anomaly * (anomalyScore({ trees: state.isolation, norm: state.isolationNorm }, row) - state.anomalyMean);
  if (total > 0)
    for (let f = 0; f < F; f++) out[f] = (out[f] as number) + (anomalyPart * (splits[f] as number)) / total;
  return { bias: intercept + supervised * state.base + treeBias + anomaly * state.anomalyMean, contributions: out };
}
