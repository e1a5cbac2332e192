import { withKeysDeferred } from '../../platform/bulk.js';
import type { Db } from '../../platform/db.js';
import { importSteps } from './import-payments.js';
import type { ImportBatch, ImportSummary } from './import-types.js';

/** Every table a load writes, parents before children (the order the COPYs run in, so each foreign key holds). */
const LOADED_TABLES = [
  'schools',
  'customers',
  'students',
  'payment_methods',
  'orders',
  'payments',
  'refunds',
  'journal_entries',
  'journal_lines',
];

/**
 * The bulk path for a stream of batches (the demo seed, a migration from another system): all of them in ONE
 * transaction, so a load lands whole or not at all: each batch validated and copied as `importPayments` does, then
 * the ledger of all of them posted set-wise from the same templates as the API path. Into empty tables (the demo seed)
 * the indexes, keys and foreign keys are put back and checked once over all rows at the end instead of row by row
 * (`withKeysDeferred`, platform/bulk.ts), before the commit; CHECKs hold on every row as always. The tables stay
 * locked until the load commits.
 * `synchronous_commit = off` for this one transaction: its commit does not wait for the WAL flush, so a crash in the
 * next few hundred milliseconds could lose the load whole (never half of it).
 */
export async function loadPayments(
  deps: { db: Db },
  batches: Iterable<ImportBatch>,
  onBatch?: (batch: ImportBatch) => void,
): Promise<ImportSummary> {
  return deps.db.transaction(async (tx) => {
    await tx.run('SET LOCAL synchronous_commit = off');
    // The ledger's joins hash the ids of the whole load (~80 MB for a million): in memory, not spilled in 4 MB pieces.
    await tx.run("SET LOCAL work_mem = '256MB'");
    return withKeysDeferred(tx, LOADED_TABLES, async () => {
      const total = { orders: 0, payments: 0, refunds: 0, journalEntries: 0, journalLines: 0 };
      await importSteps.begin(tx);
      for (const batch of batches) {
        await importSteps.copy(tx, batch);
        total.orders += batch.orders.length;
        total.payments += batch.payments.length;
        total.refunds += batch.refunds.length;
        onBatch?.(batch);
      }
      // The ledger of the whole load in one pass per journal kind, planned on fresh statistics of what was copied
      // (ANALYZE samples; a plan guessed for an unanalyzed million-row table can be far off).
      await tx.run('ANALYZE import_batch_ids, payments, refunds');
      const ledger = await importSteps.post(tx);
      return { ...total, journalEntries: ledger.entries, journalLines: ledger.lines };
    });
  });
}
