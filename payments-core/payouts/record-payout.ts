import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError, type FieldError, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { istDate } from '../../platform/ist.js';
import { paise } from '../../platform/money.js';
import { getSchoolPayable } from '../ledger/get-school-payable.js';
import { linesFor } from '../ledger/journal-rules.js';
import { postEntry } from '../ledger/post-entry.js';
import { SCHOOL_FOR_UPDATE } from '../schools/repository.js';
import { getPayout } from './find-payouts.js';
import { INSERT_PAYOUT, PAYOUT_BY_UTR } from './repository.js';
import type { SchoolPayout } from './types.js';
import { dateError, UTR_PATTERN } from './validate-payout.js';

export interface RecordPayoutInput {
  readonly schoolId: string;
  /** Paise, > 0. */
  readonly amount: number;
  readonly utr: string;
  /** `YYYY-MM-DD`: the IST day the bank sent the transfer; not after today (IST) by the clock. */
  readonly paidOn: string;
  readonly periodFrom?: string | undefined;
  readonly periodTo?: string | undefined;
  readonly note?: string | undefined;
  /** Who: the API key id. */
  readonly createdBy: string;
}

const NOTE_MAX = 500;

/** Every bad field of the request, at once (422, nothing written). */
function fieldErrors(input: RecordPayoutInput, today: string, utr: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
    errors.push({ field: '/amount', code: 'invalid_amount', message: 'paise, a whole number above 0' });
  }
  if (!UTR_PATTERN.test(utr)) {
    errors.push({
      field: '/utr',
      code: 'invalid_utr',
      message: "the bank's reference: 16–22 letters and digits (NEFT, RTGS) or a 12-digit IMPS RRN",
    });
  }
  const paidOn = dateError('/paid_on', input.paidOn);
  if (paidOn !== null) errors.push(paidOn);
  else if (input.paidOn > today) {
    errors.push({ field: '/paid_on', code: 'in_future', message: `not after today (${today}, IST)` });
  }
  const from = dateError('/period_from', input.periodFrom);
  const to = dateError('/period_to', input.periodTo);
  if (from !== null) errors.push(from);
  if (to !== null) errors.push(to);
  if (from === null && to === null) {
    if ((input.periodFrom === undefined) !== (input.periodTo === undefined)) {
      const missing = input.periodFrom === undefined ? '/period_from' : '/period_to';
      errors.push({ field: missing, code: 'required', message: 'period_from and period_to come together' });
    } else if (input.periodFrom !== undefined && input.periodTo !== undefined && input.periodFrom > input.periodTo) {
      errors.push({ field: '/period_to', code: 'before_period_from', message: 'on or after period_from' });
    }
  }
  if (input.note !== undefined && input.note.length > NOTE_MAX) {
    errors.push({ field: '/note', code: 'too_long', message: `at most ${NOTE_MAX} characters` });
  }
  return errors;
}

/**
 * Records a payout finance made to a school by bank transfer: the row and its journal entry (Dr school_payable of the
 * school, Cr bank) in one transaction. Refused: a bad field (422 naming it), an unknown school (404), a UTR already
 * recorded for the school (409), more than the ledger says is owed to the school (422 naming /amount). The owed figure
 * is read under the school's row lock, so concurrent payouts of one school are checked one after the other.
 */
export async function recordPayout(deps: { db: Db; clock: Clock }, input: RecordPayoutInput): Promise<SchoolPayout> {
  const at = deps.clock.now();
  const utr = input.utr.trim().toUpperCase();
  const errors = fieldErrors(input, istDate(at), utr);
  if (errors.length > 0) throw invalid('invalid_payout', 'the payout has invalid fields', errors);
  const note = input.note?.trim() || null;

  const id = newId('pout');
  await deps.db.transaction(async (tx) => {
    if ((await tx.one(SCHOOL_FOR_UPDATE, { id: input.schoolId })) === undefined)
      throw notFound('school', input.schoolId);
    if ((await tx.one(PAYOUT_BY_UTR, { school_id: input.schoolId, utr })) !== undefined) {
      throw new AppError('conflict', 'duplicate_utr', `a payout with UTR ${utr} is already recorded for this school`, {
        fields: [{ field: '/utr', code: 'duplicate_utr', message: 'already recorded for this school' }],
      });
    }
    const payable = await getSchoolPayable(tx, input.schoolId, at);
    if (input.amount > payable.owed) {
      throw new AppError(
        'invalid',
        'payout_exceeds_owed',
        `the ledger owes this school ${payable.owed} paise now; a payout cannot be larger`,
        {
          fields: [{ field: '/amount', code: 'exceeds_owed', message: `at most ${Math.max(payable.owed, 0)} paise` }],
          extra: { owed: payable.owed },
        },
      );
    }
    const entryId = `je_school_payout_${id}`;
    const posted = await postEntry(tx, {
      id: entryId,
      kind: 'school_payout',
      refType: 'payout',
      refId: id,
      currency: 'INR',
      memo: `payout ${id} to ${input.schoolId}, UTR ${utr}, by ${input.createdBy}`,
      at,
      lines: linesFor('school_payout', { schoolId: input.schoolId, amount: paise(input.amount) }),
    });
    // A fresh id cannot have an entry yet: a false here is a bug, and fails the transaction.
    if (!posted) throw new Error(`payout ${id} already has a school_payout entry`);
    await tx.run(INSERT_PAYOUT, {
      id,
      school_id: input.schoolId,
      amount: input.amount,
      utr,
      paid_on: input.paidOn,
      period_from: input.periodFrom ?? null,
      period_to: input.periodTo ?? null,
      note,
      created_by: input.createdBy,
      at,
      journal_entry_id: entryId,
    });
  });
  return getPayout(deps, id);
}
