-- The mailer's outbox: one row per email kosh means to send (invoice, dunning, pre-debit notice, …).
-- A row is written in the same transaction as the business change that causes it and is delivered later
-- by the `mailer` job over SMTP (KOSH_SMTP_URL) or, on the embedded default, as an .eml file.
--
-- status: queued → sending → sent | failed | queued (retry after a transient error)
--   queued   waiting for send_at and next_attempt_at
--   sending  claimed by one delivery run (claim_token); only that run may move it on
--   sent     accepted by the SMTP server (or written as .eml); message_id is the Message-ID header
--   failed   permanent: an SMTP 5xx answer, the last of max attempts, an invalid message, or a delivery
--            interrupted after its claim (outcome unknown, never resent automatically); POST
--            /v1/emails/:id/retry puts it back to queued
-- `dedupe_key` is the caller's business key: enqueueing the same key twice returns the first row.
-- `attachments` is a JSON array of {filename, contentType, bucket, key}; bytes are read from the object
-- store at send time.
CREATE TABLE email_outbox (
  id               VARCHAR PRIMARY KEY,
  kind             VARCHAR NOT NULL,           -- invoice | credit_note | statement | dunning | pre_debit | payment_method_update
  dedupe_key       VARCHAR NOT NULL UNIQUE,
  to_address       VARCHAR NOT NULL,
  subject          VARCHAR NOT NULL,
  text_body        VARCHAR NOT NULL,
  html_body        VARCHAR,
  customer_id      VARCHAR,
  ref_type         VARCHAR,
  ref_id           VARCHAR,
  attachments      VARCHAR NOT NULL,           -- JSON text
  send_at          TIMESTAMPTZ NOT NULL,
  status           VARCHAR NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  TIMESTAMPTZ NOT NULL,
  claim_token      VARCHAR,
  claimed_at       TIMESTAMPTZ,
  last_error_code  VARCHAR,                    -- retried: smtp_deferred | smtp_auth | connection | attachment_missing | file_write; failed: smtp_rejected | max_attempts_reached | interrupted
  last_error       VARCHAR,
  message_id       VARCHAR,
  transport        VARCHAR,                    -- smtp | eml: what delivered it
  sent_at          TIMESTAMPTZ,
  failed_at        TIMESTAMPTZ,
  created_at       TIMESTAMPTZ NOT NULL,
  updated_at       TIMESTAMPTZ NOT NULL
);

-- The due scan of the mailer's claim reads only queued rows, in next_attempt_at order.
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX email_outbox_customer ON email_outbox (customer_id);
CREATE INDEX email_outbox_ref ON email_outbox (ref_type, ref_id);
