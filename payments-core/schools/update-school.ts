import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { type BillingAddressInput, billingAddressParams, billingAddressProblems } from './billing-address.js';
import { getSchool } from './find-schools.js';
import { DELETE_SCHOOL_ADDRESS, SET_SCHOOL_ADDRESS } from './repository.js';
import type { School } from './types.js';

/** Sets (or with null removes) a school's billing address; finalised invoices keep the one they printed. */
export async function updateSchool(
  deps: { db: Sql; clock: Clock },
  id: string,
  patch: { billing_address?: BillingAddressInput | null | undefined },
): Promise<School> {
  const school = await getSchool(deps, id); // 404 for an unknown school
  if (patch.billing_address === undefined) return school;
  const address = patch.billing_address;
  const problems = address === null ? [] : billingAddressProblems(address);
  const first = problems[0];
  if (first !== undefined) throw invalid(first.code, `${first.field}: ${first.message}`, problems);
  if (address === null) await deps.db.run(DELETE_SCHOOL_ADDRESS, { id });
  else await deps.db.run(SET_SCHOOL_ADDRESS, { id, ...billingAddressParams(address), at: deps.clock.now() });
  return getSchool(deps, id);
}
