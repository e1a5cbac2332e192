/**
 * SQL of the invoices domain. Bulk statements take one JSON parameter of rows, read set-wise with
 * `json_to_recordset`; instants travel as epoch milliseconds. Concurrency: drafts are finalised under a row lock
 * (`FOR UPDATE` in finalize-drafts.ts) and numbered under the series counter's row lock (numbering.ts); every other
 * write is a `WHERE status = …` / compare-and-set guard or an `ON CONFLICT` on a unique key.
 */

/** Epoch milliseconds (BIGINT, NULL stays NULL) as TIMESTAMPTZ, exactly. */
export const fromEpochMs = (expr: string): string => `('epoch'::timestamptz + ${expr} * INTERVAL '1 millisecond')`;

/** The record type of INSERT_INVOICES' rows. */
const INVOICE_ROW = `id VARCHAR, kind VARCHAR, document_type VARCHAR, source VARCHAR, source_ref VARCHAR,
  customer_id VARCHAR, school_id VARCHAR, subscription_id VARCHAR, original_invoice_id VARCHAR, currency VARCHAR,
  supply_type VARCHAR, supplier_state_code VARCHAR, place_of_supply VARCHAR, customer_gstin VARCHAR, taxable BIGINT,
  exempt BIGINT, cgst BIGINT, sgst BIGINT, igst BIGINT, round_off BIGINT, total BIGINT, auto_finalize BOOLEAN,
  memo VARCHAR, reason VARCHAR, template_id VARCHAR, due_ms BIGINT`;

export const INSERT_INVOICES = `
INSERT INTO invoices (id, kind, document_type, status, source, source_ref, customer_id, school_id, subscription_id,
  original_invoice_id, currency, supply_type, supplier_state_code, place_of_supply, customer_gstin, taxable_minor,
  exempt_minor, cgst_minor, sgst_minor, igst_minor, round_off_minor, total_minor, amount_paid_minor,
  amount_credited_minor, auto_finalize, memo, reason, template_id, due_at, created_at, updated_at)
SELECT r.id, r.kind, r.document_type, 'draft', r.source, r.source_ref, r.customer_id, r.school_id, r.subscription_id,
  r.original_invoice_id, r.currency, r.supply_type, r.supplier_state_code, r.place_of_supply, r.customer_gstin, r.taxable,
  r.exempt, r.cgst, r.sgst, r.igst, r.round_off, r.total, 0, 0, r.auto_finalize, r.memo, r.reason, r.template_id,
  ${fromEpochMs('r.due_ms')}, $at::timestamptz, $at::timestamptz
FROM json_to_recordset($rows::json) AS r(${INVOICE_ROW})`;

/** The record type of INSERT_LINES' rows. */
const LINE_ROW = `invoice_id VARCHAR, line_no INTEGER, description VARCHAR, quantity DOUBLE PRECISION,
  unit_amount BIGINT, amount BIGINT, tax_category VARCHAR, gst_rate_bp INTEGER, hsn_sac VARCHAR, uqc VARCHAR, cgst BIGINT,
  sgst BIGINT, igst BIGINT, start_ms BIGINT, end_ms BIGINT`;

export const INSERT_LINES = `
INSERT INTO invoice_lines (invoice_id, line_no, description, quantity, unit_amount_minor, amount_minor, tax_category,
  gst_rate_bp, hsn_sac, uqc, cgst_minor, sgst_minor, igst_minor, period_start, period_end)
SELECT r.invoice_id, r.line_no, r.description, r.quantity, r.unit_amount, r.amount, r.tax_category, r.gst_rate_bp,
  r.hsn_sac, r.uqc, r.cgst, r.sgst, r.igst, ${fromEpochMs('r.start_ms')}, ${fromEpochMs('r.end_ms')}
FROM json_to_recordset($rows::json) AS r(${LINE_ROW})`;

/** Existing invoices for (source, source_ref) pairs: the idempotency lookup of draft creation. */
export const INVOICES_BY_SOURCE = `
SELECT i.id, i.source, i.source_ref, i.total_minor
FROM invoices i
JOIN json_to_recordset($keys::json) AS k(s VARCHAR, r VARCHAR) ON i.source = k.s AND i.source_ref = k.r`;

/**
 * The customers' states for the place of supply: registered (ISO code, e.g. KA) and of their billing address (GST
 * code, e.g. 29); and the supplier's GST state code.
 */
export const CUSTOMER_STATES = `
SELECT c.id, c.state_code, c.gstin, a.state_code AS address_state_code
FROM customers c LEFT JOIN customer_billing_addresses a ON a.customer_id = c.id
WHERE c.id = ANY($ids::text[])`;
export const CUSTOMER_STATES_ONE = `
SELECT c.state_code, a.state_code AS address_state_code
FROM customers c LEFT JOIN customer_billing_addresses a ON a.customer_id = c.id WHERE c.id = $id`;
export const SUPPLIER = `SELECT gstin, legal_name, address, state_code, email FROM invoice_supplier WHERE id = 1`;

