import { POSTING_RULES } from '../ledger/journal-rules.js';
import { postEntriesSql } from '../ledger/repository.js';

/**
 * The gateway's settlements a run was given whose report lines net to their bank credit (`amount` = lines
 * `credit − debit` − the settlement's own fees, as INSERT_SETTLEMENT_MISMATCHES checks), `processed`, with money in
 * them: one row per settlement to book. `$settlements` is the run's JSON list; `recon_report` the staged report.
 */
const BOOKABLE = `
WITH s AS (
  SELECT * FROM jsonb_to_recordset(CAST($settlements AS JSONB))
    AS x(id VARCHAR, utr VARCHAR, amount BIGINT, fees BIGINT, tax BIGINT, status VARCHAR, created_at TIMESTAMPTZ)
), lines AS (
  SELECT settlement_id, sum(credit - debit)::BIGINT AS net, min(currency) AS currency
  FROM recon_report WHERE settlement_id IS NOT NULL GROUP BY settlement_id
)
SELECT 'je_settlement_' || s.id AS entry_id, s.id AS ref_id, l.currency,
       'settlement ' || s.id || ' (UTR ' || coalesce(s.utr, 'none') || ') credited to the bank' AS memo,
       s.created_at, NULL AS school_id, s.amount, s.fees AS fee, s.tax, s.utr, s.fees
FROM s JOIN lines l ON l.settlement_id = s.id
WHERE s.status = 'processed' AND s.amount = l.net - s.fees AND (s.amount <> 0 OR s.fees <> 0)`;

/**
 * Books each bookable settlement: Dr bank, Cr gateway_clearing (POSTING_RULES.settlement), entry
 * `je_settlement_<settlement id>`. Posted exactly once: the entry is unique by (settlement, ref_id) and skipped when
 * present, its lines written only to an entry without lines (a run reconciling the same day again, or at the same
 * time in another process, waits on the first one's insert and then posts nothing).
 */
export const POST_SETTLEMENTS = postEntriesSql({
  kind: 'settlement',
  refType: 'settlement',
  templates: POSTING_RULES.settlement,
  source: BOOKABLE,
  onDuplicate: 'skip',
});

/** Records each settlement booked (after its entry, in the same transaction); the first run to book it keeps it. */
export const RECORD_SETTLEMENTS = `
INSERT INTO gateway_settlements (id, utr, amount_minor, fees_minor, tax_minor, currency, settled_at, journal_entry_id,
  run_id, created_at)
SELECT b.ref_id, b.utr, b.amount, b.fees, b.tax, b.currency, b.created_at, b.entry_id, CAST($run_id AS VARCHAR),
       CAST($at AS TIMESTAMPTZ)
FROM (${BOOKABLE}) b JOIN journal_entries e ON e.id = b.entry_id
ON CONFLICT (id) DO NOTHING`;
