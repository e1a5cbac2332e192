-- An e-mandate is registered through a Razorpay registration link (issue 15 §1): the method is saved `pending`
-- (type netbanking, mandate_type emandate) with the link the parent opens to authorise it at their bank; the token's
-- `token.confirmed` makes it `active`, `token.rejected` `rejected`, and a link that expires unused (`invoice.expired`)
-- leaves it `expired`. Only the account's last 4 digits and its IFSC are kept, never the full account number; the
-- mandate's auth type (net banking, debit card, Aadhaar) beside its terms.
ALTER TABLE payment_methods DROP CONSTRAINT payment_methods_pending_mandate;
ALTER TABLE payment_methods ADD CONSTRAINT payment_methods_pending_mandate
  CHECK (status = 'active' OR mandate_type IN ('upi_autopay', 'emandate'));
ALTER TABLE payment_methods DROP CONSTRAINT payment_methods_status;
ALTER TABLE payment_methods ADD CONSTRAINT payment_methods_status
  CHECK (status IN ('pending', 'active', 'rejected', 'paused', 'cancelled', 'expired'));
ALTER TABLE payment_methods ADD COLUMN bank_account_last4 VARCHAR CHECK (bank_account_last4 ~ '^[0-9]{4}$');
ALTER TABLE payment_methods ADD COLUMN bank_ifsc VARCHAR CHECK (bank_ifsc ~ '^[A-Z]{4}0[A-Z0-9]{6}$');
-- `physical` is paper NACH: the parent prints the prefilled form (nach_form_url), signs it and uploads it at the link.
ALTER TABLE payment_methods ADD COLUMN mandate_auth_type VARCHAR
  CHECK (mandate_auth_type IN ('netbanking', 'debitcard', 'aadhaar', 'physical'));
ALTER TABLE payment_methods ADD COLUMN nach_form_url VARCHAR;
-- The registration link (Razorpay's invoice short_url) and when it stops working; the invoice id is
-- gateway_registration_id, by which the authorisation payment (its `invoice_id`) and `invoice.expired` are matched.
ALTER TABLE payment_methods ADD COLUMN registration_url VARCHAR;
ALTER TABLE payment_methods ADD COLUMN registration_expires_at TIMESTAMPTZ;
