import { bootstrapInterval, EVALUATION_PROTOCOL, type Interval } from '../evaluation-protocol.js';
import { type Labels, rocAuc, type Scores } from '../metrics.js';

/**
 * The fair promotion gate: champion and challenger scored on the same fresh window that neither trained on (the
 * challenger's test window, cut to the rows after the champion's training window ended). The challenger passes
 * unless it is worse beyond doubt: the paired bootstrap 95 % interval of ROC-AUC(challenger) − ROC-AUC(champion)
 * lies wholly below zero. With too few positives in the fresh window the gate refuses to judge.
 */
export const PROMOTION_GATE = {
  metric: 'roc_auc_difference',
  /** Fewer positives than this in the fresh window and no verdict is given (an AUC on a handful is noise). */
  minPositives: 10,
  minNegatives: 10,
} as const;

export interface GateWindow {
  readonly from: Date;
  readonly to: Date;
}

/** The comparison the gate made, kept in the promotion event. */
export interface PromotionGate {
  readonly metric: typeof PROMOTION_GATE.metric;
  /** Rows at or after `validation_from` and before `validation_to`: the challenger's test window after the champion's data. */
  readonly validation_from: Date;
  readonly validation_to: Date;
  readonly rows: number;
  readonly positives: number;
  /** ROC-AUC of each model on the fresh window. */
  readonly candidate: number;
  readonly champion: number;
  /** candidate − champion, with its paired bootstrap interval (both models scored on the same resampled rows). */
  readonly difference: Interval;
  readonly resamples: number;
  readonly passed: boolean;
}

/** Why the gate would not judge: too little fresh data. */
export interface GateRefusal {
  readonly refused: true;
  readonly reason: string;
  readonly rows: number;
  readonly positives: number;
}

/**
 * The window both models may be judged on: the challenger's test window [`validationFrom`, `trainTo`), starting no
 * earlier than the end of the champion's data (`championTrainTo`), which it trained, calibrated and tested on.
 */
export function freshGateWindow(
  challenger: { readonly validation_from: Date; readonly train_to: Date },
  champion: { readonly train_to: Date },
): GateWindow {
  const from = new Date(Math.max(challenger.validation_from.getTime(), champion.train_to.getTime()));
  return { from, to: challenger.train_to };
}

/**
 * Paired stratified bootstrap of the ROC-AUC difference: each resample draws the same rows for both models, so the
 * interval reflects the models' difference rather than the sampling noise of each window.
 */
export function pairedAucDifference(
  labels: Labels,
  challenger: Scores,
  champion: Scores,
  options: { resamples?: number; seed?: number } = {},
): Interval {
  if (challenger.length !== labels.length || champion.length !== labels.length)
    throw new RangeError('both models must be scored on every row');
  return bootstrapInterval(labels, challenger, (y, s, w) => rocAuc(y, s, w) - rocAuc(y, champion, w), options);
}

/**
 * Judges a challenger against the champion on the same fresh rows. Returns a refusal when the window holds fewer than
 * `minPositives` positives (or `minNegatives` negatives); otherwise the gate, passed unless the whole interval of the
 * difference lies below zero.
 */
export function judgePromotion(
  fresh: {
    readonly labels: Labels;
    readonly challenger: Scores;
    readonly champion: Scores;
    readonly window: GateWindow;
  },
  options: { resamples?: number; seed?: number; minPositives?: number } = {},
): PromotionGate | GateRefusal {
  const { labels } = fresh;
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) positives++;
  const negatives = labels.length - positives;
  const minPositives = options.minPositives ?? PROMOTION_GATE.minPositives;
  if (positives < minPositives || negatives < PROMOTION_GATE.minNegatives)
    return {
      refused: true,
      reason:
        `the fresh window ${fresh.window.from.toISOString()} → ${fresh.window.to.toISOString()} (the challenger's test window ` +
        `after the champion's data ended) holds ${labels.length} rows with ${positives} positives and ${negatives} negatives; ` +
        `the gate needs at least ${minPositives} and ${PROMOTION_GATE.minNegatives} to judge`,
      rows: labels.length,
      positives,
    };
  const resamples = options.resamples ?? EVALUATION_PROTOCOL.bootstrapResamples;
  const difference = pairedAucDifference(labels, fresh.challenger, fresh.champion, {
    resamples,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  return {
    metric: PROMOTION_GATE.metric,
    validation_from: fresh.window.from,
    validation_to: fresh.window.to,
    rows: labels.length,
    positives,
    candidate: rocAuc(labels, fresh.challenger),
    champion: rocAuc(labels, fresh.champion),
    difference,
    resamples,
    // Not worse within the interval: promote unless even its upper end says the challenger ranks worse.
    passed: !(difference.hi < 0),
  };
}

export const isRefusal = (g: PromotionGate | GateRefusal): g is GateRefusal => 'refused' in g;
