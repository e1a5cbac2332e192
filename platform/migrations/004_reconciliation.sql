-- Settlement reconciliation: one run per imported or fetched report, one item per report line plus one per
-- kosh payment the report should have listed. Money is BIGINT paise beside the currency.

CREATE TABLE reconciliation_runs (
  id                      VARCHAR PRIMARY KEY,
  source                  VARCHAR NOT NULL,       -- upload | gateway
  report_date             DATE,                   -- the day fetched from the gateway (IST); NULL for uploads
  amount_unit             VARCHAR NOT NULL,       -- paise | rupees: how the report wrote amounts
  window_start            TIMESTAMPTZ,              -- kosh captures in [window_start, window_end] must be in the report
  window_end              TIMESTAMPTZ,
  fee_tolerance_minor     BIGINT NOT NULL,
  amount_tolerance_minor  BIGINT NOT NULL,
  report_lines            INTEGER NOT NULL,
  created_at              TIMESTAMPTZ NOT NULL
);

CREATE TABLE reconciliation_items (
  id                   VARCHAR PRIMARY KEY,
  run_id               VARCHAR NOT NULL,
  line_no              INTEGER,                   -- line of the report (header = 1); NULL for missing_at_gateway
  status               VARCHAR NOT NULL,          -- matched | missing_in_kosh | missing_at_gateway | amount_mismatch | fee_mismatch
  resolution           VARCHAR NOT NULL,          -- none | auto_adjusted | open
  entity_type          VARCHAR NOT NULL,          -- payment | refund | adjustment | … (the report's type)
  entity_id            VARCHAR NOT NULL,          -- the gateway's id (kosh's id when kosh has no gateway id)
  kosh_id              VARCHAR,
  school_id            VARCHAR,
  currency             VARCHAR NOT NULL,
  report_amount_minor  BIGINT,
  kosh_amount_minor    BIGINT,
  report_fee_minor     BIGINT,
  kosh_fee_minor       BIGINT,
  report_tax_minor     BIGINT,
  kosh_tax_minor       BIGINT,
  -- What an auto-adjustment moved (gateway minus kosh, signed); kept so a later run compares against it.
  adjusted_amount_minor  BIGINT NOT NULL DEFAULT 0,
  adjusted_fee_minor     BIGINT NOT NULL DEFAULT 0,
  adjusted_tax_minor     BIGINT NOT NULL DEFAULT 0,
  journal_entry_id     VARCHAR,
  settlement_id        VARCHAR,
  settlement_utr       VARCHAR,
  settled_at           TIMESTAMPTZ,
  webhook_event_ids    VARCHAR[] NOT NULL,        -- `unmatched` webhook events about this entity
  note                 VARCHAR,
  created_at           TIMESTAMPTZ NOT NULL
);
