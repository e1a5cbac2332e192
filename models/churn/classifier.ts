import { RandomForestClassifier } from 'ml-random-forest';
import { fitLogistic, type Logistic, linear, logit, sigmoid } from '../fraud/calibration.js';
import { seededRandom, shuffle } from '../fraud/forest-data.js';
import { accuracy, logLoss, rocAuc } from './churn-metrics.js';
import { type MlpJson, trainMlp } from './mlp.js';

/**
 * The churn classifier: three candidate families trained on the older part, the one with the best ROC-AUC on the
 * newer (validation) part kept, its score calibrated there by Platt scaling (the fraud calibrator, a logistic fit on
 * logit(score)), and per-customer drivers. Every candidate sees standardized inputs.
 */
export type ChurnAlgorithm = 'logistic_regression' | 'ml_random_forest' | 'mlp';

export const CHURN_ALGORITHMS: readonly ChurnAlgorithm[] = ['logistic_regression', 'ml_random_forest', 'mlp'];

/** The MLP's name while TensorFlow.js trained it: artifacts stored then still load, and the API still takes it. */
export const LEGACY_MLP = 'tfjs_mlp';

/** A candidate family's name as stored or asked for, with the legacy MLP name read as `mlp`. */
export function churnAlgorithm(name: string): ChurnAlgorithm | null {
  const algorithm = name === LEGACY_MLP ? 'mlp' : name;
  return (CHURN_ALGORITHMS as readonly string[]).includes(algorithm) ? (algorithm as ChurnAlgorithm) : null;
}

export interface Part {
  readonly rows: readonly Float64Array[];
  readonly labels: Uint8Array;
}

export interface CandidateResult {
  readonly algorithm: ChurnAlgorithm;
  readonly rocAuc: number;
  readonly logLoss: number;
  readonly trainMs: number;
}

export interface Driver {
  readonly feature: string;
  /** The change in log-odds of churn this feature's value causes against the training mean (> 0 raises risk). */
  readonly contribution: number;
  readonly value: number;
}

/** The JSON artifact: everything predict needs, nothing else. */
export interface ChurnArtifact {
  readonly kind: 'churn';
  readonly algorithm: ChurnAlgorithm;
  readonly featureNames: string[];
  readonly mean: number[];
  readonly sd: number[];
  readonly calibration: { intercept: number; coef: number[] };
  readonly model: unknown;
}

interface RawModel {
  /** Uncalibrated probability-like score in [0, 1] for a standardized row. */
  score(z: Float64Array): number;
  readonly json: unknown;
}

const EPS = 1e-4;
const clampLogit = (p: number): number => logit(Math.min(1 - EPS, Math.max(EPS, p)));

export class ChurnClassifier {
  constructor(
    readonly algorithm: ChurnAlgorithm,
    readonly featureNames: readonly string[],
    private readonly mean: Float64Array,
    private readonly sd: Float64Array,
    private readonly calibration: Logistic,
    private readonly raw: RawModel,
  ) {}

  private standardize(row: ArrayLike<number>): Float64Array {
    const z = new Float64Array(this.mean.length);
    for (let j = 0; j < z.length; j++) z[j] = ((row[j] as number) - (this.mean[j] as number)) / (this.sd[j] as number);
    return z;
  }

  private calibratedLogit(z: Float64Array): number {
    return linear(this.calibration, [clampLogit(this.raw.score(z))]);
  }

  /** The calibrated probability of churn. */
  probability(row: ArrayLike<number>): number {
    return sigmoid(this.calibratedLogit(this.standardize(row)));
  }

  /**
   * The `k` features that raise (or lower, when `k` asks for both) the churn log-odds most: each feature in turn set
   * to its training mean, the change in calibrated log-odds is its contribution. For logistic regression that is
   * exactly coef · (x − mean) times the calibration slope.
   */
  drivers(row: ArrayLike<number>, k = 3): Driver[] {
    const z = this.standardize(row);
    const base = this.calibratedLogit(z);
    const out: Driver[] = [];
    for (let j = 0; j < z.length; j++) {
      if (z[j] === 0) continue;
      const saved = z[j] as number;
      z[j] = 0;
      const without = this.calibratedLogit(z);
      z[j] = saved;
      out.push({ feature: this.featureNames[j] as string, contribution: base - without, value: row[j] as number });
    }
    out.sort((a, b) => b.contribution - a.contribution);
    return out.slice(0, k).filter((d) => d.contribution > 0);
  }

