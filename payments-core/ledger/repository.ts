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
