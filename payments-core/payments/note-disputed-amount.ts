import type { Sql } from '../../platform/db.js';
import { SET_DISPUTED } from './repository.js';

/**
 * Records, inside the caller's transaction, how much of a payment its open and lost disputes hold: that much can no
 * longer be refunded (recordRefund subtracts it). The caller holds the payment's row lock.
 */
export async function noteDisputedAmount(tx: Sql, paymentId: string, amount: number, at: Date): Promise<void> {
  await tx.run(SET_DISPUTED, { id: paymentId, amount, at });
}
