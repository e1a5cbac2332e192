-- Alerts (payments-core/monitoring/): one row per incident of a rule, opened when the rule crosses its
-- warning or critical threshold and resolved when it is clear again. At most one open alert per rule: the
-- evaluate-alerts job holds a lease (one run at a time) and escalates / de-escalates the open row instead of
-- opening another; `open_rule` (the rule while open, NULL once resolved) makes a second open row impossible.

CREATE TABLE alerts (
  id               VARCHAR PRIMARY KEY,
  rule             VARCHAR NOT NULL,           -- payment_failure_rate | api_latency_p95 | api_error_rate
  open_rule        VARCHAR UNIQUE,             -- = rule while open; NULL when resolved
  status           VARCHAR NOT NULL,           -- open | resolved
  severity         VARCHAR NOT NULL,           -- warning | critical (current, or last before resolving)
  peak_severity    VARCHAR NOT NULL,           -- the highest severity the incident reached
  value            DOUBLE PRECISION NOT NULL,            -- the measured value at the last evaluation that alerted
  threshold        DOUBLE PRECISION NOT NULL,            -- the threshold of `severity` it crossed
  samples          INTEGER NOT NULL,           -- payments or requests in the window
  window_seconds   INTEGER NOT NULL,
  summary          VARCHAR NOT NULL,
  opened_at        TIMESTAMPTZ NOT NULL,
  updated_at       TIMESTAMPTZ NOT NULL,
  resolved_at      TIMESTAMPTZ
);

-- The history of each alert: opened, escalated, deescalated, resolved.
CREATE TABLE alert_events (
  alert_id   VARCHAR NOT NULL,
  seq        INTEGER NOT NULL,
  kind       VARCHAR NOT NULL,
  severity   VARCHAR NOT NULL,
  value      DOUBLE PRECISION,
  samples    INTEGER,
  occurred_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (alert_id, seq)
);
