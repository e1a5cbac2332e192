import type { Sql } from '../../platform/db.js';
import { BILL_PENDING_CHARGES } from './repository.js';

/**
 * Marks the pending prorations of each subscription billed by its new billing record, set-wise inside the caller's
 * transaction, unless the record's plan amount + setup fee + prorations would be negative (the credit then waits
 * for a later period): the same rule the billing run applies when it sums them into the record.
 */
export async function billPendingCharges(
  tx: Sql,
  records: readonly { id: string; subscription_id: string; plan_amount_minor: number; setup_fee_minor: number }[],
): Promise<number> {
  if (records.length === 0) return 0;
  return tx.run(BILL_PENDING_CHARGES, {
    billing_ids: records.map((r) => r.id),
    subscription_ids: records.map((r) => r.subscription_id),
    base_amounts: records.map((r) => r.plan_amount_minor + r.setup_fee_minor),
  });
}
