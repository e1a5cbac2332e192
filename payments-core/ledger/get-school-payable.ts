import type { Sql } from '../../platform/db.js';
import { SCHOOL_PAYABLE } from './repository.js';

/** What the ledger says of one school's payable account, in paise: owed = earned − paid_out, to the paisa. */
export interface SchoolPayable {
  readonly object: 'school_payable';
  readonly school_id: string;
  readonly currency: 'INR';
  /** Credited to the school: captures net of refunds (and finance's adjustments of school_payable). */
  readonly earned: number;
  /** Paid to the school by payouts, net of reversed ones. */
  readonly paid_out: number;
  /** Still owed to the school now (negative when refunds after a payout took back more than was left). */
  readonly owed: number;
  readonly as_of: Date;
}

/**
 * One school's payable balance as the ledger has it, read inside the caller's transaction when it needs the figure
 * under a lock (a payout). The caller has checked that the school exists.
 */
export async function getSchoolPayable(tx: Sql, schoolId: string, at: Date): Promise<SchoolPayable> {
  const row = await tx.one<{ earned_minor: number; paid_out_minor: number; owed_minor: number }>(SCHOOL_PAYABLE, {
    school_id: schoolId,
    currency: 'INR',
  });
  return {
    object: 'school_payable',
    school_id: schoolId,
    currency: 'INR',
    earned: row?.earned_minor ?? 0,
    paid_out: row?.paid_out_minor ?? 0,
    owed: row?.owed_minor ?? 0,
    as_of: at,
  };
}
