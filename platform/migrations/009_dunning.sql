-- Dunning: chasing a failed renewal. One case per failed billing record (kosh-collected) or per run of
-- Razorpay's own retries (Razorpay-collected); its steps are the attempts; links let a parent change the method.
-- Money is BIGINT paise beside a currency; timestamps are UTC TIMESTAMPTZ.

-- status only moves forward: open → recovered | exhausted (the final action was taken) | cancelled
-- (the subscription ended some other way). case_key is the idempotency key: `br:<billing record id>` for a
-- kosh-collected renewal, `rzp:<subscription id>:<n>` for the n-th run of Razorpay's retries.
-- decline_category: hard | soft (payments-core/retries/declines.ts) of the failure that opened the case.
-- declined_method_id: the method that last declined hard; it is never charged again in this case, so the
-- case waits for another method (set through the update link or the API) before it charges again.
-- final_action: cancel | mark_unpaid | razorpay_halted, set when status becomes exhausted.
CREATE TABLE dunning_cases (
  id                      VARCHAR PRIMARY KEY,
  case_key                VARCHAR NOT NULL UNIQUE,
  collection              VARCHAR NOT NULL,
  subscription_id         VARCHAR NOT NULL,
  billing_record_id       VARCHAR,
  customer_id             VARCHAR NOT NULL,
  amount_minor            BIGINT NOT NULL,
  currency                VARCHAR NOT NULL,
  status                  VARCHAR NOT NULL,
  decline_code            VARCHAR,
  decline_category        VARCHAR NOT NULL,
  last_decline_code       VARCHAR,
  declined_method_id      VARCHAR,
  failed_at               TIMESTAMPTZ NOT NULL,
  planned_at              TIMESTAMPTZ,
  final_action            VARCHAR,
  recovered_amount_minor  BIGINT,
  recovered_at            TIMESTAMPTZ,
  recovered_step          INTEGER,
  recovered_payment_id    VARCHAR,
  closed_at               TIMESTAMPTZ,
  close_reason            VARCHAR,
  created_at              TIMESTAMPTZ NOT NULL,
  updated_at              TIMESTAMPTZ NOT NULL
);

-- The attempts of a case. step 0 is the failure that opened it (the billing run's attempt 0, or Razorpay's
-- first failed charge); 1..n follow the schedule; a step added when the parent set a new method has the next
-- free number. For kosh-collected cases the step number is the `attempt` passed to chargeBillingRecord, so
-- its gateway key is `bill_<billing record id>_<step>`.
-- kind: failure | scheduled | method_updated | razorpay_retry
-- outcome (NULL until done): failed | paid | unknown | awaiting_method | skipped
-- started_at marks a claimed step (a second run at the same instant skips it); a claim older than an hour
-- without done_at is taken again (the charge key makes that safe).
CREATE TABLE dunning_steps (
  case_id       VARCHAR NOT NULL,
  step          INTEGER NOT NULL,
  kind          VARCHAR NOT NULL,
  planned_at    TIMESTAMPTZ NOT NULL,
  started_at    TIMESTAMPTZ,
  done_at       TIMESTAMPTZ,
  outcome       VARCHAR,
  payment_method_id VARCHAR,
  payment_id    VARCHAR,
  decline_code  VARCHAR,
  email_id      VARCHAR,
  PRIMARY KEY (case_id, step)
);

-- Single-purpose links to update the payment method of a case's subscription: only the SHA-256 of the random
-- token is kept. purpose: update_payment_method. A link works until expires_at, once, and only while its case is open.
CREATE TABLE dunning_links (
  id               VARCHAR PRIMARY KEY,
  token_hash       VARCHAR NOT NULL UNIQUE,
  purpose          VARCHAR NOT NULL,
  case_id          VARCHAR NOT NULL,
  step             INTEGER NOT NULL,
  customer_id      VARCHAR NOT NULL,
  subscription_id  VARCHAR NOT NULL,
  expires_at       TIMESTAMPTZ NOT NULL,
  used_at          TIMESTAMPTZ,
  created_at       TIMESTAMPTZ NOT NULL
);
