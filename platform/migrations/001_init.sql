-- kosh schema v1: keys, idempotency, payments core, ledger, webhook inbox.
-- Money is BIGINT paise beside a currency; timestamps are TIMESTAMPTZ (sessions run in UTC).

CREATE TABLE api_keys (
  id          VARCHAR PRIMARY KEY,
  name        VARCHAR NOT NULL,
  prefix      VARCHAR NOT NULL,
  key_hash    VARCHAR NOT NULL UNIQUE,
  scopes      VARCHAR[] NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL,
  revoked_at  TIMESTAMPTZ
);

CREATE TABLE idempotency_keys (
  api_key_id       VARCHAR NOT NULL,
  idempotency_key  VARCHAR NOT NULL,
  method           VARCHAR NOT NULL,
  path             VARCHAR NOT NULL,
  request_hash     VARCHAR NOT NULL,
  state            VARCHAR NOT NULL,          -- in_flight | completed
  response_status  INTEGER,
  response_type    VARCHAR,
  response_body    VARCHAR,
  created_at       TIMESTAMPTZ NOT NULL,
  expires_at       TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (api_key_id, idempotency_key)
);

CREATE TABLE schools (
  id          VARCHAR PRIMARY KEY,
  name        VARCHAR NOT NULL,
  city        VARCHAR NOT NULL,
  state_code  VARCHAR NOT NULL,               -- ISO 3166-2:IN subdivision, e.g. KA, MH
  gstin       VARCHAR,
  created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE customers (
  id                   VARCHAR PRIMARY KEY,
  school_id            VARCHAR NOT NULL,
  name                 VARCHAR NOT NULL,
  email                VARCHAR NOT NULL,
  phone                VARCHAR NOT NULL,
  state_code           VARCHAR NOT NULL,
  gateway_customer_id  VARCHAR,
  notes                JSON,
  created_at           TIMESTAMPTZ NOT NULL
);

CREATE TABLE students (
  id           VARCHAR PRIMARY KEY,
  customer_id  VARCHAR NOT NULL,
  school_id    VARCHAR NOT NULL,
  name         VARCHAR NOT NULL,
  grade        INTEGER NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE payment_methods (
  id             VARCHAR PRIMARY KEY,
  customer_id    VARCHAR NOT NULL,
  type           VARCHAR NOT NULL,            -- card | upi | netbanking | wallet
  gateway_token  VARCHAR NOT NULL,
  card_network   VARCHAR,
  card_last4     VARCHAR,
  card_exp_month INTEGER,
  card_exp_year  INTEGER,
  upi_vpa_masked VARCHAR,
  bank           VARCHAR,
  wallet         VARCHAR,
  is_default     BOOLEAN NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL,
  updated_at     TIMESTAMPTZ NOT NULL,
  deleted_at     TIMESTAMPTZ
);

CREATE TABLE orders (
  id                VARCHAR PRIMARY KEY,
  customer_id       VARCHAR NOT NULL,
  school_id         VARCHAR NOT NULL,
  amount_minor      BIGINT NOT NULL,
  currency          VARCHAR NOT NULL,
  status            VARCHAR NOT NULL,          -- created | attempted | paid
  description       VARCHAR,
  gateway_order_id  VARCHAR UNIQUE,
  notes             JSON,
  created_at        TIMESTAMPTZ NOT NULL,
  updated_at        TIMESTAMPTZ NOT NULL
);

CREATE TABLE payments (
  id                  VARCHAR PRIMARY KEY,
  order_id            VARCHAR NOT NULL,
  customer_id         VARCHAR NOT NULL,
  school_id           VARCHAR NOT NULL,
  payment_method_id   VARCHAR,
  method              VARCHAR NOT NULL,        -- card | upi | netbanking | wallet
  amount_minor        BIGINT NOT NULL,
  currency            VARCHAR NOT NULL,
  status              VARCHAR NOT NULL,        -- created | authorized | captured | failed
  capture_mode        VARCHAR NOT NULL,        -- auto | manual
  captured_minor      BIGINT NOT NULL DEFAULT 0,
  refunded_minor      BIGINT NOT NULL DEFAULT 0,
  fee_minor           BIGINT,
  tax_minor           BIGINT,
  gateway_payment_id  VARCHAR UNIQUE,
  error_code          VARCHAR,
  error_reason        VARCHAR,
  error_description   VARCHAR,
  device_id           VARCHAR,
  ip                  VARCHAR,
  fraud_label         VARCHAR,                 -- demo data only: the injected fraud pattern, NULL = legitimate
  created_at          TIMESTAMPTZ NOT NULL,
  authorized_at       TIMESTAMPTZ,
  captured_at         TIMESTAMPTZ,
  failed_at           TIMESTAMPTZ,
  updated_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE refunds (
  id                 VARCHAR PRIMARY KEY,
  payment_id         VARCHAR NOT NULL,
  amount_minor       BIGINT NOT NULL,
  currency           VARCHAR NOT NULL,
  status             VARCHAR NOT NULL,         -- pending | processed | failed
  reason             VARCHAR,
  gateway_refund_id  VARCHAR UNIQUE,
  created_at         TIMESTAMPTZ NOT NULL,
  processed_at       TIMESTAMPTZ,
  failed_at          TIMESTAMPTZ,
  updated_at         TIMESTAMPTZ NOT NULL
);

-- Double entry: lines carry signed amounts (debit > 0, credit < 0); each entry sums to zero.
-- (kind, ref_id) is unique, so one business event can post at most once.
CREATE TABLE journal_entries (
  id          VARCHAR PRIMARY KEY,
  kind        VARCHAR NOT NULL,                -- capture | refund_initiated | refund_processed | refund_failed | adjustment
  ref_type    VARCHAR NOT NULL,
  ref_id      VARCHAR NOT NULL,
  currency    VARCHAR NOT NULL,
  memo        VARCHAR,
  created_at  TIMESTAMPTZ NOT NULL,
  UNIQUE (kind, ref_id)
);

CREATE TABLE journal_lines (
  entry_id      VARCHAR NOT NULL,
  line_no       INTEGER NOT NULL,
  account       VARCHAR NOT NULL,
  school_id     VARCHAR,
  amount_minor  BIGINT NOT NULL,
  currency      VARCHAR NOT NULL
);

-- The webhook inbox: every verified delivery is stored before it is applied. A redelivery of an event
-- already seen is stored too, with status `duplicate`, and has no other effect.
CREATE TABLE webhook_events (
  id            VARCHAR PRIMARY KEY,
  provider      VARCHAR NOT NULL,
  event_id      VARCHAR NOT NULL,
  event_type    VARCHAR NOT NULL,
  entity_id     VARCHAR,
  payload       VARCHAR NOT NULL,
  status        VARCHAR NOT NULL,              -- received | applied | unmatched | failed | duplicate | stored
  attempts      INTEGER NOT NULL DEFAULT 0,
  last_error    VARCHAR,
  received_at   TIMESTAMPTZ NOT NULL,
  applied_at    TIMESTAMPTZ
);

-- The webhook idempotency table: one row per provider event id, kept until expires_at (>= 30 days).
CREATE TABLE webhook_event_keys (
  provider       VARCHAR NOT NULL,
  event_id       VARCHAR NOT NULL,
  first_delivery VARCHAR NOT NULL,
  expires_at     TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (provider, event_id)
);