  serialize(): ChurnArtifact {
    return {
      kind: 'churn',
      algorithm: this.algorithm,
      featureNames: [...this.featureNames],
      mean: Array.from(this.mean),
      sd: Array.from(this.sd),
      calibration: { intercept: this.calibration.intercept, coef: Array.from(this.calibration.coef) },
      model: this.raw.json,
    };
  }

  /** Rebuilds a classifier from its artifact; refuses another kind or an unknown algorithm. */
  static load(artifact: ChurnArtifact): ChurnClassifier {
    if (artifact.kind !== 'churn') throw new Error(`not a churn model artifact: ${String(artifact.kind)}`);
    const algorithm = churnAlgorithm(artifact.algorithm);
    if (algorithm === null) throw new Error(`unknown churn algorithm ${artifact.algorithm}`);
    if (artifact.mean.length !== artifact.featureNames.length) throw new Error('feature names and means differ');
    return new ChurnClassifier(
      algorithm,
      artifact.featureNames,
      Float64Array.from(artifact.mean),
      Float64Array.from(artifact.sd),
      { intercept: artifact.calibration.intercept, coef: Float64Array.from(artifact.calibration.coef) },
      rawFromJson(algorithm, artifact.model),
    );
  }
}

// ---- candidate families ------------------------------------------------------------------------------

function logisticRaw(json: { intercept: number; coef: number[] }): RawModel {
  const m: Logistic = { intercept: json.intercept, coef: Float64Array.from(json.coef) };
  return { score: (z) => sigmoid(linear(m, z)), json };
}

function trainLogistic(rows: readonly Float64Array[], labels: Uint8Array): RawModel {
  const m = fitLogistic(rows, labels, { l2: 1 });
  return logisticRaw({ intercept: m.intercept, coef: Array.from(m.coef) });
}

function forestRaw(rf: RandomForestClassifier): RawModel {
  return {
    score: (z) => {
      const votes = rf.predictionValues([Array.from(z)]) as unknown as { getRow(i: number): number[] };
      const v = votes.getRow(0);
      return v.reduce((a, b) => a + b, 0) / v.length;
    },
    get json() {
      return rf.toJSON();
    },
  };
}

/**
 * ml-random-forest's CART scans every threshold of every feature against every row at each node (quadratic in
 * the rows): it sees a seeded sample of at most `maxRows` rows, or training takes minutes on 10k customer-months.
 */
export const FOREST_PARAMS = {
  nEstimators: 30,
  maxFeatures: 0.5,
  treeOptions: { maxDepth: 6, minNumSamples: 30 },
  maxRows: 1_500,
} as const;

function trainMlForest(rows: readonly Float64Array[], labels: Uint8Array, seed: number): RawModel {
  const { maxRows, ...params } = FOREST_PARAMS;
  const order = rows.map((_, i) => i);
  if (rows.length > maxRows) shuffle(seededRandom(seed + 17), order);
  const sample = order.slice(0, maxRows);
  const rf = new RandomForestClassifier({ ...params, treeOptions: { ...params.treeOptions }, seed, noOOB: true });
  rf.train(
    sample.map((i) => Array.from(rows[i] as Float64Array)),
    sample.map((i) => labels[i] as number),
  );
  return forestRaw(rf);
}

/** The MLP's forward pass in plain JS: predict needs no tensors, so scoring a customer costs microseconds. */
function mlpRaw(json: MlpJson): RawModel {
  const w1 = Float64Array.from(json.w1);
  const b1 = Float64Array.from(json.b1);
  const w2 = Float64Array.from(json.w2);
  const h = json.hidden;
  const hidden = new Float64Array(h);
  return {
    score: (z) => {
      hidden.set(b1);
      for (let i = 0; i < z.length; i++) {
        const zi = z[i] as number;
        if (zi === 0) continue;
        for (let k = 0; k < h; k++) hidden[k] = (hidden[k] as number) + zi * (w1[i * h + k] as number);
      }
      let out = json.b2;
      for (let k = 0; k < h; k++) out += Math.max(0, hidden[k] as number) * (w2[k] as number);
      return sigmoid(out);
    },
    json,
  };
}

function rawFromJson(algorithm: ChurnAlgorithm, json: unknown): RawModel {
  switch (algorithm) {
    case 'logistic_regression':
      return logisticRaw(json as { intercept: number; coef: number[] });
    case 'ml_random_forest':
      return forestRaw(RandomForestClassifier.load(json as Parameters<typeof RandomForestClassifier.load>[0]));
    case 'mlp':
      return mlpRaw(json as MlpJson);
  }
}

