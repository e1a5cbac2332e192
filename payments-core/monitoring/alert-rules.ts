import type { AlertRuleName, AlertSettings, AlertSeverity } from './types.js';

/**
 * The product's alert thresholds. A rule fires when its value is strictly above a threshold: critical above
 * `critical`, else warning above `warning`. Below the minimum sample size a rule is not judged (one failure
 * out of two payments is not an incident), which counts as clear.
 */
export interface AlertRule {
  readonly name: AlertRuleName;
  readonly title: string;
  /** `count`: a state gauge (how many right now), judged at each evaluation rather than over the window. */
  readonly unit: 'ratio' | 'seconds' | 'count' | 'index';
  readonly warning: number;
  readonly critical: number;
  readonly minSamples: (settings: AlertSettings) => number;
  readonly sampleNoun: string;
}

export const ALERT_RULES: readonly AlertRule[] = [
  {
    name: 'payment_failure_rate',
    title: 'Payment failure rate',
    unit: 'ratio',
    warning: 0.005,
    critical: 0.01,
    minSamples: (s) => s.minPayments,
    sampleNoun: 'payments',
  },
  {
    name: 'api_latency_p95',
    title: 'API p95 latency',
    unit: 'seconds',
    warning: 2,
    critical: 5,
    minSamples: (s) => s.minRequests,
    sampleNoun: 'requests',
  },
  {
    name: 'api_error_rate',
    title: 'API error rate (5xx)',
    unit: 'ratio',
    warning: 0.001,
    critical: 0.005,
    minSamples: (s) => s.minRequests,
    sampleNoun: 'requests',
  },
  {
    // Each suspended plan waits for an operator (requeue its dead-lettered retry) or the parent: one is news.
    name: 'installment_plans_suspended',
    title: 'Installment plans suspended',
    unit: 'count',
    warning: 0,
    critical: 9,
    minSamples: () => 0,
    sampleNoun: 'plans',
  },
  {
    // The live demo model blocks 0.05 % of ordinary payments; frauds are rarer than 1 in 100. Above 1 % the model
    // (or an attack) is stopping parents, and someone should look.
    name: 'fraud_block_rate',
    title: 'Fraud screen block rate',
    unit: 'ratio',
    warning: 0.01,
    critical: 0.03,
    minSamples: (s) => s.minPayments,
    sampleNoun: 'fraud decisions',
  },
  {
    // Population stability index of the champion's live scores (last 24 h) against its test window: the usual
    // reading is < 0.1 stable, 0.1–0.25 shifting, > 0.25 a different population than the model was judged on.
    name: 'fraud_score_drift',
    title: 'Fraud score drift (PSI, 24 h vs the training test window)',
    unit: 'index',
    warning: 0.1,
    critical: 0.25,
    minSamples: () => SCORE_DRIFT_MIN_SCORES,
    sampleNoun: 'live scores',
  },
  {
    // The nightly churn report failed since its last success: operators act on a stale list.
    name: 'churn_report_failed',
    title: 'Churn report runs failed since the last success',
    unit: 'count',
    warning: 0,
    critical: 2,
    minSamples: () => 0,
    sampleNoun: 'runs',
  },
  {
    // An open dispute not answered by its respond-by date is lost by default (Razorpay: "Missing this window results
    // in an automatic loss of the chargeback"); one due within a day needs someone to accept or contest it now.
    name: 'disputes_due',
    title: 'Open disputes due within 24 h',
    unit: 'count',
    warning: 0,
    critical: 4,
    minSamples: () => 0,
    sampleNoun: 'disputes',
  },
];

/** How far ahead of its respond-by date an open dispute counts towards `disputes_due`. */
export const DISPUTE_DUE_WITHIN_MS = 24 * 3_600_000;

/** Fewer live scores than this in the drift window and PSI is not judged (its bins would be mostly empty). */
export const SCORE_DRIFT_MIN_SCORES = 200;

/** What a rule measured over the window: the value (null without samples) and how many samples it rests on. */
export interface Measurement {
  readonly value: number | null;
  readonly samples: number;
  /** e.g. "3 of 120 payments failed". */
  readonly detail: string;
}

export interface Verdict {
  readonly rule: AlertRule;
  readonly measurement: Measurement;
  /** Null: clear, or not enough samples to judge. */
  readonly severity: AlertSeverity | null;
  readonly threshold: number | null;
  readonly judged: boolean;
}

export function judge(rule: AlertRule, m: Measurement, settings: AlertSettings): Verdict {
  const judged = m.value !== null && m.samples >= rule.minSamples(settings);
  if (!judged || m.value === null) return { rule, measurement: m, severity: null, threshold: null, judged };
  if (m.value > rule.critical) return { rule, measurement: m, severity: 'critical', threshold: rule.critical, judged };
  if (m.value > rule.warning) return { rule, measurement: m, severity: 'warning', threshold: rule.warning, judged };
  return { rule, measurement: m, severity: null, threshold: null, judged };
}

export function formatValue(rule: AlertRule, value: number): string {
  if (rule.unit === 'count') return String(value);
  if (rule.unit === 'index') return value.toFixed(3);
  return rule.unit === 'ratio' ? `${(value * 100).toFixed(2)} %` : `${value.toFixed(2)} s`;
}

export function describeVerdict(v: Verdict, windowMs: number): string {
  const minutes = Math.round(windowMs / 60_000);
  const value = v.measurement.value === null ? 'no data' : formatValue(v.rule, v.measurement.value);
  const over =
    v.severity === null || v.threshold === null ? '' : ` > ${formatValue(v.rule, v.threshold)} (${v.severity})`;
  if (v.rule.unit === 'count' || v.rule.unit === 'index')
    return `${v.rule.title} ${value}${over}: ${v.measurement.detail}`;
  return `${v.rule.title} ${value}${over} over the last ${minutes} min: ${v.measurement.detail}`;
}