export const INVOICE_COLUMNS = `
SELECT t.kind AS object, t.id, t.number, t.document_type, t.status, t.source, t.source_ref, t.customer_id, t.school_id,
  t.subscription_id, t.original_invoice_id, t.currency, t.supply_type, t.supplier_state_code, t.place_of_supply,
  t.customer_gstin, t.taxable_minor AS taxable, t.exempt_minor AS exempt, t.cgst_minor AS cgst, t.sgst_minor AS sgst,
  t.igst_minor AS igst, t.round_off_minor AS round_off, t.total_minor AS total, t.amount_paid_minor AS amount_paid,
  t.amount_credited_minor AS amount_credited,
  greatest(t.total_minor - t.amount_paid_minor - t.amount_credited_minor, 0) AS amount_due, t.auto_finalize, t.memo,
  t.reason, t.template_id, t.template_version, t.due_at, t.finalized_at, t.paid_at, t.voided_at, t.uncollectible_at,
  t.irn, t.irn_ack_no, t.irn_ack_at, t.created_at, t.updated_at
FROM invoices t`;
/**
 * Records an e-invoice's IRP registration once: only on a finalised (or paid, written-off) B2B invoice that has none,
 * so a second recording, a void or a concurrent recording loses cleanly (0 rows).
 */
export const SET_IRN = `
UPDATE invoices SET irn = $irn, irn_ack_no = $ack_no, irn_ack_at = $ack_at, irn_signed_qr = $signed_qr, updated_at = $at
WHERE id = $id AND irn IS NULL AND kind = 'invoice' AND customer_gstin IS NOT NULL
  AND document_type <> 'bill_of_supply' AND status IN ('finalized', 'paid', 'partially_paid', 'uncollectible')
RETURNING id`;
/** Takes the invoice's row lock: an If-Match check and the write that follows it are one step. */
export const LOCK_INVOICE = 'SELECT id FROM invoices WHERE id = $id FOR UPDATE';
export const IRN_STATE = `
SELECT kind, status, document_type, customer_gstin, irn, irn_ack_no, irn_ack_at, irn_signed_qr FROM invoices WHERE id = $id`;
export const INVOICE_BY_ID = `${INVOICE_COLUMNS} WHERE t.id = $id`;
export const LINES_OF = `
SELECT line_no, description, quantity, unit_amount_minor AS unit_amount, amount_minor AS amount, tax_category,
  gst_rate_bp, hsn_sac, uqc, cgst_minor AS cgst, sgst_minor AS sgst, igst_minor AS igst, period_start, period_end
FROM invoice_lines WHERE invoice_id = $id ORDER BY line_no`;

export const INSERT_PAYMENT = `
INSERT INTO invoice_payments (payment_id, invoice_id, amount_minor, paid_at, created_at)
VALUES ($payment_id, $invoice_id, $amount, $paid_at, $at) ON CONFLICT (payment_id) DO NOTHING`;

/**
 * Adds a payment to the invoice's paid amount; a finalised invoice moves to paid or partially_paid (an
 * uncollectible one too: late money still counts). Drafts keep their status; finalisation applies it.
 */
export const APPLY_PAYMENT = `
UPDATE invoices SET
  amount_paid_minor = amount_paid_minor + $amount,
  status = CASE
    WHEN status IN ('finalized', 'partially_paid', 'uncollectible', 'paid') THEN
      CASE WHEN amount_paid_minor + $amount + amount_credited_minor >= total_minor THEN 'paid'
           WHEN amount_paid_minor + $amount > 0 THEN 'partially_paid' ELSE status END
    ELSE status END,
  paid_at = CASE
    WHEN status IN ('finalized', 'partially_paid', 'uncollectible', 'paid')
      AND amount_paid_minor + $amount + amount_credited_minor >= total_minor THEN coalesce(paid_at, $paid_at)
    ELSE paid_at END,
  updated_at = $at
WHERE id = $invoice_id`;

/**
 * Payments applied set-wise to invoices still in draft (the billing run's case): idempotent per payment id like
 * INSERT_PAYMENT; the lists are zipped (payment, invoice, amount). The drafts are share-locked until the caller's
 * transaction ends, so a concurrent finalisation either sees these payments or makes them fall out (not draft).
 * Each invoice is probed by key from its list entry (a locking LATERAL subquery is never flattened into a join):
 * joined on the list, with statistics taken before a run's drafts existed (a run makes them by the thousand in
 * minutes), the planner compared every draft with every entry (30,000 × 500 comparisons: 1–3 s a chunk).
 */
export const INSERT_DRAFT_PAYMENTS = `
INSERT INTO invoice_payments (payment_id, invoice_id, amount_minor, paid_at, created_at)
SELECT v.payment_id, v.invoice_id, v.amount_minor, $paid_at::timestamptz, $at::timestamptz
FROM unnest($payment_ids::text[], $invoice_ids::text[], $amounts::bigint[]) AS v(payment_id, invoice_id, amount_minor)
CROSS JOIN LATERAL (SELECT i.id FROM invoices i WHERE i.id = v.invoice_id AND i.status = 'draft' AND i.kind = 'invoice'
                    FOR SHARE) i
WHERE NOT EXISTS (SELECT 1 FROM invoice_payments ip WHERE ip.payment_id = v.payment_id)
ON CONFLICT (payment_id) DO NOTHING
RETURNING payment_id`;
export const APPLY_DRAFT_PAYMENTS = `
UPDATE invoices SET amount_paid_minor = amount_paid_minor + ip.amount_minor, updated_at = $at
FROM invoice_payments ip
WHERE ip.invoice_id = invoices.id AND ip.payment_id = ANY($payment_ids::text[]) AND invoices.status = 'draft'`;
