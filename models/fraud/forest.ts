import { binRows, randomInt, seededRandom } from './forest-data.js';
import { EnsembleBuilder, growTree, sumLeaves, type TreeEnsemble } from './forest-tree.js';

/** A random forest of classification trees (Gini = variance reduction on 0/1 labels) on histogram splits. */
export interface ForestParams {
  readonly trees: number;
  readonly maxDepth: number;
  /** Minimum (bootstrap-weighted) rows per leaf. */
  readonly minLeafRows: number;
  /** Features tried per split; 0 = round(sqrt(features)). */
  readonly featuresPerSplit: number;
  readonly maxBins: number;
}

export const DEFAULT_FOREST_PARAMS: ForestParams = {
  trees: 200,
  maxDepth: 16,
  minLeafRows: 1,
  featuresPerSplit: 0,
  maxBins: 128,
};

export interface Forest {
  /** Node values are leaf fraud shares divided by the tree count, so Σ over trees is the forest's probability. */
  readonly trees: TreeEnsemble;
  readonly importance: Float64Array;
}

/** The forest's probability: the mean over trees of the leaf's fraud share. */
export const forestProbability = (model: Forest, row: ArrayLike<number>): number => sumLeaves(model.trees, row);

/** Trains with bootstrap samples (as integer row weights); deterministic given the seed. */
export async function trainForest(
  rows: readonly Float64Array[],
  labels: ArrayLike<number>,
  params: ForestParams,
  seed: number,
  onProgress?: (done: number, total: number) => void,
): Promise<Forest> {
  const n = rows.length;
  if (n === 0) throw new RangeError('no training rows');
  const random = seededRandom(seed);
  const data = binRows(rows, { maxBins: params.maxBins, seed });
  const F = data.features;
  const mtry = params.featuresPerSplit > 0 ? params.featuresPerSplit : Math.max(1, Math.round(Math.sqrt(F)));
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const idx = new Uint32Array(n);
  const features = Int32Array.from({ length: F }, (_, i) => i);
  const builder = new EnsembleBuilder();
  const importance = new Float64Array(F);
  for (let t = 0; t < params.trees; t++) {
    hess.fill(0);
    for (let k = 0; k < n; k++) {
      const r = randomInt(random, n);
      hess[r] = (hess[r] as number) + 1;
    }
    let count = 0;
    for (let i = 0; i < n; i++) {
      const h = hess[i] as number;
      grad[i] = labels[i] === 1 ? h : 0;
      if (h > 0) idx[count++] = i;
    }
    growTree(
      data,
      grad,
      hess,
      idx,
      count,
      {
        maxDepth: params.maxDepth,
        minChildWeight: params.minLeafRows,
        lambda: 0,
        minGain: 1e-12,
        valueScale: 1 / params.trees,
        features,
        featuresPerSplit: mtry,
        random,
      },
      builder,
      importance,
    );
    onProgress?.(t + 1, params.trees);
    if (t % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
  }
  return { trees: builder.build(), importance };
}
