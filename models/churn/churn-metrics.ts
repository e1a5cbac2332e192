import type { Labels, Scores } from '../metrics.js';

export { accuracy, expectedCalibrationError, rocAuc } from '../metrics.js';

/** Mean binary cross-entropy, probabilities clipped to [1e-12, 1 − 1e-12]. */
export function logLoss(labels: Labels, probabilities: Scores): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, probabilities[i] as number));
    s -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return labels.length === 0 ? Number.NaN : s / labels.length;
}
