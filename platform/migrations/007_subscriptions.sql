-- Subscription plans, subscriptions, their audit trail and pending charges (prorations) for billing.
-- Money is BIGINT paise beside a currency; timestamps are UTC TIMESTAMPTZ; periods are whole Asia/Kolkata days.

-- A plan's live terms. `amount_minor` is the current per-unit price (version `price_version`); every
-- version is kept in subscription_plan_prices. status: active | archived (no new subscribers).
-- interval_unit: weekly | monthly | quarterly | yearly. tax_category: gst_exempt_school_meals | gst.
CREATE TABLE subscription_plans (
  id               VARCHAR PRIMARY KEY,
  name             VARCHAR NOT NULL,
  description      VARCHAR,
  interval_unit    VARCHAR NOT NULL,
  interval_count   INTEGER NOT NULL,
  amount_minor     BIGINT NOT NULL,
  currency         VARCHAR NOT NULL,
  price_version    INTEGER NOT NULL,
  trial_days       INTEGER NOT NULL,
  setup_fee_minor  BIGINT NOT NULL,
  per_unit         BOOLEAN NOT NULL,
  unit_label       VARCHAR,
  tax_category     VARCHAR NOT NULL,
  gst_rate_bp      INTEGER,
  status           VARCHAR NOT NULL,
  created_at       TIMESTAMPTZ NOT NULL,
  updated_at       TIMESTAMPTZ NOT NULL,
  archived_at      TIMESTAMPTZ
);

-- Every per-unit price a plan has had; a subscription names the version it was sold at.
CREATE TABLE subscription_plan_prices (
  plan_id       VARCHAR NOT NULL,
  version       INTEGER NOT NULL,
  amount_minor  BIGINT NOT NULL,
  currency      VARCHAR NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (plan_id, version)
);

-- A subscription keeps the price, interval, setup fee and tax it was sold at, so plan edits never reach it.
-- collection: kosh (kosh charges) | razorpay (Razorpay charges, kosh follows subscription.* webhooks).
-- status: created | authenticated | trialing | active | pending | halted | paused | cancelled | completed | expired
-- Periods: [current_period_start, current_period_end) on IST midnights, counted from billing_anchor;
-- period_index is the current period's number (0 = the first), so billing can key (subscription, period).
CREATE TABLE subscriptions (
  id                       VARCHAR PRIMARY KEY,
  customer_id              VARCHAR NOT NULL,
  school_id                VARCHAR NOT NULL,
  plan_id                  VARCHAR NOT NULL,
  plan_price_version       INTEGER NOT NULL,
  unit_amount_minor        BIGINT NOT NULL,
  currency                 VARCHAR NOT NULL,
  quantity                 INTEGER NOT NULL,
  interval_unit            VARCHAR NOT NULL,
  interval_count           INTEGER NOT NULL,
  setup_fee_minor          BIGINT NOT NULL,
  tax_category             VARCHAR NOT NULL,
  gst_rate_bp              INTEGER,
  payment_method_id        VARCHAR,
  collection               VARCHAR NOT NULL,
  gateway_subscription_id  VARCHAR UNIQUE,
  status                   VARCHAR NOT NULL,
  start_at                 TIMESTAMPTZ NOT NULL,
  trial_end                TIMESTAMPTZ,
  billing_anchor           TIMESTAMPTZ NOT NULL,
  period_index             INTEGER NOT NULL,
  current_period_start     TIMESTAMPTZ NOT NULL,
  current_period_end       TIMESTAMPTZ NOT NULL,
  cancel_at_period_end     BOOLEAN NOT NULL,
  paused_at                TIMESTAMPTZ,
  cancelled_at             TIMESTAMPTZ,
  ended_at                 TIMESTAMPTZ,
  event_seq                INTEGER NOT NULL,
  created_at               TIMESTAMPTZ NOT NULL,
  updated_at               TIMESTAMPTZ NOT NULL
);

-- The audit trail: every change to a subscription, in order (`seq` per subscription).
-- source: api | webhook | system. type: created | status_changed | quantity_changed | plan_changed |
-- cancel_scheduled | cancel_unscheduled | period_changed
CREATE TABLE subscription_events (
  id               VARCHAR PRIMARY KEY,
  subscription_id  VARCHAR NOT NULL,
  seq              INTEGER NOT NULL,
  type             VARCHAR NOT NULL,
  from_status      VARCHAR,
  to_status        VARCHAR,
  source           VARCHAR NOT NULL,
  data             JSON,
  created_at       TIMESTAMPTZ NOT NULL,
  UNIQUE (subscription_id, seq)
);

-- Charges and credits billing has still to collect, beside the plan price: proration lines today.
-- amount_minor is signed (a credit < 0). bill_on: now (the next billing pass) | next_invoice (the period's
-- renewal invoice). status: pending | billed | void. `change_id` groups the lines of one plan or quantity change.
CREATE TABLE subscription_charges (
  id               VARCHAR PRIMARY KEY,
  subscription_id  VARCHAR NOT NULL,
  change_id        VARCHAR NOT NULL,
  kind             VARCHAR NOT NULL,           -- proration_credit | proration_charge
  description      VARCHAR NOT NULL,
  amount_minor     BIGINT NOT NULL,
  currency         VARCHAR NOT NULL,
  period_index     INTEGER NOT NULL,
  period_start     TIMESTAMPTZ NOT NULL,
  period_end       TIMESTAMPTZ NOT NULL,
  bill_on          VARCHAR NOT NULL,
  status           VARCHAR NOT NULL,
  billing_id       VARCHAR,
  created_at       TIMESTAMPTZ NOT NULL
);
