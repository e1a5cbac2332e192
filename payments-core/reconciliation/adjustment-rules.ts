import type { LineTemplate } from '../ledger/journal-rules.js';
import { postEntriesSql } from '../ledger/repository.js';
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

/** The clearing-side amount difference of an item: a refund the gateway paid out more leaves it holding less. */
const AMOUNT = `CASE WHEN i.entity_type = 'refund' THEN -i.adjusted_amount_minor ELSE i.adjusted_amount_minor END`;

/**
 * Posts one balanced adjustment entry per auto-adjusted item of run `$run_id` at `$at`, set-wise through the
 * ledger (one INSERT … SELECT each for entries and lines, as the bulk import posts captures). The entry is
 * `je_adjustment_<item id>` with `(adjustment, <item id>)` unique, so an item can never post twice: a second
 * posting fails the run's transaction instead of passing silently.
 */
export const POST_RUN_ADJUSTMENTS = postEntriesSql({
  kind: 'adjustment',
  refType: 'adjustment',
  templates: RECONCILIATION_ADJUSTMENT,
  source: `
SELECT i.journal_entry_id AS entry_id, i.id AS ref_id, i.currency,
       'reconciliation ' || i.run_id || ': ' || i.status || ' on ' || i.entity_type || ' ' || i.entity_id AS memo,
       $at::timestamptz AS created_at, NULL AS school_id, ${AMOUNT} AS amount, i.adjusted_fee_minor AS fee,
       i.adjusted_tax_minor AS tax
FROM reconciliation_items i
WHERE i.run_id = $run_id AND i.resolution = 'auto_adjusted'`,
  onDuplicate: 'fail',
});
