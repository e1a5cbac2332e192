/**
 * Concurrency: a delivery is deduplicated by the unique key (provider, event_id) in `webhook_event_keys`; an event
 * is applied under its row lock and only from `received` or `failed` (`EVENT_FOR_UPDATE`), so two
 * inboxes (two kosh processes) never apply it twice.
 */
export const EVENT_COLUMNS = `
SELECT 'webhook_event' AS object, t.id, t.provider, t.event_id, t.event_type, t.entity_id, t.status, t.attempts,
       t.last_error, t.received_at, t.applied_at
FROM webhook_events t`;
export const CLAIM_EVENT_KEY = `
INSERT INTO webhook_event_keys (provider, event_id, first_delivery, expires_at)
VALUES ($provider, $event_id, $id, $expires_at)
ON CONFLICT DO NOTHING`;
export const INSERT_EVENT = `
INSERT INTO webhook_events (id, provider, event_id, event_type, entity_id, payload, status, received_at)
VALUES ($id, $provider, $event_id, $event_type, $entity_id, $payload, $status, $at)`;
export const PENDING_EVENTS = `
SELECT id, event_type FROM webhook_events WHERE status IN ('received', 'failed') AND attempts < $max_attempts
ORDER BY received_at, id LIMIT 500`;
export const EVENT_FOR_APPLY = `SELECT id, event_type, payload, status, attempts FROM webhook_events WHERE id = $id`;
export const EVENT_FOR_UPDATE = `${EVENT_FOR_APPLY} FOR UPDATE`;
export const FINISH_EVENT = `
UPDATE webhook_events SET status = $status, attempts = attempts + 1, last_error = $error, applied_at = $applied_at
WHERE id = $id`;
/** A failed apply, recorded outside its rolled-back transaction: never over an outcome another process stored. */
export const FAIL_EVENT = `
UPDATE webhook_events SET status = 'failed', attempts = attempts + 1, last_error = $error, applied_at = NULL
WHERE id = $id AND status IN ('received', 'failed')`;
/** Serializes the events of one gateway payment across processes until the transaction ends (see applyPayload). */
export const LOCK_GATEWAY_PAYMENT =
  "SELECT pg_advisory_xact_lock(hashtext('gateway_payment:' || CAST($gateway_payment_id AS VARCHAR)))";
/** A payment's events that found no kosh payment yet, oldest first, locked as an event being applied is. */
/** Token events that came before the registration payment naming their token (see apply-webhook-event.ts). */
export const WAITING_TOKEN_EVENTS = `
SELECT id, event_type, payload FROM webhook_events
WHERE entity_id = $entity_id AND status = 'unmatched' AND event_type LIKE 'token.%'
ORDER BY received_at, id
FOR UPDATE`;
export const WAITING_PAYMENT_EVENTS = `
SELECT id, event_type, payload FROM webhook_events
WHERE entity_id = $entity_id AND status = 'unmatched' AND (event_type LIKE 'payment.%' OR event_type = 'order.paid')
ORDER BY received_at, id
FOR UPDATE`;
export const PURGE_EXPIRED_EVENT_KEYS = 'DELETE FROM webhook_event_keys WHERE expires_at < $now';
export const STATUS_OF_EVENTS = `
SELECT status, count(*)::BIGINT AS n FROM webhook_events WHERE id = ANY($ids::text[]) GROUP BY status`;
