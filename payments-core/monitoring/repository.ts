// SQL of monitoring: state gauges read at scrape time, the payment failure rate of a window, and alerts.
// Concurrency: one open alert per rule is the unique key `open_rule`; an open alert changes only under a
// `WHERE status = 'open'` guard; alert_events' seq is its primary key (alert_id, seq), so a racing writer fails; an
// alert raised by an event (`RAISE_ALERT`) upserts on `open_rule`, so the second of two racing raisers waits for the
// first's row lock and updates the one open alert.
// The evaluate-alerts job runs under its lease, one run at a time.

/** Items the retry queue still has to work on, by state (terminal states are not queue depth). */
export const RETRY_QUEUE_DEPTH = `
SELECT state, count(*)::BIGINT AS n FROM retry_items
WHERE state IN ('scheduled', 'processing', 'requires_authentication')
GROUP BY state`;

/** Webhook events stored but not applied yet: how many, and when the oldest arrived. */
export const UNPROCESSED_WEBHOOKS = `
SELECT count(*)::BIGINT AS n, min(received_at) AS oldest FROM webhook_events WHERE status = 'received'`;

/** Whether a table exists (dunning_cases came with migration 009, written beside this code: guarded). */
export const TABLE_EXISTS = `
SELECT count(*)::BIGINT AS n FROM information_schema.tables
WHERE table_name = CAST($name AS VARCHAR) AND table_schema = current_schema()`;

/**
 * Per consumer of the payments change feed (`feed_cursors`): the age of the oldest change it has not read, in the
 * database's time (when the change was written, migration 042); null when it has read everything.
 */
export const PAYMENT_FEED_LAG = `
SELECT f.name, extract(epoch FROM (now() - o.changed_at))::float8 AS lag_seconds
FROM feed_cursors f
LEFT JOIN LATERAL (
  SELECT c.changed_at FROM payment_changes c WHERE (c.xid, c.seq) > (f.xid, f.seq) ORDER BY c.xid, c.seq LIMIT 1
) o ON true
ORDER BY f.name`;

/** Dunning cases still chasing a payment (status `open`; then recovered | exhausted | cancelled, 009_dunning.sql). */
export const OPEN_DUNNING_CASES = `SELECT count(*)::BIGINT AS n FROM dunning_cases WHERE status = 'open'`;

/** Open disputes whose respond-by date is before `$until` (past due ones included: still unanswered). */
export const DISPUTES_DUE = `
SELECT count(*)::BIGINT AS n, min(respond_by) AS first_due FROM disputes WHERE status = 'open' AND respond_by < $until`;

/** Installment plans suspended by a dead-lettered installment (the gauge of the installment_plans_suspended rule). */
export const SUSPENDED_PLANS = `SELECT count(*)::BIGINT AS n FROM installment_plans WHERE status = 'suspended'`;

/**
 * Payments created in the window whose outcome is known: failed by a decline, or authorised / captured.
 * A payment blocked by the fraud screen is the screen working, not the payment system failing: not counted.
 */
export const PAYMENT_OUTCOMES_IN_WINDOW = `
SELECT count(*)::BIGINT AS finished,
       count(*) FILTER (WHERE status = 'failed')::BIGINT AS failed
FROM payments
WHERE created_at > $since AND created_at <= $until
  AND status IN ('authorized', 'captured', 'failed')
  AND coalesce(error_code, '') <> 'payment_blocked_by_risk'`;

const ALERT_COLUMNS = `
SELECT 'alert' AS object, t.id, t.rule, t.status, t.severity, t.peak_severity, t.value, t.threshold, t.samples,
       t.window_seconds, t.summary, t.opened_at, t.updated_at, t.resolved_at
FROM alerts t`;

/** For listPage: `{where}` is the caller's constant filter. */
export const ALERT_PAGE = `${ALERT_COLUMNS} {where}`;
export const OPEN_ALERTS = `${ALERT_COLUMNS} WHERE t.status = 'open'`;
export const ALERT_BY_ID = `${ALERT_COLUMNS} WHERE t.id = $id`;
export const EVENTS_OF_ALERT = `
SELECT seq, kind, severity, value, samples, occurred_at AS "at" FROM alert_events WHERE alert_id = $id ORDER BY seq`;

