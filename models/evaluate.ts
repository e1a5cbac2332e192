import { RandomForestClassifier } from 'ml-random-forest';
import { loadDuckDb } from '../platform/duckdb.js';
import { trainChurnClassifier } from './churn/classifier.js';
import { fitLogistic, linear, sigmoid } from './fraud/calibration.js';
import { DEFAULT_FOREST_PARAMS, forestProbability, trainForest } from './fraud/forest.js';
import { seededRandom, shuffle } from './fraud/forest-data.js';
import { DEFAULT_GBT_PARAMS, gbtMargin, trainGbt } from './fraud/gbt.js';
import { anomalyScore, DEFAULT_ISOLATION_PARAMS, trainIsolationForest } from './fraud/isolation-forest.js';
import { trainFraudModel } from './fraud/model.js';
import { accuracy, prAuc, recallAtFpr, rocAuc } from './metrics.js';
import { sklearnStratifiedSplit } from './sklearn-split.js';

/** A labelled numeric table: one Float64Array per row, labels 0/1. */
export interface LabelledTable {
  readonly featureNames: string[];
  readonly rows: Float64Array[];
  readonly labels: Uint8Array;
}

const READ_CSV = 'SELECT * FROM read_csv($path)';

/**
 * How text columns become numbers: `error` refuses them; `one-hot` (the churn family) reads a text column whose
 * non-blank values are all numbers as numbers, blanks as 0 (Telco's TotalCharges: its 11 blanks are customers of
 * tenure 0, charged nothing yet), one-hot encodes any other text column as `column=value` indicators (values
 * sorted), and reads a Yes/No (true/false) label as 1/0.
 */
export type CategoricalMode = 'error' | 'one-hot';

