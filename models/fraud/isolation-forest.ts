import { randomInt, seededRandom } from './forest-data.js';
import type { TreeEnsemble } from './forest-tree.js';

/**
 * Isolation forest (Liu, Ting & Zhou 2008): trees grown on small random subsamples with random features and
 * uniform random cut points; anomalies are isolated in few cuts. A leaf's value is its depth plus c(size),
 * the expected depth still needed to isolate the rows left in it.
 */
export interface IsolationParams {
  readonly trees: number;
  readonly sampleSize: number;
}

export const DEFAULT_ISOLATION_PARAMS: IsolationParams = { trees: 100, sampleSize: 256 };

export interface IsolationForest {
  readonly trees: TreeEnsemble;
  /** c(sampleSize): the normalizer of the mean path length. */
  readonly norm: number;
}

/** Average path length of an unsuccessful search in a binary search tree of n nodes. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

/** Grows the forest; deterministic given the seed. Rows with NaN in a feature go left of every cut on it. */
export function trainIsolationForest(
  rows: readonly Float64Array[],
  params: IsolationParams,
  seed: number,
): IsolationForest {
  const n = rows.length;
  if (n === 0) throw new RangeError('no training rows');
  const F = rows[0]?.length ?? 0;
  const random = seededRandom(seed);
  const psi = Math.min(params.sampleSize, n);
  const maxDepth = Math.ceil(Math.log2(Math.max(2, psi)));
  const roots: number[] = [];
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const pool = Uint32Array.from({ length: n }, (_, i) => i);
  const sample = new Uint32Array(psi);
  const addLeaf = (depth: number, size: number): number => {
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    value.push(depth + averagePathLength(size));
    return feature.length - 1;
  };
  const grow = (start: number, end: number, depth: number): number => {
    const size = end - start;
    if (depth >= maxDepth || size <= 1) return addLeaf(depth, size);
    // Up to F tries for a feature that still varies in this node.
    for (let attempt = 0; attempt < F; attempt++) {
      const f = randomInt(random, F);
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let k = start; k < end; k++) {
        const v = (rows[sample[k] as number] as Float64Array)[f] as number;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!(hi > lo)) continue;
      const cut = lo + random() * (hi - lo);
      let i = start;
      let j = end - 1;
      while (i <= j) {
        if (!(((rows[sample[i] as number] as Float64Array)[f] as number) > cut)) i++;
        else {
          const t = sample[i] as number;
          sample[i] = sample[j] as number;
          sample[j] = t;
          j--;
        }
      }
      const node = addLeaf(depth, size);
      feature[node] = f;
      threshold[node] = cut;
      const l = grow(start, i, depth + 1);
      const r = grow(i, end, depth + 1);
      left[node] = l;
      right[node] = r;
      value[node] = depth + averagePathLength(size);
      return node;
    }
    return addLeaf(depth, size);
  };
  for (let t = 0; t < params.trees; t++) {
    for (let i = 0; i < psi; i++) {
      const j = i + randomInt(random, n - i);
      const x = pool[i] as number;
      pool[i] = pool[j] as number;
      pool[j] = x;
      sample[i] = pool[i] as number;
    }
    roots.push(grow(0, psi, 0));
  }
  return {
    trees: {
      roots: Int32Array.from(roots),
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      value: Float64Array.from(value),
    },
    norm: averagePathLength(psi),
  };
}

/** Mean path length over trees of a row. */
export function meanPathLength(model: IsolationForest, row: ArrayLike<number>): number {
  const { roots, feature, threshold, left, right, value } = model.trees;
  let sum = 0;
  for (let t = 0; t < roots.length; t++) {
    let node = roots[t] as number;
    let f = feature[node] as number;
    while (f >= 0) {
      node = (row[f] as number) > (threshold[node] as number) ? (right[node] as number) : (left[node] as number);
      f = feature[node] as number;
    }
    sum += value[node] as number;
  }
  return sum / roots.length;
}

/** The anomaly score 2^(−E[h(x)] / c(ψ)) in (0, 1]: near 1 anomalous, well below 0.5 ordinary. */
export function anomalyScore(model: IsolationForest, row: ArrayLike<number>): number {
  return 2 ** (-meanPathLength(model, row) / model.norm);
}

/** Adds to out[f] the number of cuts on feature f along the row's paths, over all trees. */
export function addPathSplits(model: IsolationForest, row: ArrayLike<number>, out: Float64Array): number {
  const { roots, feature, threshold, left, right } = model.trees;
  let total = 0;
  for (let t = 0; t < roots.length; t++) {
    let node = roots[t] as number;
    let f = feature[node] as number;
    while (f >= 0) {
      out[f] = (out[f] as number) + 1;
      total++;
      node = (row[f] as number) > (threshold[node] as number) ? (right[node] as number) : (left[node] as number);
      f = feature[node] as number;
    }
  }
  return total;
}
