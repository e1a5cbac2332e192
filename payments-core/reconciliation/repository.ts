import type { AmountUnit } from './types.js';

/**
 * Concurrency: a run writes only new rows (the run, its items, their adjustment entries) in one transaction, staged in
 * session-private temp tables, so concurrent runs never write the same row; an item's adjustment is unique in the
 * ledger by (adjustment, item id).
 */

/** The report's columns kosh needs (Razorpay's Settlement Recon names); the rest of the report is ignored. */
export const REQUIRED_COLUMNS = [
  'entity_id',
  'type',
  'debit',
  'credit',
  'amount',
  'currency',
  'fee',
  'tax',
  'on_hold',
  'settled',
  'created_at',
  'settled_at',
  'settlement_id',
] as const;
/** Read when present, NULL otherwise. */
export const OPTIONAL_COLUMNS = ['settlement_utr', 'order_id', 'order_receipt', 'method', 'payment_id'] as const;
const MONEY_COLUMNS = ['debit', 'credit', 'amount', 'fee', 'tax'] as const;

// Parsing and checking a report file is analytics-style work: it runs in a throwaway in-memory DuckDB
// (`read_csv`, the statements marked DuckDB). The typed lines then go into PostgreSQL's temp table
// `recon_report` by COPY, where they are compared with kosh's books (every other statement).

/** DuckDB: every cell as text, in file order; a malformed file (ragged rows, bad quoting) fails here. */
export const LOAD_RAW_REPORT = `
CREATE OR REPLACE TEMP TABLE recon_raw AS
SELECT * FROM read_csv($path, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"',
  strict_mode = true, null_padding = false)`;
export const RAW_REPORT_COLUMNS = 'SELECT lower(column_name) AS name FROM (DESCRIBE recon_raw)';
/** Only ever called with a name from OPTIONAL_COLUMNS. */
export const addOptionalColumn = (name: (typeof OPTIONAL_COLUMNS)[number]) =>
  `ALTER TABLE recon_raw ADD COLUMN ${name} VARCHAR`;

/** The report's line of a raw row: rows keep file order, the header is line 1. */
const LINE_NO = 'CAST(rowid - (SELECT min(rowid) FROM recon_raw) + 2 AS INTEGER)';
const MONEY_PATTERN: Record<AmountUnit, string> = {
  paise: `'-?[0-9]{1,15}'`,
  rupees: `'-?[0-9]{1,13}([.][0-9]{1,2})?'`,
};
const moneyOk = (col: string, unit: AmountUnit) =>
  `(nullif(trim(${col}), '') IS NULL OR regexp_full_match(trim(${col}), ${MONEY_PATTERN[unit]}))`;
/** Exact conversion to paise (rupees through DECIMAL(18,2), never a float); a bad cell is caught by `problem`. */
const moneyValue = (col: string, unit: AmountUnit) =>
  unit === 'paise'
    ? `coalesce(TRY_CAST(nullif(trim(${col}), '') AS BIGINT), 0)`
    : `coalesce(TRY_CAST(TRY_CAST(nullif(trim(${col}), '') AS DECIMAL(18,2)) * 100 AS BIGINT), 0)`;
const UNIX = `'[0-9]{1,11}'`;
/** A trailing `Z` or `±hh:mm` offset: parsed as an instant (a plain TIMESTAMP cast would drop the offset). */
const OFFSET = `'(Z|[+-][0-9]{2}:?[0-9]{2})$'`;
/**
 * Unix seconds (the API), or an ISO-8601 / `yyyy-mm-dd hh:mm:ss` timestamp: UTC unless it carries an offset.
 * Instants go through epoch milliseconds, so the session time zone never applies.
 */
const timeValue = (col: string) =>
  `CASE WHEN regexp_full_match(trim(${col}), ${UNIX}) THEN epoch_ms(CAST(trim(${col}) AS BIGINT) * 1000)
        WHEN regexp_matches(trim(${col}), ${OFFSET}) THEN epoch_ms(epoch_ms(TRY_CAST(trim(${col}) AS TIMESTAMPTZ)))
        ELSE TRY_CAST(nullif(trim(${col}), '') AS TIMESTAMP) END`;
