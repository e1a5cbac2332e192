import type { Sql } from '../../platform/db.js';
import { MARK_RECORD_UNCOLLECTIBLE } from './repository.js';

/**
 * A failed billing record that dunning gave up on becomes `uncollectible`, inside the caller's transaction.
 * Guarded on `failed`: any other record (paid meanwhile, already uncollectible) is left alone.
 */
export async function markRecordUncollectible(tx: Sql, recordId: string, at: Date): Promise<void> {
  await tx.run(MARK_RECORD_UNCOLLECTIBLE, { id: recordId, at });
}
