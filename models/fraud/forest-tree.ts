import type { BinnedRows } from './forest-data.js';
import { randomInt } from './forest-data.js';

/**
 * A tree ensemble as flat typed arrays (all trees share them; `roots` holds each tree's first node).
 * A row goes right when `row[feature] > threshold`, else left (NaN goes left). Every node carries a value:
 * a leaf its output, an internal node the output it would have as a leaf — the path differences of those
 * values are the per-feature contributions (Saabas / treeinterpreter).
 */
export interface TreeEnsemble {
  readonly roots: Int32Array;
  /** −1 for a leaf. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
}

/** Σ over trees of the leaf value reached by `row`. */
export function sumLeaves(e: TreeEnsemble, row: ArrayLike<number>): number {
  const { roots, feature, threshold, left, right, value } = e;
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
  return sum;
}

/**
 * Adds to `out[f]` the change in node value at every split on feature f along `row`'s path, in every tree;
 * returns the bias (Σ root values). bias + Σ out = sumLeaves(e, row) up to rounding.
 */
export function addContributions(e: TreeEnsemble, row: ArrayLike<number>, out: Float64Array, scale = 1): number {
  const { roots, feature, threshold, left, right, value } = e;
  let bias = 0;
  for (let t = 0; t < roots.length; t++) {
    let node = roots[t] as number;
    bias += value[node] as number;
    let f = feature[node] as number;
    while (f >= 0) {
      const next = (row[f] as number) > (threshold[node] as number) ? (right[node] as number) : (left[node] as number);
      out[f] = (out[f] as number) + scale * ((value[next] as number) - (value[node] as number));
      node = next;
      f = feature[node] as number;
    }
  }
  return bias * scale;
}

/** Grows an ensemble node by node; `splitBin` is kept only while training (to route binned rows). */
export class EnsembleBuilder {
  readonly roots: number[] = [];
  readonly feature: number[] = [];
  readonly threshold: number[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly value: number[] = [];
  readonly splitBin: number[] = [];

  addNode(value: number): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(value);
    this.splitBin.push(0);
    return this.feature.length - 1;
  }

  /** The leaf value a binned row reaches in the tree rooted at `root`. */
  leafValueBinned(root: number, data: BinnedRows, r: number): number {
    let node = root;
    const base = r * data.features;
    while ((this.feature[node] as number) >= 0) {
      const f = this.feature[node] as number;
      node =
        (data.bins[base + f] as number) > (this.splitBin[node] as number)
          ? (this.right[node] as number)
          : (this.left[node] as number);
    }
    return this.value[node] as number;
  }