/** Loads a CSV with DuckDB's read_csv; every column but the label and the dropped ones becomes a feature. */
export async function loadLabelledCsv(
  path: string,
  label: string,
  drop: readonly string[] = [],
  categorical: CategoricalMode = 'error',
): Promise<LabelledTable> {
  const instance = await (await loadDuckDb()).DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const statement = await conn.prepare(READ_CSV);
    statement.bind({ path });
    const reader = await statement.runAndReadAll();
    const names = reader.columnNames();
    const columns = reader.getColumnsJS();
    const labelAt = names.indexOf(label);
    if (labelAt < 0) throw new EvaluateError(`no column ${label} in ${path} (columns: ${names.join(', ')})`);
    for (const d of drop) if (!names.includes(d)) throw new EvaluateError(`no column ${d} to drop in ${path}`);
    const featureAt = names.map((_, i) => i).filter((i) => i !== labelAt && !drop.includes(names[i] as string));
    const n = reader.currentRowCount;
    if (categorical === 'one-hot') return encodeTable(names, columns, labelAt, featureAt, n, label);
    const labels = new Uint8Array(n);
    const labelColumn = columns[labelAt] ?? [];
    for (let r = 0; r < n; r++) {
      const v = toNumber(labelColumn[r]);
      if (v !== 0 && v !== 1)
        throw new EvaluateError(`label ${label} must be 0 or 1; row ${r + 1} holds ${String(labelColumn[r])}`);
      labels[r] = v;
    }
    const rows: Float64Array[] = Array.from({ length: n }, () => new Float64Array(featureAt.length));
    featureAt.forEach((c, j) => {
      const column = columns[c] ?? [];
      for (let r = 0; r < n; r++) {
        const v = toNumber(column[r]);
        if (v === undefined)
          throw new EvaluateError(`column ${names[c]} is not numeric (row ${r + 1}: ${String(column[r])})`);
        (rows[r] as Float64Array)[j] = v;
      }
    });
    return { featureNames: featureAt.map((c) => names[c] as string), rows, labels };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const YES_NO: Readonly<Record<string, number>> = { yes: 1, no: 0, true: 1, false: 0, '1': 1, '0': 0 };

/** The `one-hot` reading of a table (see CategoricalMode). */
function encodeTable(
  names: readonly string[],
  columns: readonly (readonly unknown[])[],
  labelAt: number,
  featureAt: readonly number[],
  n: number,
  label: string,
): LabelledTable {
  const labels = new Uint8Array(n);
  const labelColumn = columns[labelAt] ?? [];
  for (let r = 0; r < n; r++) {
    const raw = labelColumn[r];
    const v = typeof raw === 'string' ? YES_NO[raw.trim().toLowerCase()] : toNumber(raw);
    if (v !== 0 && v !== 1)
      throw new EvaluateError(`label ${label} must be 0/1 or Yes/No; row ${r + 1} holds ${String(raw)}`);
    labels[r] = v;
  }
  const featureNames: string[] = [];
  const encoded: Float64Array[] = [];
  for (const c of featureAt) {
    const column = columns[c] ?? [];
    const name = names[c] as string;
    const texts = column.some((v) => typeof v === 'string');
    const asNumber = (v: unknown): number | undefined => {
      if (typeof v !== 'string') return toNumber(v);
      const t = v.trim();
      if (t === '') return 0;
      const x = Number(t);
      return Number.isFinite(x) ? x : undefined;
    };
    if (!texts || column.every((v) => asNumber(v) !== undefined)) {
      featureNames.push(name);
      encoded.push(Float64Array.from(column, (v) => asNumber(v) ?? Number.NaN));
      continue;
    }
    const values = [...new Set(column.map((v) => String(v ?? '').trim()))].sort();
    for (const value of values) {
      featureNames.push(`${name}=${value}`);
      encoded.push(Float64Array.from(column, (v) => (String(v ?? '').trim() === value ? 1 : 0)));
    }
  }
  const rows = Array.from({ length: n }, (_, r) => Float64Array.from(encoded, (col) => col[r] as number));
  return { featureNames, rows, labels };
}

function toNumber(v: unknown): number | undefined {
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

export class EvaluateError extends Error {}

/** A stratified split: within each class, a seeded shuffle, the first round(share · count) rows go to test. */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  testSize: number,
  seed: number,
): { train: Uint32Array; test: Uint32Array } {
  if (!(testSize > 0 && testSize < 1)) throw new EvaluateError(`test size must be in (0, 1), got ${testSize}`);
  const random = seededRandom(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) members.push(i);
    shuffle(random, members);
    const k = Math.round(members.length * testSize);
    test.push(...members.slice(0, k));
    train.push(...members.slice(k));
  }
  return { train: Uint32Array.from(train).sort(), test: Uint32Array.from(test).sort() };
}

/** A trained classifier: a score per row, higher = more likely positive (a probability where the family gives one). */
export interface TrainedClassifier {
  readonly algorithm: string;
  predict(row: Float64Array): number;
}

export interface ModelFamily {
  readonly description: string;
  /** How the family reads text columns (default `error`). */
  readonly categorical?: CategoricalMode;
  train(rows: Float64Array[], labels: Uint8Array, seed: number): Promise<TrainedClassifier>;
}

const pick = (rows: readonly Float64Array[], idx: ArrayLike<number>): Float64Array[] =>
  Array.from(idx, (i) => rows[i] as Float64Array);
const pickLabels = (labels: Uint8Array, idx: ArrayLike<number>): Uint8Array =>
  Uint8Array.from(idx, (i) => labels[i] as number);

