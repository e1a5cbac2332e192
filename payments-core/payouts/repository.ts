/**
 * Concurrency: every payout of a school is recorded under the school's row lock (`SCHOOL_FOR_UPDATE`), so the payable
 * balance read under it cannot be spent twice; (school_id, utr) is a unique key; a reversal is guarded by the payout's
 * row lock and `WHERE status = 'recorded'`, and the ledger's unique (kind, ref_id) posts it at most once.
 */
export const PAYOUT_COLUMNS = `
SELECT 'school_payout' AS object, t.id, t.school_id, t.amount_minor AS amount, t.currency, t.utr,
  t.paid_on::text AS paid_on, t.period_from::text AS period_from, t.period_to::text AS period_to, t.note,
  t.created_by, t.created_at, t.journal_entry_id, t.status, t.reversed_at, t.reversal_journal_entry_id,
  t.reversal_reason
FROM school_payouts t`;
export const PAYOUT_BY_ID = `${PAYOUT_COLUMNS} WHERE t.id = $id`;
export const PAYOUT_FOR_UPDATE =
  'SELECT id, school_id, amount_minor, status FROM school_payouts WHERE id = $id FOR UPDATE';
export const PAYOUT_BY_UTR = 'SELECT id FROM school_payouts WHERE school_id = $school_id AND utr = $utr';
export const INSERT_PAYOUT = `
INSERT INTO school_payouts (id, school_id, amount_minor, currency, utr, paid_on, period_from, period_to, note,
  created_by, created_at, journal_entry_id, status)
VALUES ($id, $school_id, $amount, 'INR', $utr, $paid_on::date, $period_from::date, $period_to::date, $note,
  $created_by, $at, $journal_entry_id, 'recorded')`;
export const REVERSE_PAYOUT = `
UPDATE school_payouts SET status = 'reversed', reversed_at = $at, reversal_journal_entry_id = $journal_entry_id,
  reversal_reason = $reason
WHERE id = $id AND status = 'recorded'`;