// ---- training ------------------------------------------------------------------------------------------

export interface TrainChurnOptions {
  readonly seed: number;
  readonly featureNames: readonly string[];
  /** Which families compete (default: all three). */
  readonly candidates?: readonly ChurnAlgorithm[] | undefined;
  readonly onProgress?: ((done: number, total: number, algorithm: ChurnAlgorithm) => void) | undefined;
}

export interface ChurnMetrics {
  readonly algorithm: ChurnAlgorithm;
  readonly rocAuc: number;
  readonly logLoss: number;
  readonly brier: number;
  readonly accuracy: number;
  readonly baseRate: number;
  readonly trainRows: number;
  readonly validationRows: number;
  readonly candidates: readonly CandidateResult[];
}

function standardization(rows: readonly Float64Array[], d: number): { mean: Float64Array; sd: Float64Array } {
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (r[j] as number) / rows.length;
  for (const r of rows)
    for (let j = 0; j < d; j++) sd[j] = (sd[j] as number) + ((r[j] as number) - (mean[j] as number)) ** 2 / rows.length;
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(sd[j] as number);
    sd[j] = s > 1e-12 ? s : 1;
  }
  return { mean, sd };
}

/**
 * Trains every candidate on `train`, keeps the best ROC-AUC on `validation` (ties: the earlier, simpler one),
 * and calibrates it on `validation`. Deterministic for a seed.
 */
export async function trainChurnClassifier(
  train: Part,
  validation: Part,
  options: TrainChurnOptions,
): Promise<{ classifier: ChurnClassifier; metrics: ChurnMetrics }> {
  const d = options.featureNames.length;
  if (train.rows.length === 0 || validation.rows.length === 0) throw new RangeError('train and validation need rows');
  const { mean, sd } = standardization(train.rows, d);
  const z = (rows: readonly Float64Array[]) =>
    rows.map((r) =>
      Float64Array.from({ length: d }, (_, j) => ((r[j] as number) - (mean[j] as number)) / (sd[j] as number)),
    );
  const zTrain = z(train.rows);
  const zValidation = z(validation.rows);
  const algorithms = options.candidates ?? CHURN_ALGORITHMS;
  const results: CandidateResult[] = [];
  let best: { algorithm: ChurnAlgorithm; raw: RawModel; scores: Float64Array; auc: number } | null = null;
  for (const [i, algorithm] of algorithms.entries()) {
    options.onProgress?.(i, algorithms.length, algorithm);
    const started = performance.now();
    const raw =
      algorithm === 'logistic_regression'
        ? trainLogistic(zTrain, train.labels)
        : algorithm === 'ml_random_forest'
          ? trainMlForest(zTrain, train.labels, options.seed)
          : mlpRaw(trainMlp(zTrain, train.labels, options.seed));
    const trainMs = performance.now() - started;
    const scores = Float64Array.from(zValidation, (r) => raw.score(r));
    const auc = rocAuc(validation.labels, scores);
    results.push({ algorithm, rocAuc: auc, logLoss: logLoss(validation.labels, scores), trainMs });
    if (best === null || auc > best.auc) best = { algorithm, raw, scores, auc };
  }
  options.onProgress?.(algorithms.length, algorithms.length, best?.algorithm ?? 'logistic_regression');
  if (best === null) throw new RangeError('no churn candidate to train');
  const calibration = fitLogistic(
    Array.from(best.scores, (s) => [clampLogit(s)]),
    validation.labels,
    { l2: 1e-3 },
  );
  const classifier = new ChurnClassifier(best.algorithm, options.featureNames, mean, sd, calibration, best.raw);
  const probabilities = Float64Array.from(validation.rows, (r) => classifier.probability(r));
  let positives = 0;
  let brier = 0;
  validation.labels.forEach((y, i) => {
    positives += y;
    brier += ((probabilities[i] as number) - y) ** 2;
  });
  return {
    classifier,
    metrics: {
      algorithm: best.algorithm,
      rocAuc: rocAuc(validation.labels, probabilities),
      logLoss: logLoss(validation.labels, probabilities),
      brier: brier / validation.labels.length,
      accuracy: accuracy(validation.labels, probabilities, 0.5),
      baseRate: positives / validation.labels.length,
      trainRows: train.rows.length,
      validationRows: validation.rows.length,
      candidates: results,
    },
  };
}
