import type { Sql } from '../../platform/db.js';
import { cancelRetriesOfSources } from '../retries/cancel-retries-of-sources.js';
import { CLOSED_INSTALLMENTS_OF_PLAN } from './repository.js';

/**
 * The retries of a plan's installments it no longer charges (cancelled, superseded) stop, through the retry
 * queue's own entry point. Called under the plan's row lock, so the set of closed installments cannot change.
 */
export async function cancelRetriesOfClosedInstallments(
  tx: Sql,
  planId: string,
  reason: string,
  at: Date,
): Promise<void> {
  const closed = await tx.all<{ id: string }>(CLOSED_INSTALLMENTS_OF_PLAN, { plan_id: planId });
  await cancelRetriesOfSources(tx, { sourceType: 'installment', sourceIds: closed.map((c) => c.id), reason, at });
}
