import type { Sql } from '../../platform/db.js';

/**
 * Guarded on a status that still asks for money (`finalized`, `partially_paid`): a paid, voided or draft invoice is
 * left as it is, and a rerun changes nothing.
 */
const WRITE_OFF = `
UPDATE invoices SET status = 'uncollectible', uncollectible_at = $at, updated_at = $at
WHERE id = ANY($ids::text[]) AND kind = 'invoice' AND status IN ('finalized', 'partially_paid')`;

/**
 * Writes invoices off (→ `uncollectible`) inside the caller's transaction, as dunning's `mark_unpaid` ends a case:
 * the amount stays owed and a late payment still moves the invoice to paid. Returns how many changed.
 */
export async function writeOffInvoices(tx: Sql, ids: readonly string[], at: Date): Promise<number> {
  if (ids.length === 0) return 0;
  return tx.run(WRITE_OFF, { ids: [...ids], at });
}