  build(): TreeEnsemble {
    return {
      roots: Int32Array.from(this.roots),
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
    };
  }
}

export interface GrowOptions {
  readonly maxDepth: number;
  /** Minimum Σ hessian (a row count when hessians are 1) in each child. */
  readonly minChildWeight: number;
  /** L2 penalty on node values (XGBoost's lambda). */
  readonly lambda: number;
  /** Minimum gain of a split. */
  readonly minGain: number;
  /** Node value = valueScale · G / (H + lambda). */
  readonly valueScale: number;
  /** Features this tree may use, ascending. */
  readonly features: Int32Array;
  /** When > 0, each split considers only this many features drawn from `features` (random-forest style). */
  readonly featuresPerSplit: number;
  readonly random: () => number;
  /** Called for every leaf with the idx range of the rows that reached it. */
  readonly onLeaf?: (node: number, start: number, end: number) => void;
}

/**
 * Grows one tree on histograms of gradients and hessians over the rows `idx[0..count)` (reordered in place),
 * choosing at each node the split maximizing G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ). With g = label and
 * h = 1 that is the variance (Gini) reduction of a classification tree; with the logistic loss's g and h
 * it is XGBoost's gain. The smaller child's histogram is built, the larger one's is parent − smaller.
 * Adds each split's gain to `importance[f]`. Returns the root node.
 */
export function growTree(
  data: BinnedRows,
  grad: Float64Array,
  hess: Float64Array,
  idx: Uint32Array,
  count: number,
  options: GrowOptions,
  builder: EnsembleBuilder,
  importance: Float64Array,
): number {
  const F = data.features;
  const bins = data.bins;
  const nBins = data.edges.map((e) => e.length + 1);
  const offset = new Int32Array(F + 1);
  for (let f = 0; f < F; f++) offset[f + 1] = (offset[f] as number) + (nBins[f] as number);
  const histSize = 2 * (offset[F] as number);
  const pool: Float64Array[] = [];
  const take = (): Float64Array => {
    const h = pool.pop();
    if (h === undefined) return new Float64Array(histSize);
    h.fill(0);
    return h;
  };
  const feats = options.features;
  const { lambda, minChildWeight, valueScale } = options;

  const nFeats = feats.length;
  const featOffset = Int32Array.from(feats, (f) => offset[f] as number);
  const fillHist = (hist: Float64Array, start: number, end: number): void => {
    for (let k = start; k < end; k++) {
      const r = idx[k] as number;
      const g = grad[r] as number;
      const h = hess[r] as number;
      const base = r * F;
      for (let j = 0; j < nFeats; j++) {
        const p = ((featOffset[j] as number) + (bins[base + (feats[j] as number)] as number)) << 1;
        hist[p] = (hist[p] as number) + g;
        hist[p + 1] = (hist[p + 1] as number) + h;
      }
    }
  };
  const leaf = (node: number, hist: Float64Array, start: number, end: number): number => {
    pool.push(hist);
    options.onLeaf?.(node, start, end);
    return node;
  };

  const candidates = new Int32Array(feats.length);
  const grow = (hist: Float64Array, start: number, end: number, G: number, H: number, depth: number): number => {
    const node = builder.addNode((valueScale * G) / (H + lambda));
    if (depth >= options.maxDepth || end - start < 2 || H < 2 * minChildWeight) return leaf(node, hist, start, end);
    let nCand = feats.length;
    candidates.set(feats);
    if (options.featuresPerSplit > 0 && options.featuresPerSplit < nCand) {
      for (let i = 0; i < options.featuresPerSplit; i++) {
        const j = i + randomInt(options.random, nCand - i);
        const t = candidates[i] as number;
        candidates[i] = candidates[j] as number;
        candidates[j] = t;
      }
      nCand = options.featuresPerSplit;
    }
    const parentScore = (G * G) / (H + lambda);
    let bestGain = options.minGain;
    let bestF = -1;
    let bestB = -1;
    let bestGL = 0;
    let bestHL = 0;
    for (let c = 0; c < nCand; c++) {
      const f = candidates[c] as number;
      const o = 2 * (offset[f] as number);
      const nb = nBins[f] as number;
      let GL = 0;
      let HL = 0;
      for (let b = 0; b < nb - 1; b++) {
        GL += hist[o + 2 * b] as number;
        HL += hist[o + 2 * b + 1] as number;
        if (HL < minChildWeight) continue;
        const HR = H - HL;
        if (HR < minChildWeight) break;
        const GR = G - GL;
        const gain = (GL * GL) / (HL + lambda) + (GR * GR) / (HR + lambda) - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          bestF = f;
          bestB = b;
          bestGL = GL;
          bestHL = HL;
        }
      }
    }
    if (bestF < 0) return leaf(node, hist, start, end);
    importance[bestF] = (importance[bestF] as number) + bestGain;
    // Partition idx[start..end) into bin <= bestB (left) and the rest.
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if ((bins[(idx[i] as number) * F + bestF] as number) <= bestB) i++;
      else {
        const t = idx[i] as number;
        idx[i] = idx[j] as number;
        idx[j] = t;
        j--;
      }
    }
    const mid = i;
    const small = take();
    const leftSmaller = mid - start <= end - mid;
    if (leftSmaller) fillHist(small, start, mid);
    else fillHist(small, mid, end);
    for (let p = 0; p < histSize; p++) hist[p] = (hist[p] as number) - (small[p] as number);
    const leftHist = leftSmaller ? small : hist;
    const rightHist = leftSmaller ? hist : small;
    builder.feature[node] = bestF;
    builder.threshold[node] = (data.edges[bestF] as Float64Array)[bestB] as number;
    builder.splitBin[node] = bestB;
    builder.left[node] = grow(leftHist, start, mid, bestGL, bestHL, depth + 1);
    builder.right[node] = grow(rightHist, mid, end, G - bestGL, H - bestHL, depth + 1);
    return node;
  };

  const rootHist = take();
  fillHist(rootHist, 0, count);
  let G = 0;
  let H = 0;
  for (let k = 0; k < count; k++) {
    const r = idx[k] as number;
    G += grad[r] as number;
    H += hess[r] as number;
  }
  const root = grow(rootHist, 0, count, G, H, 0);
  builder.roots.push(root);
  return root;
}
