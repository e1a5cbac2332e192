import { binRows, seededRandom, shuffle } from './forest-data.js';
import { EnsembleBuilder, growTree, sumLeaves, type TreeEnsemble } from './forest-tree.js';

/** Gradient-boosted trees on the logistic loss with histogram splits (XGBoost-style second-order gains). */
export interface GbtParams {
  readonly trees: number;
  readonly learningRate: number;
  readonly maxDepth: number;
  readonly minChildWeight: number;
  readonly lambda: number;
  readonly minGain: number;
  /** Share of rows each tree sees (drawn without replacement). */
  readonly subsample: number;
  /** Cap on the rows each tree sees, so training on millions of rows stays in minutes (stochastic boosting). */
  readonly maxRowsPerTree: number;
  /** Share of features each tree may split on. */
  readonly colsample: number;
  readonly maxBins: number;
}

export const DEFAULT_GBT_PARAMS: GbtParams = {
  trees: 300,
  learningRate: 0.05,
  maxDepth: 5,
  minChildWeight: 1,
  lambda: 1,
  minGain: 0,
  subsample: 0.8,
  maxRowsPerTree: 250_000,
  colsample: 0.8,
  maxBins: 128,
};

export interface Gbt {
  /** Initial margin (log-odds of the training prevalence). */
  readonly base: number;
  readonly trees: TreeEnsemble;
  /** Total split gain per feature. */
  readonly importance: Float64Array;
}

/** The raw margin (log-odds) of a row. */
export const gbtMargin = (model: Gbt, row: ArrayLike<number>): number => model.base + sumLeaves(model.trees, row);

/** Trains on rows (one Float64Array each) and 0/1 labels; deterministic given the seed. */
export async function trainGbt(
  rows: readonly Float64Array[],
  labelsIn: ArrayLike<number>,
  params: GbtParams,
  seed: number,
  onProgress?: (done: number, total: number) => void,
): Promise<Gbt> {
  const n = rows.length;
  if (n === 0) throw new RangeError('no training rows');
  const labels = Uint8Array.from({ length: n }, (_, i) => (labelsIn[i] === 1 ? 1 : 0));
  const random = seededRandom(seed);
  const data = binRows(rows, { maxBins: params.maxBins, seed });
  const F = data.features;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i] === 1 ? 1 : 0;
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, positives / n));
  const base = Math.log(prior / (1 - prior));
  const margin = new Float64Array(n).fill(base);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  const idx = new Uint32Array(n);
  const builder = new EnsembleBuilder();
  const importance = new Float64Array(F);
  const sampleCount = Math.max(
    1,
    Math.min(Math.round(n * Math.min(1, params.subsample)), params.maxRowsPerTree ?? Number.POSITIVE_INFINITY),
  );
  const featCount = Math.max(1, Math.round(F * Math.min(1, params.colsample)));
  const featOrder = Int32Array.from({ length: F }, (_, i) => i);
  const sampled = new Uint8Array(n);
  const values = builder.value;
  for (let t = 0; t < params.trees; t++) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(margin[i] as number)));
      grad[i] = p - (labels[i] as number);
      hess[i] = Math.max(p * (1 - p), 1e-16);
    }
    if (sampleCount < n) {
      // Partial Fisher–Yates: the first sampleCount entries are a uniform sample.
      for (let i = 0; i < sampleCount; i++) {
        const j = i + Math.floor(random() * (n - i));
        const x = all[i] as number;
        all[i] = all[j] as number;
        all[j] = x;
      }
    }
    idx.set(all.subarray(0, sampleCount));
    shuffle(random, featOrder);
    const features = featOrder.slice(0, featCount).sort();
    const root = growTree(
      data,
      grad,
      hess,
      idx,
      sampleCount,
      {
        maxDepth: params.maxDepth,
        minChildWeight: params.minChildWeight,
        lambda: params.lambda,
        minGain: params.minGain,
        valueScale: -params.learningRate,
        features,
        featuresPerSplit: 0,
        random,
        // Rows of the sample are updated from the leaf they reached while growing; the rest are routed below.
        onLeaf: (node, start, end) => {
          const v = values[node] as number;
          for (let k = start; k < end; k++) {
            const r = idx[k] as number;
            margin[r] = (margin[r] as number) + v;
            sampled[r] = 1;
          }
        },
      },
      builder,
      importance,
    );
    if (sampleCount < n) {
      for (let i = 0; i < n; i++) {
        if (sampled[i] === 1) sampled[i] = 0;
        else margin[i] = (margin[i] as number) + builder.leafValueBinned(root, data, i);
      }
    } else sampled.fill(0);
    onProgress?.(t + 1, params.trees);
    if (t % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
  }
  return { base, trees: builder.build(), importance };
}
