-- School payouts recorded by finance (issue 15 §6): a bank transfer made outside kosh (NEFT/RTGS/IMPS), recorded with
-- its bank reference so the ledger shows what has been paid to each school and what is still owed. Owned by
-- payments-core/payouts. Each payout posts Dr school_payable (the school) / Cr bank in the same transaction as its
-- row; a bounced transfer is reversed once, by the reverse entry. journal_entries.kind has no CHECK (migration 001),
-- so the new kinds `school_payout` and `school_payout_reversed` need none here.
CREATE TABLE school_payouts (
  id                         VARCHAR PRIMARY KEY,
  school_id                  VARCHAR NOT NULL REFERENCES schools (id),
  amount_minor               BIGINT NOT NULL CHECK (amount_minor > 0),
  currency                   VARCHAR NOT NULL DEFAULT 'INR' CHECK (currency = 'INR'),
  -- The bank's reference, upper-cased: NEFT 16 and RTGS 22 alphanumerics, IMPS a 12-digit RRN.
  utr                        VARCHAR NOT NULL CHECK (utr ~ '^([A-Z0-9]{16,22}|[0-9]{12})$'),
  paid_on                    DATE NOT NULL,               -- the IST day the bank sent it
  period_from                DATE,                        -- the settlement period it covers, if finance says
  period_to                  DATE,
  note                       VARCHAR,
  created_by                 VARCHAR NOT NULL,            -- the API key id
  created_at                 TIMESTAMPTZ NOT NULL,
  journal_entry_id           VARCHAR NOT NULL UNIQUE REFERENCES journal_entries (id),
  status                     VARCHAR NOT NULL DEFAULT 'recorded' CHECK (status IN ('recorded', 'reversed')),
  reversed_at                TIMESTAMPTZ,
  reversal_journal_entry_id  VARCHAR UNIQUE REFERENCES journal_entries (id),
  reversal_reason            VARCHAR,
  -- One bank transfer is recorded once per school.
  CONSTRAINT school_payouts_utr UNIQUE (school_id, utr),
  CONSTRAINT school_payouts_period CHECK (
    (period_from IS NULL) = (period_to IS NULL) AND (period_from IS NULL OR period_from <= period_to)),
  -- Reversed ⇔ when, by which entry and why are recorded.
  CONSTRAINT school_payouts_reversed CHECK ((status = 'reversed') = (
    reversed_at IS NOT NULL AND reversal_journal_entry_id IS NOT NULL AND reversal_reason IS NOT NULL)),
  CONSTRAINT school_payouts_reversal_order CHECK (reversed_at IS NULL OR reversed_at >= created_at)
);
CREATE INDEX school_payouts_school ON school_payouts (school_id, created_at DESC, id DESC);
-- What the payable balance of one school reads (GET /v1/schools/:id/payable, and the payout's check under its lock).
CREATE INDEX journal_lines_school ON journal_lines (school_id) WHERE school_id IS NOT NULL;
