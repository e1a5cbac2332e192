-- A declined fraud review records why it was declined. Only `fraud` (the reviewer confirmed fraud) makes the payment
-- a fraud label for training (features/fraud/repository.ts); `customer_request`, `duplicate` and `other` are plain
-- operator declines. Reviews decided before this migration keep a NULL reason, which means "not confirmed fraud".
ALTER TABLE fraud_reviews ADD COLUMN reason VARCHAR;
ALTER TABLE fraud_reviews ADD CONSTRAINT fraud_reviews_reason_known
  CHECK (reason IS NULL OR reason IN ('fraud', 'customer_request', 'duplicate', 'other'));
-- A reason belongs to a decline: an approved or pending review has none.
ALTER TABLE fraud_reviews ADD CONSTRAINT fraud_reviews_reason_only_when_declined
  CHECK (reason IS NULL OR state = 'declined');
