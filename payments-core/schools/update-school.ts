import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { checkIfMatch } from '../../platform/etag.js';
import { type BillingAddressInput, billingAddressParams, billingAddressProblems } from './billing-address.js';
import { getSchool } from './find-schools.js';
import { DELETE_SCHOOL_ADDRESS, SCHOOL_FOR_UPDATE, SET_SCHOOL_ADDRESS } from './repository.js';
import type { School } from './types.js';

/**
 * Sets (or with null removes) a school's billing address; finalised invoices keep the one they printed. With
 * `ifMatch` (an ETag from a read), a school changed since is refused with 412.
 */
export async function updateSchool(
  deps: { db: Db; clock: Clock },
  id: string,
  patch: { billing_address?: BillingAddressInput | null | undefined },
  ifMatch?: string | undefined,
): Promise<School> {
  const address = patch.billing_address;
  const problems = address === undefined || address === null ? [] : billingAddressProblems(address);
  const first = problems[0];
  if (first !== undefined) throw invalid(first.code, `${first.field}: ${first.message}`, problems);
  return deps.db.transaction(async (tx) => {
    // The school's row lock makes the read, the If-Match check and the write one step against another edit.
    await tx.one(SCHOOL_FOR_UPDATE, { id });
    const school = await getSchool({ db: tx }, id); // 404 for an unknown school
    checkIfMatch(ifMatch, school, 'school', id);
    if (address === undefined) return school;
    if (address === null) await tx.run(DELETE_SCHOOL_ADDRESS, { id });
    else await tx.run(SET_SCHOOL_ADDRESS, { id, ...billingAddressParams(address), at: deps.clock.now() });
    return getSchool({ db: tx }, id);
  });
}
