import type { Sql } from '../../platform/db.js';
import { RESERVE_REFUND } from './repository.js';

/**
 * Reserves a refund's amount on its payment inside the caller's transaction. The caller holds the payment's row
 * lock (read `FOR UPDATE` before it checked the refundable amount), so concurrent refunds cannot overdraw it.
 */
export async function reserveRefund(tx: Sql, paymentId: string, amount: number, at: Date): Promise<void> {
  await tx.run(RESERVE_REFUND, { id: paymentId, amount, at });
}
