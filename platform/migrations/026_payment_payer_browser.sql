-- The payer's browser beside the IP already kept: Razorpay takes an S2S UPI collect only with the payer's `ip`,
-- `referer` and `user_agent` (https://razorpay.com/docs/payments/third-party-validation/s2s-integration/upi/collect),
-- which the platform's backend relays with POST /v1/payments. Kept on the payment so that a payment charged later
-- (a fraud hold approved, a request resumed after a crash) is sent with the browser that asked for it.
ALTER TABLE payments
  ADD COLUMN user_agent VARCHAR CHECK (length(user_agent) BETWEEN 1 AND 1000),
  ADD COLUMN referer    VARCHAR CHECK (length(referer) BETWEEN 1 AND 2000);
