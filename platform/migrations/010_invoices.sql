-- Invoices, credit notes, their lines, payments applied to them, gapless numbering and PDF templates.
-- Money is BIGINT paise beside a currency; timestamps are UTC TIMESTAMPTZ; the financial year is Asia/Kolkata.

-- One document. kind: invoice | credit_note. document_type: tax_invoice | bill_of_supply |
-- invoice_cum_bill_of_supply (rule 46A: taxable and exempt lines together) | credit_note.
-- status: draft | finalized | paid | partially_paid | void | uncollectible (forward only).
-- source: subscription_period | monthly_statement | manual | credit_note; (source, source_ref) is the
-- idempotency key of draft creation. `number` stays NULL until finalisation, which also writes
-- invoice_numbers in the same transaction (that table's keys make numbers unique; this column is a copy).
-- supply_type: intra (CGST + SGST) | inter (IGST), from the supplier's state vs the place of supply.
-- total_minor = taxable_minor + exempt_minor + cgst + sgst + igst + round_off (rounded to the rupee).
-- Everything printed on the document is snapshotted at finalisation (supplier, customer, template version),
-- so a finalised invoice renders to the same bytes every time.
CREATE TABLE invoices (
  id                    VARCHAR PRIMARY KEY,
  kind                  VARCHAR NOT NULL,
  document_type         VARCHAR NOT NULL,
  status                VARCHAR NOT NULL,
  source                VARCHAR NOT NULL,
  source_ref            VARCHAR NOT NULL,
  customer_id           VARCHAR NOT NULL,
  school_id             VARCHAR NOT NULL,
  subscription_id       VARCHAR,
  original_invoice_id   VARCHAR,
  currency              VARCHAR NOT NULL,
  supply_type           VARCHAR NOT NULL,
  supplier_state_code   VARCHAR NOT NULL,   -- GST state code, e.g. 29
  place_of_supply       VARCHAR NOT NULL,   -- GST state code of the recipient
  customer_gstin        VARCHAR,
  taxable_minor         BIGINT NOT NULL,
  exempt_minor          BIGINT NOT NULL,
  cgst_minor            BIGINT NOT NULL,
  sgst_minor            BIGINT NOT NULL,
  igst_minor            BIGINT NOT NULL,
  round_off_minor       BIGINT NOT NULL,
  total_minor           BIGINT NOT NULL,
  amount_paid_minor     BIGINT NOT NULL,
  amount_credited_minor BIGINT NOT NULL,
  auto_finalize         BOOLEAN NOT NULL,
  memo                  VARCHAR,
  reason                VARCHAR,            -- credit notes: refund | adjustment | ...
  template_id           VARCHAR,
  template_version      INTEGER,
  series                VARCHAR,
  fiscal_year           VARCHAR,            -- e.g. 26-27
  number                VARCHAR,
  snapshot              JSON,               -- supplier, customer and school as printed
  pdf_key               VARCHAR,
  pdf_sha256            VARCHAR,
  due_at                TIMESTAMPTZ,
  finalized_at          TIMESTAMPTZ,
  paid_at               TIMESTAMPTZ,
  voided_at             TIMESTAMPTZ,
  uncollectible_at      TIMESTAMPTZ,
  created_at            TIMESTAMPTZ NOT NULL,
  updated_at            TIMESTAMPTZ NOT NULL,
  UNIQUE (source, source_ref)
);

-- tax_category: gst | gst_exempt_school_meals. amount_minor is the taxable value (before GST, may be negative).
CREATE TABLE invoice_lines (
  invoice_id         VARCHAR NOT NULL,
  line_no            INTEGER NOT NULL,
  description        VARCHAR NOT NULL,
  quantity           DOUBLE PRECISION NOT NULL,
  unit_amount_minor  BIGINT NOT NULL,
  amount_minor       BIGINT NOT NULL,
  tax_category       VARCHAR NOT NULL,
  gst_rate_bp        INTEGER,
  hsn_sac            VARCHAR NOT NULL,
  cgst_minor         BIGINT NOT NULL,
  sgst_minor         BIGINT NOT NULL,
  igst_minor         BIGINT NOT NULL,
  period_start       TIMESTAMPTZ,
  period_end         TIMESTAMPTZ,
  PRIMARY KEY (invoice_id, line_no)
);

-- Payments applied to an invoice, once per payment (draft invoices too: the status follows at finalisation).
CREATE TABLE invoice_payments (
  payment_id    VARCHAR PRIMARY KEY,
  invoice_id    VARCHAR NOT NULL,
  amount_minor  BIGINT NOT NULL,
  paid_at       TIMESTAMPTZ NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL
);

-- The last number handed out per series (INV, BOS, CN) and financial year; bumped only in the transaction
-- that finalises, so a rolled-back finalisation takes no number and numbers have no gaps.
CREATE TABLE invoice_number_counters (
  series       VARCHAR NOT NULL,
  fiscal_year  VARCHAR NOT NULL,
  last_seq     INTEGER NOT NULL,
  PRIMARY KEY (series, fiscal_year)
);

-- Every number ever assigned; insert-only, so its keys prove no number is used twice.
CREATE TABLE invoice_numbers (
  number       VARCHAR PRIMARY KEY,
  series       VARCHAR NOT NULL,
  fiscal_year  VARCHAR NOT NULL,
  seq          INTEGER NOT NULL,
  invoice_id   VARCHAR NOT NULL UNIQUE,
  assigned_at  TIMESTAMPTZ NOT NULL,
  UNIQUE (series, fiscal_year, seq)
);

-- PDF templates, versioned: every edit writes a new version, and a finalised invoice names the version it used.
-- status: active | archived. logo_png: base64 PNG or JPEG. show_fields: JSON object of optional fields shown.
CREATE TABLE invoice_templates (
  id             VARCHAR NOT NULL,
  version        INTEGER NOT NULL,
  name           VARCHAR NOT NULL,
  status         VARCHAR NOT NULL,
  is_default     BOOLEAN NOT NULL,
  logo_base64    VARCHAR,
  primary_color  VARCHAR NOT NULL,
  accent_color   VARCHAR NOT NULL,
  header_text    VARCHAR,
  footer_text    VARCHAR,
  terms          VARCHAR,
  locale         VARCHAR NOT NULL,
  show_fields    JSON NOT NULL,
  created_at     TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (id, version)
);

INSERT INTO invoice_templates VALUES ('tmpl_default', 1, 'Default', 'active', true, NULL, '#1F4E79', '#E8EEF5',
  NULL, 'This is a computer-generated document and needs no signature.',
  'Payment is collected automatically from the payment method on file.', 'en-IN',
  '{"hsn_sac": true, "service_period": true, "customer_email": true, "school": true, "payment_status": true}',
  TIMESTAMPTZ '2026-01-01 00:00:00');

-- The supplier of record printed on every document (one row). serving/server.ts overwrites it from
-- configuration (KOSH_SUPPLIER_*) at start; drafts read the state code from here to pick CGST+SGST or IGST.
CREATE TABLE invoice_supplier (
  id          INTEGER PRIMARY KEY,
  gstin       VARCHAR NOT NULL,
  legal_name  VARCHAR NOT NULL,
  address     VARCHAR NOT NULL,
  state_code  VARCHAR NOT NULL,   -- GST state code, the GSTIN's first two digits
  email       VARCHAR,
  updated_at  TIMESTAMPTZ NOT NULL
);

INSERT INTO invoice_supplier VALUES (1, '29AABCK0510K1ZR', 'Kosh School Meals Private Limited (demo)',
  '12 Residency Road, Bengaluru, Karnataka 560025', '29', 'billing@kosh.example', TIMESTAMPTZ '2026-01-01 00:00:00');
