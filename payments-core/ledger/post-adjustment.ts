import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { paise } from '../../platform/money.js';
import { postEntry } from './post-entry.js';
import { ACCOUNTS, type Account } from './types.js';

const ADJUSTABLE: readonly Account[] = [
  ACCOUNTS.schoolPayable,
  ACCOUNTS.gatewayClearing,
  ACCOUNTS.gatewayFees,
  ACCOUNTS.customerReceivable,
];

/**
 * A manual correction by finance: moves `amount` (signed, debit > 0) onto one account against the
 * `adjustments` account, balanced like every other entry. The reason is kept as the memo.
 */
export async function postAdjustment(
  deps: { db: Db; clock: Clock },
  input: { account: string; school_id?: string | undefined; amount: number; memo: string },
): Promise<{ id: string; account: string; school_id: string | null; amount: number; memo: string; created_at: Date }> {
  const account = ADJUSTABLE.find((a) => a === input.account);
  if (account === undefined) {
    throw invalid('invalid_account', `adjustments may move ${ADJUSTABLE.join(', ')}`, [
      { field: '/account', code: 'invalid_account', message: `one of ${ADJUSTABLE.join(', ')}` },
    ]);
  }
  if (account === ACCOUNTS.schoolPayable && input.school_id === undefined) {
    throw invalid('school_required', 'school_payable adjustments name the school', [
      { field: '/school_id', code: 'required', message: 'needed for school_payable' },
    ]);
  }
  if (input.amount === 0) {
    throw invalid('invalid_amount', 'an adjustment moves a non-zero amount', [
      { field: '/amount', code: 'invalid_amount', message: 'must not be 0' },
    ]);
  }
  const id = newId('adj');
  const at = deps.clock.now();
  const schoolId = account === ACCOUNTS.schoolPayable ? (input.school_id ?? null) : null;
  await deps.db.transaction(async (tx) => {
    if (schoolId !== null && (await tx.one('SELECT 1 FROM schools WHERE id = $id', { id: schoolId })) === undefined) {
      throw invalid('unknown_school', `no school with id ${schoolId}`, [
        { field: '/school_id', code: 'unknown_school', message: 'no school with this id' },
      ]);
    }
    await postEntry(tx, {
      kind: 'adjustment',
      refType: 'adjustment',
      refId: id,
      currency: 'INR',
      memo: input.memo,
      at,
      lines: [
        { account, schoolId, amount: paise(input.amount) },
        { account: ACCOUNTS.adjustments, schoolId: null, amount: paise(-input.amount) },
      ],
    });
  });
  return { id, account, school_id: schoolId, amount: input.amount, memo: input.memo, created_at: at };
}
