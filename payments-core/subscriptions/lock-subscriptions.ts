import type { Sql } from '../../platform/db.js';
import { LOCK_SUBSCRIPTIONS } from './repository.js';

/**
 * Locks a set of subscriptions for the caller's transaction, in id order: a change, pause, resume or cancel of
 * one of them waits, so a period's billing record and the charges it bills are read from one state.
 */
export async function lockSubscriptions(tx: Sql, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await tx.all(LOCK_SUBSCRIPTIONS, { ids: [...ids] });
}
