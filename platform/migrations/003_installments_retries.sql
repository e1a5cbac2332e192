-- Installment plans, the generic retry queue, pre-debit notifications and mandate types.
-- Money is BIGINT paise beside a currency; timestamps are UTC TIMESTAMPTZ.

-- A recurring-debit mandate the saved method carries: upi_autopay | emandate | NULL (a plain saved token).
ALTER TABLE payment_methods ADD COLUMN mandate_type VARCHAR;

-- A plan splits one order (the parent) into installments. `status` is the roll-up:
-- scheduled | partially_paid | paid | past_due | failed | cancelled.
CREATE TABLE installment_plans (
  id             VARCHAR PRIMARY KEY,
  order_id       VARCHAR NOT NULL,
  customer_id    VARCHAR NOT NULL,
  school_id      VARCHAR NOT NULL,
  amount_minor   BIGINT NOT NULL,
  currency       VARCHAR NOT NULL,
  status         VARCHAR NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL,
  cancelled_at   TIMESTAMPTZ,
  paid_at        TIMESTAMPTZ,
  updated_at     TIMESTAMPTZ NOT NULL
);
-- One plan that is not cancelled per order: two plans made at once cannot both commit.
CREATE UNIQUE INDEX installment_plans_one_active ON installment_plans (order_id) WHERE status <> 'cancelled';

-- Each installment is charged through its own kosh order (`order_id`, unique), so the one-payment-per-order
-- guard and the gateway order's receipt hold per installment.
-- status: scheduled | processing | paid | retrying | requires_authentication | failed | cancelled | superseded
CREATE TABLE installments (
  id               VARCHAR PRIMARY KEY,
  plan_id          VARCHAR NOT NULL,
  seq              INTEGER NOT NULL,
  kind             VARCHAR NOT NULL,           -- scheduled | payoff
  order_id         VARCHAR NOT NULL UNIQUE,
  amount_minor     BIGINT NOT NULL,
  currency         VARCHAR NOT NULL,
  due_at           TIMESTAMPTZ NOT NULL,
  status           VARCHAR NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_payment_id  VARCHAR,
  last_error_code  VARCHAR,
  paid_at          TIMESTAMPTZ,
  created_at       TIMESTAMPTZ NOT NULL,
  updated_at       TIMESTAMPTZ NOT NULL,
  UNIQUE (plan_id, seq)
);

-- The durable retry queue for failed off-session charges of any source (installment, subscription_renewal…).
-- state: scheduled | processing | succeeded | dead | requires_authentication | cancelled
-- `origin_key` (the failed payment that caused it) is unique, so one failure enqueues at most once.
CREATE TABLE retry_items (
  id                 VARCHAR PRIMARY KEY,
  source_type        VARCHAR NOT NULL,
  source_id          VARCHAR NOT NULL,
  origin_key         VARCHAR NOT NULL UNIQUE,
  order_id           VARCHAR NOT NULL,
  customer_id        VARCHAR NOT NULL,
  payment_method_id  VARCHAR,
  amount_minor       BIGINT NOT NULL,
  currency           VARCHAR NOT NULL,
  state              VARCHAR NOT NULL,
  attempts           INTEGER NOT NULL DEFAULT 0,
  max_attempts       INTEGER NOT NULL,
  next_attempt_at    TIMESTAMPTZ,
  last_payment_id    VARCHAR,
  last_error_code    VARCHAR,
  reason             VARCHAR,
  created_at         TIMESTAMPTZ NOT NULL,
  updated_at         TIMESTAMPTZ NOT NULL
);

-- One row per attempt the queue makes; the key `<retry id>:<attempt>` maps one-to-one to the payment id.
CREATE TABLE retry_attempts (
  retry_id         VARCHAR NOT NULL,
  attempt          INTEGER NOT NULL,
  idempotency_key  VARCHAR NOT NULL UNIQUE,
  payment_id       VARCHAR NOT NULL UNIQUE,
  outcome          VARCHAR,                    -- captured | failed | unknown
  error_code       VARCHAR,
  created_at       TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (retry_id, attempt)
);

-- Pre-debit notifications (RBI e-mandate / NPCI UPI AutoPay): a debit on a mandate needs one sent ≥ 24 h before.
CREATE TABLE pre_debit_notifications (
  id                 VARCHAR PRIMARY KEY,
  customer_id        VARCHAR NOT NULL,
  payment_method_id  VARCHAR NOT NULL,
  source_type        VARCHAR NOT NULL,
  source_id          VARCHAR NOT NULL,
  amount_minor       BIGINT NOT NULL,
  currency           VARCHAR NOT NULL,
  debit_on           TIMESTAMPTZ NOT NULL,
  sent_at            TIMESTAMPTZ NOT NULL
);
