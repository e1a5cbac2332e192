-- Issue 19 §5: when each API key was last used, and when a customer was erased.
-- Each API key's last use (issue 19 §5): written by the auth path at most once a minute per key
-- (payments-core/api-keys/record-key-use.ts), so it is the start of the last minute the key was used in.
ALTER TABLE api_keys ADD COLUMN last_used_at TIMESTAMPTZ;

-- A customer's erasure (issue 19 §5, payments-core/customers/erase-customer.ts): when their personal data was removed.
ALTER TABLE customers ADD COLUMN erased_at TIMESTAMPTZ;
