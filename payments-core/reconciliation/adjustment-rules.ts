import type { LineTemplate } from '../ledger/journal-rules.js';
import { ACCOUNTS } from '../ledger/types.js';

/**
 * The entry booking a reconciliation difference within tolerance, declared as data like the ledger's posting
 * rules: `amount` is what the gateway holds more (+) or less (−) for us than kosh booked (the payment amount
 * difference, or minus the refund amount difference), `fee` and `tax` the gateway's fee and GST minus kosh's.
 * Every line sums to zero for any values: clearing +amount −fee, adjustments −amount, fees +fee −tax, GST +tax.
 */
export const RECONCILIATION_ADJUSTMENT: readonly LineTemplate[] = [
  { account: ACCOUNTS.gatewayClearing, perSchool: false, amount: 1, fee: -1, tax: 0 },
  { account: ACCOUNTS.adjustments, perSchool: false, amount: -1, fee: 0, tax: 0 },
  { account: ACCOUNTS.gatewayFees, perSchool: false, amount: 0, fee: 1, tax: -1 },
  { account: ACCOUNTS.gatewayFeeGst, perSchool: false, amount: 0, fee: 0, tax: 1 },
];

const values = RECONCILIATION_ADJUSTMENT.map((t, i) => `(${i}, '${t.account}', ${t.amount}, ${t.fee}, ${t.tax})`).join(
  ', ',
);

/** The clearing-side amount difference of an item: a refund the gateway paid out more leaves it holding less. */
const AMOUNT = `CASE WHEN i.entity_type = 'refund' THEN -i.adjusted_amount_minor ELSE i.adjusted_amount_minor END`;
const LINE_AMOUNT = `r.k_amount * ${AMOUNT} + r.k_fee * i.adjusted_fee_minor + r.k_tax * i.adjusted_tax_minor`;

/**
 * Posts one balanced adjustment entry per auto-adjusted item of a run, set-wise (one INSERT … SELECT each
 * for entries and lines, as the bulk import posts captures). The entry is `je_adjustment_<item id>` with
 * `(adjustment, <item id>)` unique, so an item can never post twice: a second posting fails the run's
 * transaction instead of passing silently (no ON CONFLICT, which also costs seconds on a large ledger).
 */
export const POST_RUN_ADJUSTMENTS = {
  entries: `
INSERT INTO journal_entries (id, kind, ref_type, ref_id, currency, memo, created_at)
SELECT i.journal_entry_id, 'adjustment', 'adjustment', i.id, i.currency,
       'reconciliation ' || i.run_id || ': ' || i.status || ' on ' || i.entity_type || ' ' || i.entity_id, $at
FROM reconciliation_items i
WHERE i.run_id = $run_id AND i.resolution = 'auto_adjusted'`,
  lines: `
INSERT INTO journal_lines (entry_id, line_no, account, school_id, amount_minor, currency)
SELECT i.journal_entry_id, r.line_no, r.account, NULL, ${LINE_AMOUNT}, i.currency
FROM reconciliation_items i
CROSS JOIN (VALUES ${values}) r(line_no, account, k_amount, k_fee, k_tax)
WHERE i.run_id = $run_id AND i.resolution = 'auto_adjusted' AND ${LINE_AMOUNT} <> 0`,
};