const timeOk = (col: string) => `(nullif(trim(${col}), '') IS NULL OR ${timeValue(col)} IS NOT NULL)`;
const boolOk = (col: string) => `(nullif(trim(${col}), '') IS NULL OR TRY_CAST(trim(${col}) AS BOOLEAN) IS NOT NULL)`;

/**
 * DuckDB: the report typed, one row per line, in one pass: every cell is converted and checked together; `problem`
 * names a line's first bad cell as `column:code`. Built only from the constants above (the unit picks one of
 * two number patterns), never from report values.
 */
export function stageReportSql(unit: AmountUnit): string {
  const checks = [
    `CASE WHEN nullif(trim(entity_id), '') IS NULL THEN 'entity_id:required' END`,
    `CASE WHEN nullif(trim(type), '') IS NULL THEN 'type:required' END`,
    `CASE WHEN nullif(trim(amount), '') IS NULL THEN 'amount:required' END`,
    ...MONEY_COLUMNS.map((c) => `CASE WHEN NOT ${moneyOk(c, unit)} THEN '${c}:invalid_number' END`),
    `CASE WHEN upper(coalesce(trim(currency), '')) <> 'INR' THEN 'currency:unsupported_currency' END`,
    `CASE WHEN nullif(trim(created_at), '') IS NULL THEN 'created_at:required' END`,
    `CASE WHEN NOT ${timeOk('created_at')} THEN 'created_at:invalid_timestamp' END`,
    `CASE WHEN NOT ${timeOk('settled_at')} THEN 'settled_at:invalid_timestamp' END`,
    `CASE WHEN NOT ${boolOk('on_hold')} THEN 'on_hold:invalid_boolean' END`,
    `CASE WHEN NOT ${boolOk('settled')} THEN 'settled:invalid_boolean' END`,
  ];
  return `
CREATE OR REPLACE TEMP TABLE recon_report AS
SELECT ${LINE_NO} AS line_no, trim(entity_id) AS entity_id, lower(trim(type)) AS type,
       ${MONEY_COLUMNS.map((c) => `${moneyValue(c, unit)} AS ${c}`).join(', ')},
       upper(trim(currency)) AS currency,
       coalesce(TRY_CAST(nullif(trim(on_hold), '') AS BOOLEAN), false) AS on_hold,
       coalesce(TRY_CAST(nullif(trim(settled), '') AS BOOLEAN), false) AS settled,
       ${timeValue('created_at')} AS created_at, ${timeValue('settled_at')} AS settled_at,
       nullif(trim(settlement_id), '') AS settlement_id, nullif(trim(settlement_utr), '') AS settlement_utr,
       nullif(trim(order_id), '') AS order_id, nullif(trim(order_receipt), '') AS order_receipt,
       nullif(trim(method), '') AS method, nullif(trim(payment_id), '') AS payment_id,
       coalesce(${checks.join(',\n                ')}) AS problem
FROM recon_raw`;
}

/** DuckDB: the first bad lines, each with its first bad cell. */
export const INVALID_LINES = `
SELECT line_no, problem FROM recon_report WHERE problem IS NOT NULL ORDER BY line_no LIMIT 20`;

/** DuckDB: entities the report lists more than once, with their lines. */
export const DUPLICATE_ENTITIES = `
SELECT type, entity_id, list(line_no ORDER BY line_no) AS lines
FROM recon_report GROUP BY type, entity_id HAVING count(*) > 1
ORDER BY min(line_no) LIMIT 20`;

/**
 * DuckDB: one page of the typed lines, in file order, as they are copied into PostgreSQL (`STAGED_REPORT_COLUMNS`
 * order). Times go as UTC text with microseconds, so nothing is lost on the way.
 */
export const STAGED_REPORT_PAGE = `
SELECT line_no, entity_id, type, debit, credit, amount, fee, tax, currency, on_hold, settled,
       CAST(created_at AS VARCHAR) || '+00' AS created_at, CAST(settled_at AS VARCHAR) || '+00' AS settled_at,
       settlement_id, settlement_utr, order_id, order_receipt, method, payment_id
FROM recon_report WHERE line_no > $after ORDER BY line_no LIMIT $limit`;
export const STAGED_REPORT_COLUMNS = [
  'line_no',
  'entity_id',
  'type',
  'debit',
  'credit',
  'amount',
  'fee',
  'tax',
  'currency',
  'on_hold',
  'settled',
  'created_at',
  'settled_at',
  'settlement_id',
  'settlement_utr',
  'order_id',
  'order_receipt',
  'method',
  'payment_id',
] as const;

