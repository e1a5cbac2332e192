-- A UPI AutoPay mandate is registered at Razorpay before it can be debited: the method is saved `pending` while the
-- customer approves it in their UPI app, becomes `active` on `token.confirmed` (its gateway_token is then the mandate's
-- token) or `rejected` on `token.rejected`. Every existing method is active. Only an active method is charged or is
-- the default. The mandate's terms (Razorpay's token max_amount, frequency, expire_at) are kept beside it.
ALTER TABLE payment_methods ADD COLUMN status VARCHAR NOT NULL DEFAULT 'active';
-- A pending registration has no token until the gateway names one; an active method always has it.
ALTER TABLE payment_methods ALTER COLUMN gateway_token DROP NOT NULL;
ALTER TABLE payment_methods ADD CONSTRAINT payment_methods_active_token CHECK (status <> 'active' OR gateway_token IS NOT NULL);
ALTER TABLE payment_methods ADD CONSTRAINT payment_methods_status CHECK (status IN ('pending', 'active', 'rejected'));
ALTER TABLE payment_methods ADD CONSTRAINT payment_methods_default_active CHECK (NOT is_default OR status = 'active');
ALTER TABLE payment_methods ADD CONSTRAINT payment_methods_pending_mandate
  CHECK (status = 'active' OR mandate_type = 'upi_autopay');
ALTER TABLE payment_methods ADD COLUMN mandate_max_amount_minor BIGINT CHECK (mandate_max_amount_minor > 0);
ALTER TABLE payment_methods ADD COLUMN mandate_frequency VARCHAR
  CHECK (mandate_frequency IN ('as_presented', 'monthly'));
ALTER TABLE payment_methods ADD COLUMN mandate_expires_at TIMESTAMPTZ;
-- The registration's authorisation payment at the gateway (pay_…): what its webhooks are matched by.
ALTER TABLE payment_methods ADD COLUMN gateway_registration_id VARCHAR UNIQUE;
CREATE INDEX payment_methods_gateway_token ON payment_methods (gateway_token);
