import type { Params, Sql } from '../../platform/db.js';
import type { postEntriesSql } from './repository.js';

/**
 * Posts a set of entries inside the caller's transaction, set-wise: the statements of `postEntriesSql` (built once
 * by the caller from its constant source), entries first, then their lines. Returns the rows written.
 */
export async function postEntries(
  tx: Sql,
  statements: ReturnType<typeof postEntriesSql>,
  params: Params,
): Promise<{ entries: number; lines: number }> {
  const entries = await tx.run(statements.entries, params);
  const lines = await tx.run(statements.lines, params);
  return { entries, lines };
}