/**
 * PostgreSQL: the checked report for the length of the run's transaction (dropped at commit or rollback, so a
 * pooled connection never keeps it).
 */
export const CREATE_REPORT_TABLE = `
CREATE TEMP TABLE recon_report (
  line_no INTEGER NOT NULL, entity_id VARCHAR NOT NULL, type VARCHAR NOT NULL, debit BIGINT NOT NULL,
  credit BIGINT NOT NULL, amount BIGINT NOT NULL, fee BIGINT NOT NULL, tax BIGINT NOT NULL, currency VARCHAR NOT NULL,
  on_hold BOOLEAN NOT NULL, settled BOOLEAN NOT NULL, created_at TIMESTAMPTZ, settled_at TIMESTAMPTZ,
  settlement_id VARCHAR, settlement_utr VARCHAR, order_id VARCHAR, order_receipt VARCHAR, method VARCHAR,
  payment_id VARCHAR
) ON COMMIT DROP`;
/** Temp tables are never analyzed by autovacuum: without statistics a large report gets nested-loop plans. */
export const INDEX_REPORT_TABLE = ['CREATE INDEX ON recon_report (entity_id)', 'ANALYZE recon_report'];

/** The report's times have whole seconds: its last second is covered to its end. */
export const REPORT_WINDOW = `
SELECT count(*)::BIGINT AS lines, min(created_at) FILTER (WHERE type = 'payment') AS window_start,
       max(created_at) FILTER (WHERE type = 'payment') + INTERVAL '999999 microseconds' AS window_end
FROM recon_report`;

/**
 * Each report line beside kosh's record of the same gateway entity. kosh's side counts earlier
 * auto-adjustments of the entity, so a report reconciled twice is not adjusted twice.
 */
export const COMPARE_REPORT = `
CREATE TEMP TABLE recon_compared ON COMMIT DROP AS
WITH prior AS (
  SELECT entity_id, sum(adjusted_amount_minor)::BIGINT AS amount, sum(adjusted_fee_minor)::BIGINT AS fee,
         sum(adjusted_tax_minor)::BIGINT AS tax
  FROM reconciliation_items WHERE resolution = 'auto_adjusted' GROUP BY entity_id
), events AS (
  SELECT entity_id, array_agg(id ORDER BY received_at, id) AS ids
  FROM webhook_events WHERE status = 'unmatched' AND entity_id IS NOT NULL GROUP BY entity_id
)
SELECT r.line_no, r.type AS entity_type, r.entity_id, r.currency, r.amount AS report_amount,
       r.fee AS report_fee, r.tax AS report_tax, r.settlement_id, r.settlement_utr, r.settled_at,
       coalesce(p.id, f.id) AS kosh_id, coalesce(p.school_id, fp.school_id) AS school_id,
       CASE WHEN p.id IS NOT NULL THEN CASE WHEN p.status = 'captured' THEN p.captured_minor ELSE 0 END
            WHEN f.id IS NOT NULL THEN CASE WHEN f.status = 'failed' THEN 0 ELSE f.amount_minor END
       END + coalesce(prior.amount, 0) AS kosh_amount,
       CASE WHEN p.id IS NOT NULL THEN coalesce(p.fee_minor, 0) WHEN f.id IS NOT NULL THEN 0 END
         + coalesce(prior.fee, 0) AS kosh_fee,
       CASE WHEN p.id IS NOT NULL THEN coalesce(p.tax_minor, 0) WHEN f.id IS NOT NULL THEN 0 END
         + coalesce(prior.tax, 0) AS kosh_tax,
       CASE WHEN p.id IS NOT NULL AND p.status <> 'captured' THEN 'kosh payment is ' || p.status
            WHEN f.id IS NOT NULL AND f.status <> 'processed' THEN 'kosh refund is ' || f.status
            WHEN p.id IS NULL AND f.id IS NULL AND r.type NOT IN ('payment', 'refund')
              THEN 'kosh records no ' || r.type || ' entities'
       END AS note,
       coalesce(e.ids, ARRAY[]::VARCHAR[]) AS webhook_event_ids
FROM recon_report r
LEFT JOIN payments p ON r.type = 'payment' AND p.gateway_payment_id = r.entity_id
LEFT JOIN refunds f ON r.type = 'refund' AND f.gateway_refund_id = r.entity_id
LEFT JOIN payments fp ON fp.id = f.payment_id
LEFT JOIN prior ON prior.entity_id = r.entity_id
LEFT JOIN events e ON e.entity_id = r.entity_id`;

