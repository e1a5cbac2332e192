import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { isBalanced } from './journal-rules.js';
import { INSERT_ENTRY, INSERT_LINE } from './repository.js';
import type { JournalEntry } from './types.js';

/**
 * Posts a balanced entry inside the caller's transaction. Returns false, posting nothing, when an entry of
 * the same kind already exists for the same record: a replayed event cannot post twice.
 */
export async function postEntry(tx: Sql, entry: Omit<JournalEntry, 'id'>): Promise<boolean> {
  if (!isBalanced(entry.lines)) throw new Error(`unbalanced ${entry.kind} entry for ${entry.refId}`);
  const id = newId('je');
  const inserted = await tx.run(INSERT_ENTRY, {
    id,
    kind: entry.kind,
    ref_type: entry.refType,
    ref_id: entry.refId,
    currency: entry.currency,
    memo: entry.memo,
    at: entry.at,
  });
  if (inserted === 0) return false;
  for (const [lineNo, line] of entry.lines.entries()) {
    if (line.amount === 0) continue;
    await tx.run(INSERT_LINE, {
      entry_id: id,
      line_no: lineNo,
      account: line.account,
      school_id: line.schoolId,
      amount: line.amount,
      currency: entry.currency,
    });
  }
  return true;
}
