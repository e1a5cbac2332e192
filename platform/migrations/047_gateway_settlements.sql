-- A gateway settlement booked to the bank (issue 15 §6): once its report lines net to its bank credit (the UTR
-- check of a gateway reconciliation), one journal entry of kind `settlement` moves its amount from gateway_clearing
-- to bank. The entry is unique by (kind, ref_id) = ('settlement', settlement id) already; this table records which
-- settlement was booked, by which run, with its UTR, so each is booked exactly once even when reconciled twice or by
-- two processes at once (the primary key; the second insert does nothing).
CREATE TABLE gateway_settlements (
  id                VARCHAR PRIMARY KEY,                -- the gateway's settlement id (setl_…)
  utr               VARCHAR,
  amount_minor      BIGINT NOT NULL,                    -- the bank credit
  fees_minor        BIGINT NOT NULL CHECK (fees_minor >= 0),
  tax_minor         BIGINT NOT NULL CHECK (tax_minor >= 0),
  currency          VARCHAR NOT NULL,
  settled_at        TIMESTAMPTZ NOT NULL,               -- the settlement's created_at at the gateway
  journal_entry_id  VARCHAR NOT NULL UNIQUE REFERENCES journal_entries (id),
  run_id            VARCHAR NOT NULL REFERENCES reconciliation_runs (id), -- the run that booked it
  created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX gateway_settlements_settled ON gateway_settlements (settled_at);