const ITEM_COLUMNS = `id, run_id, line_no, status, resolution, entity_type, entity_id, kosh_id, school_id, currency,
  report_amount_minor, kosh_amount_minor, report_fee_minor, kosh_fee_minor, report_tax_minor, kosh_tax_minor,
  adjusted_amount_minor, adjusted_fee_minor, adjusted_tax_minor, journal_entry_id, settlement_id, settlement_utr,
  settled_at, webhook_event_ids, note, created_at`;

/**
 * Classifies every compared line: unknown to kosh, amount first, then fee (incl. GST), else matched. A
 * difference is auto-adjusted only when the amount, the fee and the GST differences are all within tolerance
 * and kosh's record is in the state the report implies (no note: a captured payment, a processed refund).
 */
export const INSERT_REPORT_ITEMS = `
INSERT INTO reconciliation_items (${ITEM_COLUMNS})
WITH d AS (
  SELECT *, report_amount - kosh_amount AS d_amount, report_fee - kosh_fee AS d_fee, report_tax - kosh_tax AS d_tax
  FROM recon_compared
), s AS (
  SELECT *,
         CASE WHEN kosh_id IS NULL THEN 'missing_in_kosh'
              WHEN d_amount <> 0 THEN 'amount_mismatch'
              WHEN d_fee <> 0 OR d_tax <> 0 THEN 'fee_mismatch'
              ELSE 'matched' END AS status,
         'rci_' || CAST($key AS VARCHAR) || 'L' || lpad(line_no::VARCHAR, 9, '0') AS item_id
  FROM d
), r AS (
  SELECT *,
         CASE WHEN status = 'matched' THEN 'none'
              WHEN status IN ('amount_mismatch', 'fee_mismatch') AND note IS NULL
                   AND abs(d_amount) <= CAST($amount_tolerance AS BIGINT)
                   AND abs(d_fee) <= CAST($fee_tolerance AS BIGINT)
                   AND abs(d_tax) <= CAST($fee_tolerance AS BIGINT) THEN 'auto_adjusted'
              ELSE 'open' END AS resolution
  FROM s
)
SELECT item_id, CAST($run_id AS VARCHAR), line_no, status, resolution, entity_type, entity_id, kosh_id, school_id, currency,
       report_amount, kosh_amount, report_fee, kosh_fee, report_tax, kosh_tax,
       CASE WHEN resolution = 'auto_adjusted' THEN d_amount ELSE 0 END,
       CASE WHEN resolution = 'auto_adjusted' THEN d_fee ELSE 0 END,
       CASE WHEN resolution = 'auto_adjusted' THEN d_tax ELSE 0 END,
       CASE WHEN resolution = 'auto_adjusted' THEN 'je_adjustment_' || item_id END,
       settlement_id, settlement_utr, settled_at, webhook_event_ids, note, CAST($at AS TIMESTAMPTZ)
FROM r`;

