/**
 * Binary-classification metrics: pure functions over labels (1 = positive), scores (higher = more positive)
 * and optional non-negative sample weights (e.g. 56.98 per negative for a population-weighted PR-AUC on an
 * undersampled set). Decisions are always `score >= threshold`.
 */

export type Labels = ArrayLike<number>;
export type Scores = ArrayLike<number>;
export type Weights = ArrayLike<number> | undefined;

/** Distinct score levels, highest first, with the weighted positives and negatives at each level. */
interface Levels {
  readonly score: Float64Array;
  readonly pos: Float64Array;
  readonly neg: Float64Array;
  readonly totalPos: number;
  readonly totalNeg: number;
}

function levels(labels: Labels, scores: Scores, weights: Weights): Levels {
  const n = labels.length;
  if (scores.length !== n) throw new RangeError(`labels (${n}) and scores (${scores.length}) differ in length`);
  if (weights !== undefined && weights.length !== n) throw new RangeError('weights differ in length from labels');
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    if (Number.isNaN(scores[i])) throw new RangeError(`score ${i} is NaN`);
  }
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  const score: number[] = [];
  const pos: number[] = [];
  const neg: number[] = [];
  let totalPos = 0;
  let totalNeg = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const s = scores[i] as number;
    const w = weights === undefined ? 1 : (weights[i] as number);
    if (score.length === 0 || score[score.length - 1] !== s) {
      score.push(s);
      pos.push(0);
      neg.push(0);
    }
    const last = score.length - 1;
    if (labels[i] === 1) {
      pos[last] = (pos[last] as number) + w;
      totalPos += w;
    } else {
      neg[last] = (neg[last] as number) + w;
      totalNeg += w;
    }
  }
  return {
    score: Float64Array.from(score),
    pos: Float64Array.from(pos),
    neg: Float64Array.from(neg),
    totalPos,
    totalNeg,
  };
}

/** ROC-AUC as the Mann–Whitney statistic: P(score of a positive > score of a negative), ties count one half. */
export function rocAuc(labels: Labels, scores: Scores, weights?: Weights): number {
  const lv = levels(labels, scores, weights);
  if (lv.totalPos === 0 || lv.totalNeg === 0) return Number.NaN;
  // Walk from the lowest score up: negatives strictly below each level, plus half of the tied ones.
  let negBelow = 0;
  let sum = 0;
  for (let k = lv.score.length - 1; k >= 0; k--) {
    const p = lv.pos[k] as number;
    const q = lv.neg[k] as number;
    sum += p * (negBelow + q / 2);
    negBelow += q;
  }
  return sum / (lv.totalPos * lv.totalNeg);
}

/** PR-AUC as average precision (scikit-learn's definition): Σ (R_k − R_{k−1}) · P_k over distinct thresholds. */
export function prAuc(labels: Labels, scores: Scores, weights?: Weights): number {
  const lv = levels(labels, scores, weights);
  if (lv.totalPos === 0) return Number.NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (let k = 0; k < lv.score.length; k++) {
    const p = lv.pos[k] as number;
    tp += p;
    fp += lv.neg[k] as number;
    if (p > 0) ap += (p / lv.totalPos) * (tp / (tp + fp));
  }
  return ap;
}

/** Keeps at most `maxPoints` points, evenly spaced along the curve, always with both ends. */
function downsample(points: [number, number][], maxPoints: number): [number, number][] {
  if (points.length <= maxPoints || maxPoints < 2) return points;
  const out: [number, number][] = [];
  const step = (points.length - 1) / (maxPoints - 1);
  let prev = -1;
  for (let j = 0; j < maxPoints; j++) {
    const i = j === maxPoints - 1 ? points.length - 1 : Math.round(j * step);
    if (i !== prev) out.push(points[i] as [number, number]);
    prev = i;
  }
  return out;
}

export interface CurveOptions {
  readonly weights?: Weights;
  /** Default 200. */
  readonly maxPoints?: number;
}

/** ROC curve as [fpr, tpr] points from (0, 0) to (1, 1), one per distinct threshold, downsampled for reports. */
export function rocCurve(labels: Labels, scores: Scores, options: CurveOptions = {}): [number, number][] {
  const lv = levels(labels, scores, options.weights);
  const points: [number, number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < lv.score.length; k++) {
    tp += lv.pos[k] as number;
    fp += lv.neg[k] as number;
    points.push([lv.totalNeg === 0 ? 0 : fp / lv.totalNeg, lv.totalPos === 0 ? 0 : tp / lv.totalPos]);
  }
  return downsample(points, options.maxPoints ?? 200);
}

