-- The billing run looks up each subscription's pending charges (INSERT_RECORDS, and PERIOD_DUE's sum for every
-- cancelled subscription on every run). Without an index that is a scan of subscription_charges per cancelled
-- subscription; pending charges are few, so a partial index keeps the probe small.
CREATE INDEX subscription_charges_pending ON subscription_charges (subscription_id) WHERE status = 'pending';