/** The classifier families `kosh evaluate --model` can train. */
export const MODEL_FAMILIES: Readonly<Record<string, ModelFamily>> = {
  gbt: {
    description: 'gradient-boosted trees, logistic loss, histogram splits (kosh)',
    train: async (rows, labels, seed) => {
      const m = await trainGbt(rows, labels, DEFAULT_GBT_PARAMS, seed);
      return { algorithm: 'gbt', predict: (row) => sigmoid(gbtMargin(m, row)) };
    },
  },
  forest: {
    description: 'random forest, Gini splits on histograms, bootstrap (kosh)',
    train: async (rows, labels, seed) => {
      const m = await trainForest(rows, labels, DEFAULT_FOREST_PARAMS, seed);
      return { algorithm: 'random_forest', predict: (row) => forestProbability(m, row) };
    },
  },
  fraud: {
    description: 'the fraud model: gbt + isolation forest, logistic calibration on a 20 % validation part of train',
    train: async (rows, labels, seed) => {
      const inner = stratifiedSplit(labels, 0.2, seed + 1);
      const names = rows[0] === undefined ? [] : Array.from(rows[0], (_, i) => `f${i}`);
      const { model } = await trainFraudModel(
        { rows: pick(rows, inner.train), labels: pickLabels(labels, inner.train) },
        { rows: pick(rows, inner.test), labels: pickLabels(labels, inner.test) },
        { seed, featureNames: names, featureSetVersion: 'evaluate' },
      );
      return { algorithm: model.algorithm, predict: (row) => model.score(row) };
    },
  },
  'ml-random-forest': {
    description: 'ml-random-forest 2.1.0 RandomForestClassifier, 50 trees, probability = share of votes',
    train: async (rows, labels, seed) => {
      const rf = new RandomForestClassifier({ nEstimators: 50, seed, maxFeatures: 0.5, noOOB: true });
      rf.train(
        rows.map((r) => Array.from(r)),
        Array.from(labels),
      );
      return {
        algorithm: 'ml-random-forest',
        predict: (row) => {
          const votes = rf.predictionValues([Array.from(row)]) as unknown as { getRow(i: number): number[] };
          const v = votes.getRow(0);
          return v.reduce((a, b) => a + b, 0) / v.length;
        },
      };
    },
  },
  churn: {
    description:
      'the churn model: logistic regression vs a small MLP on a 20 % validation part of train, the winner refitted on all of train and Platt-calibrated on that part; text columns one-hot',
    categorical: 'one-hot',
    train: async (rows, labels, seed) => {
      const inner = stratifiedSplit(labels, 0.2, seed + 1);
      const names = rows[0] === undefined ? [] : Array.from(rows[0], (_, i) => `f${i}`);
      const validation = { rows: pick(rows, inner.test), labels: pickLabels(labels, inner.test) };
      // ml-random-forest is left out here: on 5.6k rows it takes minutes (see docs/churn.md).
      const { classifier: chosen } = await trainChurnClassifier(
        { rows: pick(rows, inner.train), labels: pickLabels(labels, inner.train) },
        validation,
        { seed, featureNames: names, candidates: ['logistic_regression', 'mlp'] },
      );
      const { classifier } = await trainChurnClassifier({ rows, labels }, validation, {
        seed,
        featureNames: names,
        candidates: [chosen.algorithm],
      });
      return { algorithm: `churn/${classifier.algorithm}`, predict: (row) => classifier.probability(row) };
    },
  },
  isolation: {
    description: 'isolation forest (unsupervised; labels unused): the anomaly score',
    train: async (rows, _labels, seed) => {
      const m = trainIsolationForest(rows, DEFAULT_ISOLATION_PARAMS, seed);
      return { algorithm: 'isolation_forest', predict: (row) => anomalyScore(m, row) };
    },
  },
  logistic: {
    description: 'L2 logistic regression on standardized features',
    train: async (rows, labels) => {
      const m = fitLogistic(rows, labels, { l2: 1 });
      return { algorithm: 'logistic_regression', predict: (row) => sigmoid(linear(m, row)) };
    },
  },
};

export interface EvaluateOptions {
  readonly data: string;
  readonly label: string;
  readonly drop?: readonly string[];
  readonly model?: string;
  readonly testSize?: number;
  readonly seed?: number;
  /** `kosh` (default): stratifiedSplit; `sklearn`: scikit-learn's stratified train_test_split, row for row. */
  readonly split?: 'kosh' | 'sklearn';
  /** Weight of each test negative for the population-weighted PR-AUC (e.g. 56.98 on an undersampled set). */
  readonly negativeWeight?: number;
}

