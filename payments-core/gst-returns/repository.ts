/**
 * Reads of the GST returns, over the invoices domain's tables (owned and written by payments-core/invoices; this
 * module writes nothing, so it needs no concurrency guard: each export reads one consistent snapshot in a
 * REPEATABLE READ transaction).
 */

/** The numbered documents issued (finalised) in [start, end), voided ones included, with their originals. */
export const DOCUMENTS_ISSUED = `
SELECT d.id, d.kind, d.status, d.number, d.series, d.fiscal_year, d.finalized_at, d.customer_gstin, d.place_of_supply,
  d.supply_type, d.total_minor, d.round_off_minor, d.original_invoice_id,
  o.customer_gstin AS original_gstin, o.supply_type AS original_supply_type, o.total_minor AS original_total_minor
FROM invoices d LEFT JOIN invoices o ON o.id = d.original_invoice_id
WHERE d.finalized_at >= $start AND d.finalized_at < $end AND d.number IS NOT NULL
ORDER BY d.series, d.number`;

export const LINES_OF_DOCUMENTS = `
SELECT invoice_id, line_no, description, quantity, amount_minor, tax_category, gst_rate_bp, hsn_sac, uqc,
  cgst_minor, sgst_minor, igst_minor
FROM invoice_lines WHERE invoice_id = ANY($ids::text[]) ORDER BY invoice_id, line_no`;

export const SUPPLIER_GSTIN = `SELECT gstin FROM invoice_supplier WHERE id = 1`;
