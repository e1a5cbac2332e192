-- Idempotency keys with atomic phases and recovery points (Brandur Leach, "Implementing Stripe-like Idempotency
-- Keys in Postgres"): the key row records how far its request got, in the same transaction as each local phase,
-- and which resource it made; a retry after a crash resumes there. A claim holds the key by `lock_token` until it
-- completes, or until `locked_at` is older than the lock timeout (its process died).
ALTER TABLE idempotency_keys ADD COLUMN recovery_point TEXT NOT NULL DEFAULT 'started';
ALTER TABLE idempotency_keys ADD COLUMN resource_id TEXT;
ALTER TABLE idempotency_keys ADD COLUMN locked_at TIMESTAMPTZ;
ALTER TABLE idempotency_keys ADD COLUMN lock_token TEXT;
UPDATE idempotency_keys SET locked_at = created_at WHERE state = 'in_flight';
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_state_known CHECK (state IN ('in_flight', 'completed'));
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_completed_has_response
  CHECK (state <> 'completed' OR response_status IS NOT NULL);
