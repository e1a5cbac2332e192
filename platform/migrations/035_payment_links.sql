-- An on-session Razorpay payment link for a billing record the parent must pay themselves: the debit was refused
-- off-session (above ₹15,000 the customer must authenticate each debit) or declined hard. Written only by
-- payments-core/billing (the owner of billing_records). One link per record: a partial unique index on the
-- gateway's link id, and the link is created with reference_id = the record id, which Razorpay keeps unique.
-- payment_link_status mirrors the gateway's: created | partially_paid | paid | cancelled | expired.
ALTER TABLE billing_records ADD COLUMN payment_link_id VARCHAR;
ALTER TABLE billing_records ADD COLUMN payment_link_url VARCHAR;
ALTER TABLE billing_records ADD COLUMN payment_link_status VARCHAR;
ALTER TABLE billing_records ADD CONSTRAINT billing_records_payment_link_status_check
  CHECK (payment_link_status IN ('created', 'partially_paid', 'paid', 'cancelled', 'expired'));
ALTER TABLE billing_records ADD CONSTRAINT billing_records_payment_link_complete_check
  CHECK ((payment_link_id IS NULL) = (payment_link_url IS NULL) AND (payment_link_id IS NULL) = (payment_link_status IS NULL));
CREATE UNIQUE INDEX billing_records_payment_link_id ON billing_records (payment_link_id) WHERE payment_link_id IS NOT NULL;

-- The same for an installment refused off-session (`requires_authentication`, above ₹15,000), written only by
-- payments-core/installments; reference_id = the installment id.
ALTER TABLE installments ADD COLUMN payment_link_id VARCHAR;
ALTER TABLE installments ADD COLUMN payment_link_url VARCHAR;
ALTER TABLE installments ADD COLUMN payment_link_status VARCHAR;
ALTER TABLE installments ADD CONSTRAINT installments_payment_link_status_check
  CHECK (payment_link_status IN ('created', 'partially_paid', 'paid', 'cancelled', 'expired'));
ALTER TABLE installments ADD CONSTRAINT installments_payment_link_complete_check
  CHECK ((payment_link_id IS NULL) = (payment_link_url IS NULL) AND (payment_link_id IS NULL) = (payment_link_status IS NULL));
CREATE UNIQUE INDEX installments_payment_link_id ON installments (payment_link_id) WHERE payment_link_id IS NOT NULL;
