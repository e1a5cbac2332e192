import { type LineTemplate, templateValuesSql } from './journal-rules.js';
import type { JournalEntry, JournalKind } from './types.js';

/**
 * Concurrency: an entry is unique by (kind, ref_id), so a replayed event or an overlapping run posts nothing twice
 * (`ON CONFLICT DO NOTHING` where a repeat is expected, a failed transaction where it is a bug); lines are written
 * only with their entry, in its transaction, and never updated.
 */
export const INSERT_ENTRY = `
INSERT INTO journal_entries (id, kind, ref_type, ref_id, currency, memo, created_at)
VALUES ($id, $kind, $ref_type, $ref_id, $currency, $memo, $at)
ON CONFLICT DO NOTHING`;

/** Followed by one `(…)` tuple per line. */
export const INSERT_LINES =
  'INSERT INTO journal_lines (entry_id, line_no, account, school_id, amount_minor, currency) VALUES ';

export const BALANCES = `
SELECT account, currency, sum(amount_minor)::BIGINT AS balance_minor, count(*)::BIGINT AS lines
FROM journal_lines
GROUP BY account, currency
ORDER BY account, currency`;

export const UNBALANCED_ENTRIES = `
SELECT entry_id, sum(amount_minor)::BIGINT AS total
FROM journal_lines GROUP BY entry_id HAVING sum(amount_minor) <> 0 LIMIT 10`;

export const ENTRIES_FOR_REF = `
SELECT e.id, e.kind, e.ref_type, e.ref_id, e.currency, e.memo, e.created_at,
       l.line_no, l.account, l.school_id, l.amount_minor
FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
WHERE e.ref_id = $ref_id
ORDER BY e.created_at, e.id, l.line_no`;

/**
 * A set of entries of one kind posted by one INSERT … SELECT per table (the set-based paths: the billing run,
 * the bulk import, reconciliation). `source` is a constant SELECT of the caller, parameterized (`$name`), giving
 * one row per entry with the columns `entry_id, ref_id, currency, memo, created_at, school_id, amount, fee, tax`;
 * each line is its template's signed combination of amount, fee and tax, and a line of zero is not written.
 * Parameters inside `source` must be typed by a cast where no column gives their type (`$at::timestamptz`).
 */
export interface EntrySet {
  readonly kind: JournalKind;
  readonly refType: JournalEntry['refType'];
  readonly templates: readonly LineTemplate[];
  readonly source: string;
  /**
   * `skip`: an entry whose (kind, ref_id) is already posted is left alone, and lines are written only to entries
   * that have none (a webhook may have posted first). `fail`: a second posting fails the caller's transaction
   * (no ON CONFLICT, which also costs seconds on a large ledger).
   */
  readonly onDuplicate: 'skip' | 'fail';
}

/** The two statements posting an entry set: run `entries`, then `lines`, with the same parameters. */
export function postEntriesSql(set: EntrySet): { entries: string; lines: string } {
  const amount = 't.k_amount * src.amount + t.k_fee * src.fee + t.k_tax * src.tax';
  const skip = set.onDuplicate === 'skip';
  return {
    entries: `
INSERT INTO journal_entries (id, kind, ref_type, ref_id, currency, memo, created_at)
SELECT src.entry_id, '${set.kind}', '${set.refType}', src.ref_id, src.currency, src.memo, src.created_at
FROM (${set.source}) src${skip ? '\nON CONFLICT DO NOTHING' : ''}`,
    lines: `
INSERT INTO journal_lines (entry_id, line_no, account, school_id, amount_minor, currency)
SELECT src.entry_id, t.line_no, t.account, CASE WHEN t.per_school THEN src.school_id END, ${amount}, src.currency
FROM (${set.source}) src${skip ? '\nJOIN journal_entries e ON e.id = src.entry_id' : ''}
CROSS JOIN (VALUES ${templateValuesSql(set.templates)}) t(line_no, account, per_school, k_amount, k_fee, k_tax)
WHERE ${amount} <> 0${skip ? '\n  AND NOT EXISTS (SELECT 1 FROM journal_lines l WHERE l.entry_id = e.id)' : ''}`,
  };
}

/**
 * One school's payable balance, from its school_payable lines: `paid_out` is what payouts (net of reversed ones) took
 * off it, `earned` everything else (captures net of refunds, and finance's adjustments), `owed` the balance
 * (earned − paid_out). Credits are negative on the line, so earned and owed are negated sums.
 */
export const SCHOOL_PAYABLE = `
SELECT coalesce(-sum(l.amount_minor) FILTER (WHERE e.kind NOT IN ('school_payout', 'school_payout_reversed')), 0)::BIGINT
         AS earned_minor,
       coalesce(sum(l.amount_minor) FILTER (WHERE e.kind IN ('school_payout', 'school_payout_reversed')), 0)::BIGINT
         AS paid_out_minor,
       coalesce(-sum(l.amount_minor), 0)::BIGINT AS owed_minor
FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
WHERE l.school_id = $school_id AND l.account = 'school_payable' AND l.currency = $currency`;
