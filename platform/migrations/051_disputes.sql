-- Disputes (chargebacks) raised by a parent's bank against a captured payment, as Razorpay reports them by the
-- payment.dispute.* webhooks (payments-core/disputes/). A lost dispute's deducted amount leaves the school's payable
-- (journal kind dispute_lost, once per dispute); a dispute with the fraud phase is a confirmed fraud label.
CREATE TABLE disputes (
  id                   VARCHAR PRIMARY KEY,
  gateway_dispute_id   VARCHAR NOT NULL UNIQUE,
  payment_id           VARCHAR NOT NULL REFERENCES payments (id),
  amount_minor         BIGINT NOT NULL CHECK (amount_minor > 0),
  amount_deducted_minor BIGINT NOT NULL DEFAULT 0 CHECK (amount_deducted_minor BETWEEN 0 AND amount_minor),
  currency             VARCHAR NOT NULL,
  reason_code          VARCHAR NOT NULL,
  reason_description   VARCHAR,
  phase                VARCHAR NOT NULL
    CHECK (phase IN ('fraud', 'retrieval', 'chargeback', 'pre_arbitration', 'arbitration')),
  status               VARCHAR NOT NULL CHECK (status IN ('open', 'under_review', 'won', 'lost', 'closed')),
  respond_by           TIMESTAMPTZ,
  evidence_summary     VARCHAR,
  journal_entry_id     VARCHAR REFERENCES journal_entries (id),
  -- The gateway time of the newest event applied: an older event (webhooks come in any order) changes nothing.
  gateway_event_at     TIMESTAMPTZ NOT NULL,
  created_at           TIMESTAMPTZ NOT NULL,
  updated_at           TIMESTAMPTZ NOT NULL,
  CHECK ((status = 'lost') = (journal_entry_id IS NOT NULL))
);
CREATE INDEX disputes_payment ON disputes (payment_id);
CREATE INDEX disputes_status ON disputes (status, created_at);

-- What open and lost disputes hold of a payment: it cannot also be refunded (payments-core/payments owns it).
ALTER TABLE payments ADD COLUMN disputed_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE payments ADD CONSTRAINT payments_disputed_within CHECK (disputed_minor BETWEEN 0 AND captured_minor);
