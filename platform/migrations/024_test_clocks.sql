-- Test clocks (Stripe's design): a clock has its own frozen time; customers created on it, and everything hanging off
-- them (subscriptions, billing records, invoices, installments, retries, dunning, emails), live on that time. The
-- scheduled jobs select only customers without a clock; advancing a clock runs the same jobs for its customers alone.
-- Owned by payments-core/test-clocks. A clock with customers cannot be deleted (the foreign key refuses too):
-- kosh never deletes money records.
CREATE TABLE test_clocks (
  id           VARCHAR PRIMARY KEY,
  name         VARCHAR CHECK (length(name) BETWEEN 1 AND 200),
  frozen_time  TIMESTAMPTZ NOT NULL,
  status       VARCHAR NOT NULL CHECK (status IN ('ready', 'advancing')),
  -- While advancing: the time it advances to; the clock's frozen_time moves up to it step by step.
  advancing_to TIMESTAMPTZ,
  created_at   TIMESTAMPTZ NOT NULL,
  updated_at   TIMESTAMPTZ NOT NULL,
  CHECK ((status = 'advancing') = (advancing_to IS NOT NULL))
);

ALTER TABLE customers ADD COLUMN test_clock_id VARCHAR REFERENCES test_clocks (id);
CREATE INDEX customers_test_clock ON customers (test_clock_id) WHERE test_clock_id IS NOT NULL;
