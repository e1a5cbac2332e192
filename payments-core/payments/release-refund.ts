import type { Sql } from '../../platform/db.js';
import { RELEASE_REFUND } from './repository.js';

/** Gives a failed refund's amount back to its payment inside the caller's transaction (one relative UPDATE). */
export async function releaseRefund(tx: Sql, paymentId: string, amount: number, at: Date): Promise<void> {
  await tx.run(RELEASE_REFUND, { id: paymentId, amount, at });
}