/** kosh captures inside the window that the report does not list. */
export const INSERT_MISSING_AT_GATEWAY = `
INSERT INTO reconciliation_items (${ITEM_COLUMNS})
WITH events AS (
  SELECT entity_id, array_agg(id ORDER BY received_at, id) AS ids
  FROM webhook_events WHERE status = 'unmatched' AND entity_id IS NOT NULL GROUP BY entity_id
), missing AS (
  SELECT p.* FROM payments p
  WHERE p.status = 'captured'
    AND p.captured_at BETWEEN CAST($window_start AS TIMESTAMPTZ) AND CAST($window_end AS TIMESTAMPTZ)
    AND NOT EXISTS (SELECT 1 FROM recon_report r WHERE r.type = 'payment' AND r.entity_id = p.gateway_payment_id)
)
SELECT 'rci_' || CAST($key AS VARCHAR) || 'G' || lpad((row_number() OVER (ORDER BY m.captured_at, m.id))::VARCHAR, 9, '0'),
       CAST($run_id AS VARCHAR),
       NULL, 'missing_at_gateway', 'open', 'payment', coalesce(m.gateway_payment_id, m.id), m.id, m.school_id,
       m.currency, NULL, m.captured_minor, NULL, m.fee_minor, NULL, m.tax_minor, 0, 0, 0, NULL, NULL, NULL, NULL,
       coalesce(e.ids, ARRAY[]::VARCHAR[]),
       CASE WHEN m.gateway_payment_id IS NULL THEN 'kosh has no gateway id for this payment' END, CAST($at AS TIMESTAMPTZ)
FROM missing m LEFT JOIN events e ON e.entity_id = m.gateway_payment_id`;

/**
 * A settlement's bank credit against its report lines: the lines net `credit − debit` (a payment's credit is already
 * net of its fee and GST), less the fees charged on the settlement itself (0 for a normal settlement; they include
 * their GST, as a payment's fee does), must equal the settlement's `amount`
 * (https://razorpay.com/docs/api/settlements/entity). Each that does not is an open `settlement_mismatch`: the
 * gateway's amount as the report side, the lines' net as kosh's, the settlement id and UTR on the item.
 */
export const INSERT_SETTLEMENT_MISMATCHES = `
INSERT INTO reconciliation_items (${ITEM_COLUMNS})
WITH s AS (
  SELECT * FROM jsonb_to_recordset(CAST($settlements AS JSONB))
    AS x(id VARCHAR, utr VARCHAR, amount BIGINT, fees BIGINT, tax BIGINT, status VARCHAR, created_at TIMESTAMPTZ)
), lines AS (
  SELECT settlement_id, sum(credit - debit)::BIGINT AS net, count(*)::BIGINT AS n, min(currency) AS currency
  FROM recon_report WHERE settlement_id IS NOT NULL GROUP BY settlement_id
), compared AS (
  SELECT s.*, l.net - s.fees AS expected, l.n, l.currency FROM s JOIN lines l ON l.settlement_id = s.id
  WHERE s.amount <> l.net - s.fees
)
SELECT 'rci_' || CAST($key AS VARCHAR) || 'S' || lpad((row_number() OVER (ORDER BY c.id))::VARCHAR, 9, '0'),
       CAST($run_id AS VARCHAR), NULL, 'settlement_mismatch', 'open', 'settlement', c.id, NULL, NULL, c.currency,
       c.amount, c.expected, c.fees, NULL, c.tax, NULL, 0, 0, 0, NULL, c.id, c.utr, c.created_at, ARRAY[]::VARCHAR[],
       'settlement ' || c.id || ' (UTR ' || coalesce(c.utr, 'none') || ', ' || c.status || ') credited ' || c.amount
         || ' paise; its ' || c.n || ' report lines net ' || c.expected,
       CAST($at AS TIMESTAMPTZ)
FROM compared c`;

export const INSERT_RUN = `
INSERT INTO reconciliation_runs (id, source, report_date, amount_unit, window_start, window_end, fee_tolerance_minor,
  amount_tolerance_minor, report_lines, created_at)
VALUES ($id, $source, CAST($report_date AS DATE), $amount_unit, $window_start, $window_end, $fee_tolerance,
  $amount_tolerance, $report_lines, $at)`;

export const RUN_COLUMNS = `
SELECT 'reconciliation_run' AS object, t.id, t.source, CAST(t.report_date AS VARCHAR) AS report_date, t.amount_unit,
       t.window_start, t.window_end, t.fee_tolerance_minor AS fee_tolerance,
       t.amount_tolerance_minor AS amount_tolerance, t.report_lines, t.created_at
FROM reconciliation_runs t`;
export const RUN_BY_ID = `${RUN_COLUMNS} WHERE t.id = $id`;