export interface EvaluateResult {
  readonly data: string;
  readonly model: string;
  readonly algorithm: string;
  readonly seed: number;
  readonly testSize: number;
  readonly split: 'kosh' | 'sklearn';
  readonly features: string[];
  readonly rows: number;
  readonly positives: number;
  readonly trainRows: number;
  readonly testRows: number;
  readonly rocAuc: number;
  readonly prAuc: number;
  readonly weightedPrAuc: number | null;
  readonly negativeWeight: number | null;
  readonly accuracy: number;
  readonly recallAtHalfPercentFpr: number;
  readonly trainMs: number;
  readonly predictMicrosPerRow: number;
}

/** Trains one family on a stratified split of a labelled table and measures it on the held-out part. */
export async function evaluateOnTable(
  table: LabelledTable,
  options: Omit<EvaluateOptions, 'data' | 'label' | 'drop'> & { data?: string },
): Promise<EvaluateResult> {
  const modelName = options.model ?? 'gbt';
  const family = MODEL_FAMILIES[modelName];
  if (family === undefined)
    throw new EvaluateError(`unknown model ${modelName} (one of: ${Object.keys(MODEL_FAMILIES).join(', ')})`);
  const seed = options.seed ?? 42;
  const testSize = options.testSize ?? 0.2;
  const split =
    options.split === 'sklearn'
      ? sklearnStratifiedSplit(table.labels, testSize, seed)
      : stratifiedSplit(table.labels, testSize, seed);
  const trainRows = pick(table.rows, split.train);
  const trainLabels = pickLabels(table.labels, split.train);
  const testRows = pick(table.rows, split.test);
  const testLabels = pickLabels(table.labels, split.test);
  if (!trainLabels.includes(1) || !trainLabels.includes(0) || !testLabels.includes(1) || !testLabels.includes(0))
    throw new EvaluateError('train and test parts both need rows of each class');

  const started = performance.now();
  const classifier = await family.train(trainRows, trainLabels, seed);
  const trainMs = performance.now() - started;

  const scores = new Float64Array(testRows.length);
  for (let i = 0; i < testRows.length; i++) scores[i] = classifier.predict(testRows[i] as Float64Array);
  // Per-row cost: repeat single-row predictions until at least 200 ms have passed.
  let calls = 0;
  let sink = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    for (const row of testRows) sink += classifier.predict(row);
    calls += testRows.length;
    elapsed = performance.now() - t0;
  } while (elapsed < 200);
  if (Number.isNaN(sink)) throw new EvaluateError('the model predicted NaN');

  const weights =
    options.negativeWeight === undefined
      ? undefined
      : Float64Array.from(testLabels, (y) => (y === 1 ? 1 : (options.negativeWeight as number)));
  let positives = 0;
  for (const y of table.labels) positives += y;
  return {
    data: options.data ?? '',
    model: modelName,
    algorithm: classifier.algorithm,
    seed,
    testSize,
    split: options.split ?? 'kosh',
    features: table.featureNames,
    rows: table.rows.length,
    positives,
    trainRows: trainRows.length,
    testRows: testRows.length,
    rocAuc: rocAuc(testLabels, scores),
    prAuc: prAuc(testLabels, scores),
    weightedPrAuc: weights === undefined ? null : prAuc(testLabels, scores, weights),
    negativeWeight: options.negativeWeight ?? null,
    accuracy: accuracy(testLabels, scores, 0.5),
    recallAtHalfPercentFpr: recallAtFpr(testLabels, scores, 0.005),
    trainMs,
    predictMicrosPerRow: (elapsed * 1000) / calls,
  };
}

/** Loads the CSV and evaluates one family on it. */
export async function evaluateClassifier(options: EvaluateOptions): Promise<EvaluateResult> {
  const categorical = MODEL_FAMILIES[options.model ?? 'gbt']?.categorical ?? 'error';
  const table = await loadLabelledCsv(options.data, options.label, options.drop ?? [], categorical);
  return evaluateOnTable(table, options);
}
