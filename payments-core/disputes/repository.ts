/**
 * Concurrency: a dispute is written under its payment's row lock (taken first, so two events of a dispute kosh has
 * not seen yet cannot both insert it), inside the transaction that applies its webhook or the gateway's answer; its
 * loss is posted once (the journal's unique (kind, ref_id), with an id derived from the dispute's).
 */
export const DISPUTE_COLUMNS = `
SELECT 'dispute' AS object, t.id, t.gateway_dispute_id, t.payment_id, t.amount_minor AS amount,
       t.amount_deducted_minor AS amount_deducted, t.currency, t.reason_code, t.reason_description, t.phase, t.status,
       t.respond_by, t.evidence_summary, t.journal_entry_id, t.created_at, t.updated_at
FROM disputes t`;
export const DISPUTE_BY_ID = `${DISPUTE_COLUMNS} WHERE t.id = $id`;
export const DISPUTE_FOR_UPDATE = `
SELECT id, payment_id, status, gateway_event_at, amount_minor AS amount, currency, journal_entry_id
FROM disputes WHERE gateway_dispute_id = $gateway_dispute_id FOR UPDATE`;
export const GATEWAY_ID_OF_DISPUTE = 'SELECT gateway_dispute_id FROM disputes WHERE id = $id';

export const INSERT_DISPUTE = `
INSERT INTO disputes (id, gateway_dispute_id, payment_id, amount_minor, amount_deducted_minor, currency, reason_code,
  reason_description, phase, status, respond_by, evidence_summary, journal_entry_id, gateway_event_at, created_at,
  updated_at)
VALUES ($id, $gateway_dispute_id, $payment_id, $amount, $amount_deducted, $currency, $reason_code, $reason_description,
  $phase, $status, $respond_by, $evidence_summary, $journal_entry_id, $event_at, $created_at, $at)
ON CONFLICT (gateway_dispute_id) DO NOTHING`;
export const UPDATE_DISPUTE = `
UPDATE disputes SET amount_deducted_minor = $amount_deducted, phase = $phase, status = $status,
  respond_by = $respond_by, evidence_summary = coalesce($evidence_summary, evidence_summary),
  journal_entry_id = coalesce($journal_entry_id, journal_entry_id), gateway_event_at = $event_at, updated_at = $at
WHERE id = $id`;
/** What a payment's disputes hold of it: open ones (the bank may take it) and lost ones (taken). */
export const HELD_BY_DISPUTES = `
SELECT coalesce(sum(amount_minor), 0)::BIGINT AS held FROM disputes
WHERE payment_id = $payment_id AND status IN ('open', 'under_review', 'lost')`;
