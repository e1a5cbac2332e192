-- Issue 16: a registered (B2B) recipient. A customer may carry a GSTIN, so the invoices kosh makes for them
-- (subscription periods, always_invoice changes, statements) carry it, take the place of supply from its state and
-- go to GSTR-1's B2B section. Owned by payments-core/customers (checked there with the mod-36 check character; here
-- only its shape). A customer with a GSTIN has a billing address (Rule 46(e)): create-customer asks for one and
-- update-customer keeps it.
ALTER TABLE customers ADD COLUMN gstin VARCHAR
  CHECK (gstin IS NULL OR gstin ~ '^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$');
