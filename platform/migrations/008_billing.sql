-- Billing automation (payments-core/billing): one billing record per (subscription, period), the guard that
-- makes a rerun or an overlapping run unable to bill a period twice (Lago's unique (subscription, period)).
-- Money is BIGINT paise beside a currency; timestamps are UTC.

-- status: pending (created, not yet sent to the gateway) → charging (claimed by a run, the local payment row
-- exists, the gateway may have been called) → paid | failed | unknown (the resolver settles the payment) |
-- skipped (nothing to collect); uncollectible is set by dunning when it gives up. Deferred mandate debits stay
-- pending with not_before. `idempotency_key` is the kosh payment id of
-- attempt 0 (`bill_<id>_0`), sent to the gateway as notes.kosh_id; the gateway order's receipt is `order_id`.
-- `claimed_by`/`claim_expires_at`: the run that holds the record while it charges; a claim past its expiry
-- belongs to a run that died, and the next run resumes the record by looking its key up at the gateway.
CREATE TABLE billing_records (
  id                 VARCHAR PRIMARY KEY,
  subscription_id    VARCHAR NOT NULL,
  customer_id        VARCHAR NOT NULL,
  school_id          VARCHAR NOT NULL,
  period_index       INTEGER NOT NULL,
  period_start       TIMESTAMPTZ NOT NULL,
  period_end         TIMESTAMPTZ NOT NULL,
  plan_amount_minor  BIGINT NOT NULL,           -- unit price × quantity for the period (0 for a trial period)
  setup_fee_minor    BIGINT NOT NULL,
  charges_minor      BIGINT NOT NULL,           -- pending prorations billed with this record (signed)
  amount_minor       BIGINT NOT NULL,           -- what is charged: the invoice total (taxable + GST + round-off)
  currency           VARCHAR NOT NULL,
  invoice_id         VARCHAR,
  order_id           VARCHAR NOT NULL,
  payment_method_id  VARCHAR,
  mandate_type       VARCHAR,
  idempotency_key    VARCHAR NOT NULL UNIQUE,
  status             VARCHAR NOT NULL,
  payment_id         VARCHAR,
  decline_code       VARCHAR,
  attempts           INTEGER NOT NULL,
  not_before         TIMESTAMPTZ,                 -- a mandate debit waits for its pre-debit notice to be 24 h old
  claimed_by         VARCHAR,
  claim_expires_at   TIMESTAMPTZ,
  run_id             VARCHAR,                   -- the run that created the record
  created_at         TIMESTAMPTZ NOT NULL,
  updated_at         TIMESTAMPTZ NOT NULL,
  UNIQUE (subscription_id, period_index)
);

-- Every billing run: what it found and did (the summary the job and POST /v1/billing/runs return).
CREATE TABLE billing_runs (
  id           VARCHAR PRIMARY KEY,
  started_at   TIMESTAMPTZ NOT NULL,
  finished_at  TIMESTAMPTZ,
  status       VARCHAR NOT NULL,                -- running | succeeded | failed
  summary      VARCHAR,
  error        VARCHAR
);
