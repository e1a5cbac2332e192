import { onTestClock } from '../customers/repository.js';

/**
 * Concurrency: one email per `dedupe_key` (unique, `ON CONFLICT DO NOTHING`); delivery claims rows with
 * `FOR UPDATE SKIP LOCKED` (`CLAIM_DUE_EMAILS`), and every later write is guarded on
 * `status = 'sending' AND claim_token = $token`.
 */
export const EMAIL_COLUMNS = `
SELECT 'email' AS object, t.id, t.kind, t.dedupe_key, t.to_address AS "to", t.subject, t.text_body AS text,
       t.html_body AS html, t.customer_id, t.ref_type, t.ref_id, t.attachments, t.send_at, t.status, t.attempts,
       t.next_attempt_at, t.last_error_code, t.last_error, t.message_id, t.transport, t.sent_at, t.failed_at,
       t.created_at, t.updated_at
FROM email_outbox t`;
export const EMAIL_BY_ID = `${EMAIL_COLUMNS} WHERE t.id = $id`;
export const EMAIL_ID_BY_DEDUPE_KEY = 'SELECT id FROM email_outbox WHERE dedupe_key = $dedupe_key';

/** A second insert of the same dedupe key changes nothing; the caller then reads the first row's id. */
export const INSERT_EMAIL = `
INSERT INTO email_outbox (id, kind, dedupe_key, to_address, subject, text_body, html_body, customer_id, ref_type, ref_id,
  attachments, send_at, status, attempts, next_attempt_at, created_at, updated_at)
VALUES ($id, $kind, $dedupe_key, $to_address, $subject, $text_body, $html_body, $customer_id, $ref_type, $ref_id, $attachments, $send_at,
  'queued', 0, $send_at, $at, $at)
ON CONFLICT (dedupe_key) DO NOTHING`;

/** `INSERT_EMAIL` for many rows at once, from a JSON array param; conflicts on dedupe_key change nothing. */
export const INSERT_EMAILS = `
INSERT INTO email_outbox (id, kind, dedupe_key, to_address, subject, text_body, html_body, customer_id, ref_type, ref_id,
  attachments, send_at, status, attempts, next_attempt_at, created_at, updated_at)
SELECT id, kind, dedupe_key, to_address, subject, text_body, html_body, customer_id, ref_type, ref_id, attachments,
  send_at, 'queued', 0, send_at, $at::timestamptz, $at::timestamptz
FROM json_to_recordset($rows::json) AS r(id VARCHAR, kind VARCHAR, dedupe_key VARCHAR, to_address VARCHAR,
  subject VARCHAR, text_body VARCHAR, html_body VARCHAR, customer_id VARCHAR, ref_type VARCHAR, ref_id VARCHAR,
  attachments VARCHAR, send_at TIMESTAMPTZ)
ON CONFLICT (dedupe_key) DO NOTHING`;
export const EMAIL_IDS_BY_DEDUPE_KEYS = `
SELECT o.id, o.dedupe_key FROM email_outbox o WHERE o.dedupe_key = ANY($keys::text[])`;

/**
 * Claims up to $limit due rows for one delivery run: `queued` → `sending` under a fresh claim token, in one
 * statement. Concurrency: a `FOR UPDATE SKIP LOCKED` claim, so concurrent runs take disjoint rows without
 * waiting, and the `status = 'queued'` guard makes a row belong to exactly one run. The due rows are picked once,
 * in a materialized CTE: as an `IN (…)` subquery the planner may rescan it per row, and each rescan would skip
 * the rows just claimed and hand out the next batch (the LIMIT would not hold).
 */
export const CLAIM_DUE_EMAILS = `
WITH due AS MATERIALIZED (
  SELECT id FROM email_outbox
  WHERE status = 'queued' AND send_at <= $now::timestamptz AND next_attempt_at <= $now::timestamptz
    AND ${onTestClock('email_outbox.customer_id')}
  ORDER BY next_attempt_at, id LIMIT $limit
  FOR UPDATE SKIP LOCKED)
UPDATE email_outbox SET status = 'sending', claim_token = $token, claimed_at = $now::timestamptz,
  attempts = attempts + 1, updated_at = $now::timestamptz
FROM due WHERE email_outbox.id = due.id AND email_outbox.status = 'queued'`;

export const CLAIMED_EMAILS = `
SELECT id, kind, to_address AS "to", subject, text_body AS text, html_body AS html, attachments, attempts
FROM email_outbox WHERE status = 'sending' AND claim_token = $token ORDER BY next_attempt_at, id`;

/**
 * Renews one email's claim just before its send, so the lease covers that send alone and not the wait
 * behind the rest of the batch. Zero rows: the claim was declared stale meanwhile; the email must not be sent.
 */
export const RENEW_CLAIM = `
UPDATE email_outbox SET claimed_at = $at WHERE id = $id AND status = 'sending' AND claim_token = $token`;

export const MARK_EMAIL_SENT = `
UPDATE email_outbox SET status = 'sent', message_id = $message_id, transport = $transport, sent_at = $at,
  last_error_code = NULL, last_error = NULL, claim_token = NULL, updated_at = $at
WHERE id = $id AND status = 'sending' AND claim_token = $token`;

export const MARK_EMAIL_RETRY = `
UPDATE email_outbox SET status = 'queued', next_attempt_at = $next_attempt_at, last_error_code = $code,
  last_error = $error, claim_token = NULL, updated_at = $at
WHERE id = $id AND status = 'sending' AND claim_token = $token`;

export const MARK_EMAIL_FAILED = `
UPDATE email_outbox SET status = 'failed', last_error_code = $code, last_error = $error, failed_at = $at,
  claim_token = NULL, updated_at = $at
WHERE id = $id AND status = 'sending' AND claim_token = $token`;

/**
 * Claims older than the lease belong to a run that died between claim and outcome: the message may or may
 * not have left. At-most-once: they become `failed` (code `interrupted`), never resent automatically.
 */
export const FAIL_STALE_CLAIMS = `
UPDATE email_outbox SET status = 'failed', last_error_code = 'interrupted',
  last_error = 'delivery was interrupted after the message was claimed (claimed at ' || to_char(claimed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '); it may or may not have been sent', failed_at = $now, claim_token = NULL, updated_at = $now
WHERE status = 'sending' AND claimed_at < $stale_before AND ${onTestClock('email_outbox.customer_id')}`;

export const REQUEUE_FAILED_EMAIL = `
UPDATE email_outbox SET status = 'queued', next_attempt_at = $at, attempts = 0, failed_at = NULL, updated_at = $at
WHERE id = $id AND status = 'failed'`;

/**
 * Withdraws the unsent emails about one record. Guarded on `status IN ('queued', 'sending')`: a run that claimed
 * one finds its claim gone at RENEW_CLAIM and does not send it.
 */
export const CANCEL_EMAILS_OF = `
UPDATE email_outbox SET status = 'cancelled', claim_token = NULL, updated_at = $at
WHERE ref_type = $ref_type AND ref_id = $ref_id AND status IN ('queued', 'sending')`;
