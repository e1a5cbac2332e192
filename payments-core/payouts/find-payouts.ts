import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { getSchoolPayable, type SchoolPayable } from '../ledger/get-school-payable.js';
import { PAYOUT_BY_ID, PAYOUT_COLUMNS } from './repository.js';
import type { SchoolPayout } from './types.js';

const SCHOOL_EXISTS = 'SELECT 1 FROM schools WHERE id = $id';

/** One payout by id. */
export async function getPayout(deps: { db: Sql }, id: string): Promise<SchoolPayout> {
  const row = await deps.db.one<SchoolPayout>(PAYOUT_BY_ID, { id });
  if (row === undefined) throw notFound('payout', id);
  return row;
}

/** A school's payouts, newest first (404 for an unknown school). */
export async function listSchoolPayouts(
  deps: { db: Sql },
  schoolId: string,
  query: PageQuery,
): Promise<Page<SchoolPayout>> {
  if ((await deps.db.one(SCHOOL_EXISTS, { id: schoolId })) === undefined) throw notFound('school', schoolId);
  return listPage<SchoolPayout>(
    deps.db,
    {
      select: `${PAYOUT_COLUMNS} {where}`,
      table: 'school_payouts',
      where: 't.school_id = $school_id',
      params: { school_id: schoolId },
      resource: 'payout',
    },
    query,
  );
}

/** What is owed to a school now, from the ledger: earned, paid out, owed (404 for an unknown school). */
export async function getPayable(deps: { db: Sql; clock: Clock }, schoolId: string): Promise<SchoolPayable> {
  if ((await deps.db.one(SCHOOL_EXISTS, { id: schoolId })) === undefined) throw notFound('school', schoolId);
  return getSchoolPayable(deps.db, schoolId, deps.clock.now());
}
