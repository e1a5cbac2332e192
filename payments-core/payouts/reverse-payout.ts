import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { paise } from '../../platform/money.js';
import { linesFor } from '../ledger/journal-rules.js';
import { postEntry } from '../ledger/post-entry.js';
import { getPayout } from './find-payouts.js';
import { PAYOUT_FOR_UPDATE, REVERSE_PAYOUT } from './repository.js';
import type { PayoutStatus, SchoolPayout } from './types.js';

/**
 * A payout whose transfer bounced: posts the reverse entry (Dr bank, Cr school_payable of the school), so the money is
 * owed to the school again, and marks the payout reversed with the reason. Once only: the row lock and the
 * `status = 'recorded'` guard make a second or concurrent reversal a 409 that changes nothing.
 */
export async function reversePayout(
  deps: { db: Db; clock: Clock },
  input: { payoutId: string; reason: string | undefined },
): Promise<SchoolPayout> {
  const reason = input.reason?.trim() ?? '';
  if (reason.length < 3 || reason.length > 500) {
    throw invalid('invalid_reason', 'a reversal says why, in 3 to 500 characters', [
      {
        field: '/reason',
        code: input.reason === undefined ? 'required' : 'invalid_length',
        message: 'why, 3–500 characters',
      },
    ]);
  }
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const payout = await tx.one<{ id: string; school_id: string; amount_minor: number; status: PayoutStatus }>(
      PAYOUT_FOR_UPDATE,
      { id: input.payoutId },
    );
    if (payout === undefined) throw notFound('payout', input.payoutId);
    if (payout.status !== 'recorded') {
      throw conflict('payout_already_reversed', `payout ${payout.id} is already reversed`, { status: payout.status });
    }
    const entryId = `je_school_payout_reversed_${payout.id}`;
    const posted = await postEntry(tx, {
      id: entryId,
      kind: 'school_payout_reversed',
      refType: 'payout',
      refId: payout.id,
      currency: 'INR',
      memo: `payout ${payout.id} to ${payout.school_id} reversed: ${reason}`,
      at,
      lines: linesFor('school_payout_reversed', { schoolId: payout.school_id, amount: paise(payout.amount_minor) }),
    });
    // Unreachable while the lock and the guard hold; the ledger's unique (kind, ref_id) is the last word.
    if (!posted) throw conflict('payout_already_reversed', `payout ${payout.id} already has a reversal entry`);
    await tx.run(REVERSE_PAYOUT, { id: payout.id, at, journal_entry_id: entryId, reason });
  });
  return getPayout(deps, input.payoutId);
}
