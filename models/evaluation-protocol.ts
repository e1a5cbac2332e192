import { seededRandom } from '../platform/random.js';
import { confusionAt, type Labels, prAuc, rocAuc, type Scores, type Weights } from './metrics.js';

/**
 * The one evaluation protocol for kosh's models. Rows are put in time order (ties by id) and cut into three
 * windows: train (oldest), calibration, test (newest). The model learns on train; the calibrator and every
 * threshold are fitted on calibration; every reported metric comes from the test window, which nothing was fitted
 * on. Each metric carries a seeded, stratified bootstrap 95 % interval (positives and negatives resampled apart,
 * so every resample keeps the window's class balance).
 */
export const EVALUATION_PROTOCOL = {
  name: 'time-ordered-train-calibration-test-v1',
  description:
    'Time-ordered split: train (oldest) / calibration / test (newest). The calibrator and the thresholds are fitted ' +
    'on calibration only; every metric is measured on the untouched test window, with a seeded stratified ' +
    'bootstrap 95 % interval.',
  bootstrapResamples: 500,
  bootstrapSeed: 20_240_601,
  level: 0.95,
} as const;

export interface TimeSplit {
  /** Row indices of each window, in time order. */
  readonly train: number[];
  readonly calibration: number[];
  readonly test: number[];
  /** The first instant of the calibration and the test window (`to` when a window is empty). */
  readonly calibrationFrom: Date;
  readonly testFrom: Date;
}

/**
 * Cuts rows into train / calibration / test by time: the newest `testShare` tests, the `calibrationShare` before it
 * calibrates, the rest trains. Every train row is no later than every calibration row, and every calibration row no
 * later than every test row; no row is in two windows.
 */
export function splitTrainCalibrationTest(
  rows: { readonly at: readonly Date[]; readonly ids: readonly string[] },
  shares: { readonly calibration: number; readonly test: number },
  to: Date,
): TimeSplit {
  if (!(shares.calibration > 0 && shares.test > 0 && shares.calibration + shares.test < 1))
    throw new RangeError('calibration and test shares must be positive and leave rows to train on');
  const order = rows.ids.map((_, i) => i);
  order.sort(
    (a, b) =>
      (rows.at[a] as Date).getTime() - (rows.at[b] as Date).getTime() ||
      ((rows.ids[a] as string) < (rows.ids[b] as string) ? -1 : 1),
  );
  const n = order.length;
  const testCut = n - Math.round(n * shares.test);
  const calibrationCut = testCut - Math.round(n * shares.calibration);
  const from = (i: number | undefined) => (i === undefined ? to : (rows.at[i] as Date));
  return {
    train: order.slice(0, calibrationCut),
    calibration: order.slice(calibrationCut, testCut),
    test: order.slice(testCut),
    calibrationFrom: from(order[calibrationCut]),
    testFrom: from(order[testCut]),
  };
}

/** A point estimate with its bootstrap interval. */
export interface Interval {
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
}

/**
 * A statistic and its stratified bootstrap percentile interval: each resample draws as many positives (with
 * replacement) from the positives and as many negatives from the negatives, expressed as integer weights. Seeded,
 * so the same data gives the same interval.
 */
export function bootstrapInterval(
  labels: Labels,
  scores: Scores,
  statistic: (labels: Labels, scores: Scores, weights: Weights) => number,
  options: { resamples?: number; seed?: number; level?: number } = {},
): Interval {
  const resamples = options.resamples ?? EVALUATION_PROTOCOL.bootstrapResamples;
  const random = seededRandom(options.seed ?? EVALUATION_PROTOCOL.bootstrapSeed);
  const level = options.level ?? EVALUATION_PROTOCOL.level;
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? pos : neg).push(i);
  const value = statistic(labels, scores, undefined);
  const draws: number[] = [];
  const weights = new Float64Array(labels.length);
  for (let r = 0; r < resamples; r++) {
    weights.fill(0);
    for (const group of [pos, neg])
      for (let k = 0; k < group.length; k++) {
        const i = group[Math.floor(random() * group.length)] as number;
        weights[i] = (weights[i] as number) + 1;
      }
    const v = statistic(labels, scores, weights);
    if (Number.isFinite(v)) draws.push(v);
  }
  if (draws.length === 0) return { value, lo: Number.NaN, hi: Number.NaN };
  draws.sort((a, b) => a - b);
  const q = (p: number) => draws[Math.min(draws.length - 1, Math.max(0, Math.floor(p * draws.length)))] as number;
  return { value, lo: q((1 - level) / 2), hi: q(1 - (1 - level) / 2) };
}

