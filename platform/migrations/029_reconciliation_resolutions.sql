-- Reconciliation items resolved by a person (write-off, adjust, matched manually) and the settlement check
-- (a settlement's report lines against its bank credit). Who resolved what, when and why is kept on the item;
-- the schema refuses a resolution without its record, and any status or resolution kosh does not know.

ALTER TABLE reconciliation_items ADD COLUMN resolved_at TIMESTAMPTZ;
ALTER TABLE reconciliation_items ADD COLUMN resolved_by VARCHAR;          -- the API key id
ALTER TABLE reconciliation_items ADD COLUMN resolution_note VARCHAR;      -- the person's reason (the system's is `note`)

ALTER TABLE reconciliation_items ADD CONSTRAINT reconciliation_items_status CHECK (status IN
  ('matched', 'missing_in_kosh', 'missing_at_gateway', 'amount_mismatch', 'fee_mismatch', 'settlement_mismatch'));
ALTER TABLE reconciliation_items ADD CONSTRAINT reconciliation_items_resolution CHECK (resolution IN
  ('none', 'auto_adjusted', 'open', 'write_off', 'adjust', 'matched_manually'));
-- Resolved by a person ⇔ who, when and why are recorded.
ALTER TABLE reconciliation_items ADD CONSTRAINT reconciliation_items_resolved CHECK (
  (resolution IN ('write_off', 'adjust', 'matched_manually'))
    = (resolved_at IS NOT NULL AND resolved_by IS NOT NULL AND resolution_note IS NOT NULL));
-- Money moves for an adjustment or a write-off, never for a manual match.
ALTER TABLE reconciliation_items ADD CONSTRAINT reconciliation_items_resolution_entry CHECK (
  resolution NOT IN ('write_off', 'adjust') OR journal_entry_id IS NOT NULL);
ALTER TABLE reconciliation_items ADD CONSTRAINT reconciliation_items_manual_no_entry CHECK (
  resolution <> 'matched_manually' OR journal_entry_id IS NULL);
