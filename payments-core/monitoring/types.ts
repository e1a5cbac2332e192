export type AlertRuleName =
  | 'payment_failure_rate'
  | 'api_latency_p95'
  | 'api_error_rate'
  | 'installment_plans_suspended'
  | 'fraud_block_rate'
  | 'fraud_score_drift'
  | 'churn_report_failed'
  | 'disputes_due';
export type AlertSeverity = 'warning' | 'critical';
export type AlertStatus = 'open' | 'resolved';

/** How alerts are evaluated (KOSH_ALERT_* in platform/config.ts). */
export interface AlertSettings {
  /** The sliding window every rule looks back over (default 5 min). */
  readonly windowMs: number;
  /** Fewer finished payments than this in the window: the failure rate is not judged (default 20). */
  readonly minPayments: number;
  /** Fewer API requests than this in the window: p95 and error rate are not judged (default 100). */
  readonly minRequests: number;
  /** A Slack-compatible incoming-webhook URL posted on raise, escalation and resolve; null = none. */
  readonly webhookUrl: string | null;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  windowMs: 5 * 60_000,
  minPayments: 20,
  minRequests: 100,
  webhookUrl: null,
};

export interface Alert {
  readonly object: 'alert';
  readonly id: string;
  readonly rule: AlertRuleName;
  readonly status: AlertStatus;
  readonly severity: AlertSeverity;
  readonly peak_severity: AlertSeverity;
  readonly value: number;
  readonly threshold: number;
  readonly samples: number;
  readonly window_seconds: number;
  readonly summary: string;
  readonly opened_at: Date;
  readonly updated_at: Date;
  readonly resolved_at: Date | null;
}

export interface AlertEvent {
  readonly seq: number;
  readonly kind: 'opened' | 'escalated' | 'deescalated' | 'resolved';
  readonly severity: AlertSeverity;
  readonly value: number | null;
  readonly samples: number | null;
  readonly at: Date;
}
