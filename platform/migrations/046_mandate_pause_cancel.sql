-- A confirmed UPI AutoPay mandate can be paused, resumed or revoked by the parent in their UPI app; Razorpay tells
-- kosh by `token.paused`, `token.resumed` and `token.cancelled`. A paused mandate stays the parent's default (they are
-- asked to resume it) but is not debited; a cancelled one is neither. token_event_at is the gateway time of the last
-- token event applied, so a late pause never overrides a later resume.
ALTER TABLE payment_methods DROP CONSTRAINT payment_methods_status;
ALTER TABLE payment_methods ADD CONSTRAINT payment_methods_status
  CHECK (status IN ('pending', 'active', 'rejected', 'paused', 'cancelled'));
ALTER TABLE payment_methods DROP CONSTRAINT payment_methods_default_active;
ALTER TABLE payment_methods ADD CONSTRAINT payment_methods_default_active
  CHECK (NOT is_default OR status IN ('active', 'paused'));
ALTER TABLE payment_methods ADD COLUMN token_event_at TIMESTAMPTZ;
