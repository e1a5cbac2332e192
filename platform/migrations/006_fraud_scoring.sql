-- Fraud scoring (issue 4): rules managed over the API, every decision logged, the review queue.

-- A rule is a list entry (allow_* / block_* with `value`), a cap (velocity_cap: `value` = max attempts per
-- customer in `window_seconds`; amount_cap: `value` = max paise), or an expression (`review if score > 0.6 and
-- amount > 500000`): kind = expression, action = review | block | allow, text = the condition.
CREATE TABLE fraud_rules (
  id              VARCHAR PRIMARY KEY,
  kind            VARCHAR NOT NULL,   -- allow_list | block_list | velocity_cap | amount_cap | expression
  action          VARCHAR NOT NULL,   -- allow | review | block
  field           VARCHAR,            -- list rules: customer_id | method_fingerprint | device_id | ip | email_domain
  value           VARCHAR,            -- list rules: the id, or a CIDR for ip; caps: the limit
  window_seconds  INTEGER,            -- velocity caps
  text            VARCHAR,            -- expression rules: the condition
  description     VARCHAR,
  enabled         BOOLEAN NOT NULL,
  created_at      TIMESTAMPTZ NOT NULL,
  updated_at      TIMESTAMPTZ NOT NULL,
  deleted_at      TIMESTAMPTZ
);

-- One row per decision, written in batches after the answer has left.
CREATE TABLE fraud_decisions (
  id               VARCHAR PRIMARY KEY,
  attempt_id       VARCHAR NOT NULL,
  customer_id      VARCHAR NOT NULL,
  school_id        VARCHAR,
  amount_minor     BIGINT NOT NULL,
  source           VARCHAR NOT NULL,  -- api | payment
  score            DOUBLE PRECISION,            -- NULL: rules only (no model, or the budget ran out)
  decision         VARCHAR NOT NULL,  -- allow | review | block
  reasons          JSON NOT NULL,
  rule_hits        JSON NOT NULL,
  model_version    VARCHAR,
  model_role       VARCHAR,           -- champion | canary
  shadow_version   VARCHAR,
  shadow_score     DOUBLE PRECISION,
  features         JSON,              -- the vector as a JSON array, in FRAUD_FEATURES order (feature_set_version)
  feature_set_version VARCHAR,
  latency_us       INTEGER NOT NULL,
  budget_exceeded  BOOLEAN NOT NULL,
  created_at       TIMESTAMPTZ NOT NULL
);

-- The review queue: payments held by a `review` decision; a declined review is a fraud label for retraining.
CREATE TABLE fraud_reviews (
  id           VARCHAR PRIMARY KEY,
  payment_id   VARCHAR NOT NULL UNIQUE,
  decision_id  VARCHAR NOT NULL,
  customer_id  VARCHAR NOT NULL,
  amount_minor BIGINT NOT NULL,
  state        VARCHAR NOT NULL,      -- pending | approved | declined
  outcome      VARCHAR,               -- approved | declined (F's offline labels read outcome = 'declined')
  reviewer     VARCHAR,
  created_at   TIMESTAMPTZ NOT NULL,
  decided_at   TIMESTAMPTZ
);

-- A payment held for review (status `on_hold`) keeps here what it needs to be charged once approved.
-- vpa is the raw VPA of a held UPI payment; it is cleared when the hold is released.
CREATE TABLE payment_holds (
  payment_id   VARCHAR PRIMARY KEY,
  reason       VARCHAR NOT NULL,       -- fraud_review
  decision_id  VARCHAR NOT NULL,
  vpa          VARCHAR,
  created_at   TIMESTAMPTZ NOT NULL,
  released_at  TIMESTAMPTZ,
  outcome      VARCHAR                 -- approved | declined
);