export const INSERT_ALERT = `
INSERT INTO alerts (id, rule, open_rule, status, severity, peak_severity, value, threshold, samples, window_seconds,
                    summary, opened_at, updated_at, resolved_at)
VALUES ($id, $rule, $rule, 'open', $severity, $severity, $value, $threshold, $samples, $window_seconds,
        $summary, $at, $at, NULL)`;

/**
 * Opens the rule's alert, or (one is open) brings its value, samples and summary up to date; severity changes stay
 * with the evaluate-alerts job. `opened` says which.
 */
export const RAISE_ALERT = `
INSERT INTO alerts (id, rule, open_rule, status, severity, peak_severity, value, threshold, samples, window_seconds,
                    summary, opened_at, updated_at, resolved_at)
VALUES ($id, $rule, $rule, 'open', $severity, $severity, $value, $threshold, $samples, $window_seconds,
        $summary, $at, $at, NULL)
ON CONFLICT (open_rule) DO UPDATE SET value = EXCLUDED.value, samples = EXCLUDED.samples, summary = EXCLUDED.summary,
  updated_at = EXCLUDED.updated_at
RETURNING id, severity, (xmax = 0) AS opened`;

/** Escalation raises peak_severity; de-escalation leaves it. */
export const UPDATE_OPEN_ALERT = `
UPDATE alerts SET severity = $severity,
       peak_severity = CASE WHEN CAST($severity AS VARCHAR) = 'critical' THEN 'critical' ELSE peak_severity END,
       value = $value, threshold = $threshold, samples = $samples, summary = $summary, updated_at = $at
WHERE id = $id AND status = 'open'`;

export const RESOLVE_ALERT = `
UPDATE alerts SET status = 'resolved', open_rule = NULL, resolved_at = $at, updated_at = $at
WHERE id = $id AND status = 'open'`;

export const INSERT_ALERT_EVENT = `
INSERT INTO alert_events (alert_id, seq, kind, severity, value, samples, occurred_at)
SELECT CAST($alert_id AS VARCHAR), coalesce(max(seq), 0) + 1, CAST($kind AS VARCHAR), CAST($severity AS VARCHAR),
       CAST($value AS DOUBLE PRECISION), CAST($samples AS INTEGER), CAST($at AS TIMESTAMPTZ)
FROM alert_events WHERE alert_id = $alert_id`;

/** Fraud decisions in the window and how many blocked (the fraud_block_rate rule). */
export const FRAUD_DECISIONS_IN_WINDOW = `
SELECT count(*)::BIGINT AS decided, count(*) FILTER (WHERE decision = 'block')::BIGINT AS blocked
FROM fraud_decisions WHERE created_at > $since AND created_at <= $until`;

/**
 * The fraud champion's score reference (its test window's score deciles, models/score-reference.ts), read from the
 * registry's index (the models module owns and writes it; this only reads).
 */
export const FRAUD_CHAMPION_REFERENCE = `
SELECT id, metrics FROM models WHERE task = 'fraud' AND state = 'champion'`;

/** The champion's live scores in the drift window (shadow and canary scores are other models'). */
export const LIVE_FRAUD_SCORES = `
SELECT score FROM fraud_decisions
WHERE created_at > $since AND created_at <= $until AND model_version = $version AND score IS NOT NULL`;

/** Runs of the churn-report job that failed after its last success. */
export const CHURN_REPORT_FAILURES = `
SELECT count(*)::BIGINT AS n, max(started_at) AS last_failed_at FROM job_runs
WHERE job = 'churn-report' AND status = 'failed'
  AND started_at > coalesce((SELECT max(started_at) FROM job_runs WHERE job = 'churn-report' AND status = 'succeeded'),
                            '-infinity'::timestamptz)`;