/** Precision–recall curve as [recall, precision] points, from the highest threshold down, downsampled. */
export function prCurve(labels: Labels, scores: Scores, options: CurveOptions = {}): [number, number][] {
  const lv = levels(labels, scores, options.weights);
  const points: [number, number][] = [[0, 1]];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < lv.score.length; k++) {
    tp += lv.pos[k] as number;
    fp += lv.neg[k] as number;
    points.push([lv.totalPos === 0 ? 0 : tp / lv.totalPos, tp + fp === 0 ? 1 : tp / (tp + fp)]);
  }
  return downsample(points, options.maxPoints ?? 200);
}

/** The smallest float above x (for a threshold that flags nothing). */
function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Number.POSITIVE_INFINITY) return x;
  if (x === 0) return Number.MIN_VALUE;
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  b[0] = (b[0] as bigint) + (x > 0 ? 1n : -1n);
  return f[0] as number;
}

/**
 * The lowest threshold t (a score present in the data) whose false-positive rate, P(score >= t | negative),
 * is at most `targetFpr`; when even the highest score exceeds it, the float just above the highest score
 * (nothing is flagged).
 */
export function thresholdForFpr(labels: Labels, scores: Scores, targetFpr: number, weights?: Weights): number {
  const lv = levels(labels, scores, weights);
  if (lv.score.length === 0) return Number.POSITIVE_INFINITY;
  let fp = 0;
  let best = nextUp(lv.score[0] as number);
  for (let k = 0; k < lv.score.length; k++) {
    fp += lv.neg[k] as number;
    const fpr = lv.totalNeg === 0 ? 0 : fp / lv.totalNeg;
    if (fpr > targetFpr + 1e-12) break;
    best = lv.score[k] as number;
  }
  return best;
}

/** Confusion counts (weighted) of the decision `score >= threshold`. */
export function confusionAt(
  labels: Labels,
  scores: Scores,
  threshold: number,
  weights?: Weights,
): { tp: number; fp: number; tn: number; fn: number } {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const w = weights === undefined ? 1 : (weights[i] as number);
    const flagged = (scores[i] as number) >= threshold;
    if (labels[i] === 1) {
      if (flagged) tp += w;
      else fn += w;
    } else if (flagged) fp += w;
    else tn += w;
  }
  return { tp, fp, tn, fn };
}

/** Recall of `score >= threshold`. */
export function recallAtThreshold(labels: Labels, scores: Scores, threshold: number, weights?: Weights): number {
  const c = confusionAt(labels, scores, threshold, weights);
  return c.tp + c.fn === 0 ? Number.NaN : c.tp / (c.tp + c.fn);
}

/** False-positive rate of `score >= threshold`. */
export function fprAtThreshold(labels: Labels, scores: Scores, threshold: number, weights?: Weights): number {
  const c = confusionAt(labels, scores, threshold, weights);
  return c.fp + c.tn === 0 ? Number.NaN : c.fp / (c.fp + c.tn);
}

/** Precision of `score >= threshold`; 0 when nothing is flagged. */
export function precisionAtThreshold(labels: Labels, scores: Scores, threshold: number, weights?: Weights): number {
  const c = confusionAt(labels, scores, threshold, weights);
  return c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
}

/** Recall reached at the threshold chosen by `thresholdForFpr` (false-positive rate at most `targetFpr`). */
export function recallAtFpr(labels: Labels, scores: Scores, targetFpr: number, weights?: Weights): number {
  return recallAtThreshold(labels, scores, thresholdForFpr(labels, scores, targetFpr, weights), weights);
}

/** Accuracy of `score >= threshold`. */
export function accuracy(labels: Labels, scores: Scores, threshold = 0.5, weights?: Weights): number {
  const c = confusionAt(labels, scores, threshold, weights);
  const total = c.tp + c.fp + c.tn + c.fn;
  return total === 0 ? Number.NaN : (c.tp + c.tn) / total;
}

/**
 * Expected calibration error: `bins` equal-width probability bins over [0, 1] (1 falls in the last),
 * Σ_b (W_b / W) · |mean label_b − mean probability_b|.
 */
export function expectedCalibrationError(labels: Labels, probabilities: Scores, bins = 10, weights?: Weights): number {
  const w = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i] as number;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability ${i} is ${p}, outside [0, 1]`);
    const b = Math.min(bins - 1, Math.floor(p * bins));
    const wi = weights === undefined ? 1 : (weights[i] as number);
    w[b] = (w[b] as number) + wi;
    sumY[b] = (sumY[b] as number) + wi * (labels[i] === 1 ? 1 : 0);
    sumP[b] = (sumP[b] as number) + wi * p;
    total += wi;
  }
  if (total === 0) return Number.NaN;
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const wb = w[b] as number;
    if (wb > 0) ece += (wb / total) * Math.abs((sumY[b] as number) / wb - (sumP[b] as number) / wb);
  }
  return ece;
}
