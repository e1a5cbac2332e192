-- One-time UPI by intent (NPCI withdrew UPI collect on 28 Feb 2026): a payment sent as an intent stays `created` until
-- the parent pays in their UPI app, and keeps the link they open (or scan as a QR) and when it expires. Owned by
-- payments-core/payments (set once the gateway answers; null for every other payment).
ALTER TABLE payments ADD COLUMN upi_link VARCHAR;
ALTER TABLE payments ADD COLUMN upi_link_expires_at TIMESTAMPTZ;
ALTER TABLE payments ADD CONSTRAINT payments_upi_link_expiry CHECK ((upi_link IS NULL) = (upi_link_expires_at IS NULL));
