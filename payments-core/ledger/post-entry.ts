import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { isBalanced } from './journal-rules.js';
import { INSERT_ENTRY, INSERT_LINES } from './repository.js';
import type { JournalEntry } from './types.js';

/**
 * Posts a balanced entry inside the caller's transaction. Returns false, posting nothing, when an entry of
 * the same kind already exists for the same record: a replayed event cannot post twice. The id is the caller's
 * when it derives one from the record (`je_adjustment_<item id>`), else a new one.
 */
export async function postEntry(
  tx: Sql,
  entry: Omit<JournalEntry, 'id'> & { readonly id?: string | undefined },
): Promise<boolean> {
  if (!isBalanced(entry.lines)) throw new Error(`unbalanced ${entry.kind} entry for ${entry.refId}`);
  const id = entry.id ?? newId('je');
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
  // One multi-row INSERT per entry: the statement text depends only on the number of lines.
  const posted = [...entry.lines.entries()].filter(([, line]) => line.amount !== 0);
  const params: Record<string, unknown> = { entry_id: id, currency: entry.currency };
  const rows = posted.map(([lineNo, line], i) => {
    params[`n${i}`] = lineNo;
    params[`a${i}`] = line.account;
    params[`s${i}`] = line.schoolId;
    params[`m${i}`] = line.amount;
    return `($entry_id, $n${i}, $a${i}, $s${i}, $m${i}, $currency)`;
  });
  if (rows.length > 0) await tx.run(`${INSERT_LINES}${rows.join(', ')}`, params);
  return true;
}
