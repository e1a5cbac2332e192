import type { Sql } from '../../platform/db.js';
import { SETTLE_PENDING_CHARGES } from './repository.js';

/**
 * Marks the named pending charges of a subscription settled by `billingId` (the record whose invoice took them,
 * or was credited for them). Guarded on `pending`: settling twice changes nothing and returns 0.
 */
export async function settleCharges(
  tx: Sql,
  subscriptionId: string,
  chargeIds: readonly string[],
  billingId: string,
): Promise<number> {
  if (chargeIds.length === 0) return 0;
  return tx.run(SETTLE_PENDING_CHARGES, {
    subscription_id: subscriptionId,
    ids: [...chargeIds],
    billing_id: billingId,
  });
}