/** What the fraud model does on the test window at its block threshold, with intervals. */
export interface FraudTestEvaluation {
  readonly protocol: string;
  readonly rows: number;
  readonly frauds: number;
  readonly rocAuc: Interval;
  readonly prAuc: Interval;
  /** Of blocked payments, the share that were fraud. */
  readonly precision: Interval;
  /** Of frauds, the share blocked. */
  readonly recall: Interval;
  /** Of all test payments, the share blocked. */
  readonly blockRate: Interval;
  /** Of good (non-fraud) test payments, the share blocked. */
  readonly goodBlockRate: Interval;
  readonly fraudsBlocked: number;
  readonly goodBlocked: number;
  /** Paise of fraud blocked (the expected saving) against paise of good payments blocked (the cost to parents). */
  readonly fraudPaiseBlocked: number;
  readonly goodPaiseBlocked: number;
}

/**
 * Evaluates fraud scores on the test window: ROC-AUC and PR-AUC, and at `blockThreshold` (score ≥ threshold
 * blocks) precision, recall, block rate and the rupees at stake on each side, each with its bootstrap interval.
 */
export function evaluateFraudTest(
  test: { readonly labels: Labels; readonly scores: Scores; readonly amounts: ArrayLike<number> },
  blockThreshold: number,
  options: { resamples?: number; seed?: number } = {},
): FraudTestEvaluation {
  const { labels, scores, amounts } = test;
  if (amounts.length !== labels.length) throw new RangeError('amounts differ in length from labels');
  const at = (stat: (c: ReturnType<typeof confusionAt>) => number) => (y: Labels, s: Scores, w: Weights) =>
    stat(confusionAt(y, s, blockThreshold, w));
  const interval = (stat: (y: Labels, s: Scores, w: Weights) => number) =>
    bootstrapInterval(labels, scores, stat, options);
  let frauds = 0;
  let fraudsBlocked = 0;
  let goodBlocked = 0;
  let fraudPaiseBlocked = 0;
  let goodPaiseBlocked = 0;
  for (let i = 0; i < labels.length; i++) {
    const fraud = labels[i] === 1;
    const blocked = (scores[i] as number) >= blockThreshold;
    if (fraud) frauds++;
    if (!blocked) continue;
    if (fraud) {
      fraudsBlocked++;
      fraudPaiseBlocked += amounts[i] as number;
    } else {
      goodBlocked++;
      goodPaiseBlocked += amounts[i] as number;
    }
  }
  return {
    protocol: EVALUATION_PROTOCOL.name,
    rows: labels.length,
    frauds,
    rocAuc: interval(rocAuc),
    prAuc: interval(prAuc),
    precision: interval(at((c) => (c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp)))),
    recall: interval(at((c) => (c.tp + c.fn === 0 ? Number.NaN : c.tp / (c.tp + c.fn)))),
    blockRate: interval(at((c) => (c.tp + c.fp) / (c.tp + c.fp + c.tn + c.fn))),
    goodBlockRate: interval(at((c) => (c.fp + c.tn === 0 ? Number.NaN : c.fp / (c.fp + c.tn)))),
    fraudsBlocked,
    goodBlocked,
    fraudPaiseBlocked,
    goodPaiseBlocked,
  };
}
