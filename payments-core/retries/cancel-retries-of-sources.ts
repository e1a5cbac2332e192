import type { Sql } from '../../platform/db.js';
import { CANCEL_WAITING_RETRIES_OF_SOURCES } from './repository.js';

/**
 * Cancels, set-wise inside the caller's transaction, every retry of the given sources still waiting
 * (`scheduled` or `requires_authentication`); an attempt in flight (`processing`) settles on its own.
 */
export async function cancelRetriesOfSources(
  tx: Sql,
  input: { sourceType: string; sourceIds: readonly string[]; reason: string; at: Date },
): Promise<number> {
  if (input.sourceIds.length === 0) return 0;
  return tx.run(CANCEL_WAITING_RETRIES_OF_SOURCES, {
    source_type: input.sourceType,
    source_ids: [...input.sourceIds],
    reason: input.reason,
    at: input.at,
  });
}