export const RUN_SUMMARY = `
SELECT status, count(*)::BIGINT AS items,
       count(*) FILTER (WHERE resolution = 'auto_adjusted')::BIGINT AS auto_adjusted,
       count(*) FILTER (WHERE resolution = 'open')::BIGINT AS open,
       count(*) FILTER (WHERE resolution IN ('write_off', 'adjust', 'matched_manually'))::BIGINT AS resolved,
       coalesce(sum(report_amount_minor), 0)::BIGINT AS report_amount,
       coalesce(sum(kosh_amount_minor), 0)::BIGINT AS kosh_amount,
       coalesce(sum(report_amount_minor - kosh_amount_minor), 0)::BIGINT AS amount_difference,
       coalesce(sum(report_fee_minor - kosh_fee_minor), 0)::BIGINT AS fee_difference
FROM reconciliation_items WHERE run_id = $run_id
GROUP BY status ORDER BY status`;

export const RUN_TOTALS = `
SELECT count(journal_entry_id)::BIGINT AS journal_entries,
       coalesce(sum(cardinality(webhook_event_ids)), 0)::BIGINT AS unmatched_webhook_events
FROM reconciliation_items WHERE run_id = $run_id`;

export const RUN_SETTLEMENTS_BOOKED = `
SELECT id, utr, amount_minor AS amount, currency, journal_entry_id FROM gateway_settlements
WHERE run_id = $run_id ORDER BY settled_at, id`;

export const ITEM_COLUMNS_SELECT = `
SELECT 'reconciliation_item' AS object, t.id, t.run_id, t.line_no, t.status, t.resolution, t.entity_type,
       t.entity_id, t.kosh_id, t.school_id, t.currency, t.report_amount_minor AS report_amount,
       t.kosh_amount_minor AS kosh_amount, t.report_fee_minor AS report_fee, t.kosh_fee_minor AS kosh_fee,
       t.report_tax_minor AS report_tax, t.kosh_tax_minor AS kosh_tax, t.journal_entry_id, t.settlement_id,
       t.settlement_utr, t.settled_at, t.webhook_event_ids, t.note, t.resolved_at, t.resolved_by, t.resolution_note,
       t.created_at
FROM reconciliation_items t`;

export const ITEM_BY_ID = `${ITEM_COLUMNS_SELECT} WHERE t.id = $id`;

/** Keyset pages in item id order, for the CSV download. */
export const ITEMS_AFTER = `${ITEM_COLUMNS_SELECT}
WHERE t.run_id = $run_id AND t.id > $after ORDER BY t.id LIMIT $limit`;

/**
 * One item, locked for its resolution: two concurrent resolves queue on the row lock, and the second reads the
 * first's resolution once it commits. `d_*` is the difference to book, as the automatic adjustment defines it (the
 * gateway minus kosh, a missing side counting as zero); a settlement's difference is its amount only.
 */
export const ITEM_FOR_RESOLUTION = `
SELECT id, run_id, status, resolution, entity_type, entity_id, kosh_id, currency,
       coalesce(report_amount_minor, 0) - coalesce(kosh_amount_minor, 0) AS d_amount,
       CASE WHEN status = 'settlement_mismatch' THEN 0
            ELSE coalesce(report_fee_minor, 0) - coalesce(kosh_fee_minor, 0) END AS d_fee,
       CASE WHEN status = 'settlement_mismatch' THEN 0
            ELSE coalesce(report_tax_minor, 0) - coalesce(kosh_tax_minor, 0) END AS d_tax
FROM reconciliation_items WHERE id = $id FOR UPDATE`;

export const KOSH_RECORD_EXISTS = `
SELECT 1 AS found FROM payments WHERE CAST($entity_type AS VARCHAR) = 'payment' AND id = $kosh_id
UNION ALL SELECT 1 FROM refunds WHERE CAST($entity_type AS VARCHAR) = 'refund' AND id = $kosh_id`;

/** Guarded by `resolution = 'open'` beside the row lock: an item is resolved once. */
export const RESOLVE_ITEM = `
UPDATE reconciliation_items
SET resolution = $resolution, resolved_at = $at, resolved_by = $resolved_by, resolution_note = $note,
    journal_entry_id = $journal_entry_id, kosh_id = coalesce($kosh_id, kosh_id)
WHERE id = $id AND resolution = 'open'`;

export const GATEWAY_RUN_FOR_DATE = `
SELECT id FROM reconciliation_runs WHERE source = 'gateway' AND report_date = CAST($report_date AS DATE)
ORDER BY created_at, id LIMIT 1`;
