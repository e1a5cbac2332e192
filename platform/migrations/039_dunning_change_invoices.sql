-- A dunning case may follow an always_invoice change's invoice whose charge failed (issue 16) instead of a renewal:
-- `invoice_id` names that invoice, and its retries charge it (payment `bill_<change id>_<step>` on `ord_<change id>`).
-- A case follows one or the other, never both.
ALTER TABLE dunning_cases ADD COLUMN invoice_id VARCHAR REFERENCES invoices (id);
ALTER TABLE dunning_cases ADD CONSTRAINT dunning_cases_one_debt CHECK (billing_record_id IS NULL OR invoice_id IS NULL);
