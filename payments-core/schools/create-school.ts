import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { type BillingAddressInput, billingAddressParams, billingAddressProblems } from './billing-address.js';
import { getSchool } from './find-schools.js';
import { INSERT_SCHOOL, INSERT_SCHOOL_WITH_ADDRESS } from './repository.js';
import { INDIAN_STATES } from './state-codes.js';
import type { School } from './types.js';

const GSTIN = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;

/** Registers a school (the merchant). Its GSTIN, when given, must belong to its state. */
export async function createSchool(
  deps: { db: Sql; clock: Clock },
  input: {
    name: string;
    city: string;
    state_code: string;
    gstin?: string | undefined;
    billing_address?: BillingAddressInput | undefined;
  },
): Promise<School> {
  const state = INDIAN_STATES[input.state_code];
  if (state === undefined) {
    throw invalid('invalid_state_code', `unknown Indian state code ${input.state_code}`, [
      { field: '/state_code', code: 'invalid_state_code', message: 'must be an ISO 3166-2:IN code such as KA' },
    ]);
  }
  if (input.gstin !== undefined && (!GSTIN.test(input.gstin) || !input.gstin.startsWith(state.gstCode))) {
    throw invalid('invalid_gstin', 'gstin is not a valid GSTIN for this state', [
      {
        field: '/gstin',
        code: 'invalid_gstin',
        message: `must be a 15-character GSTIN starting with ${state.gstCode}`,
      },
    ]);
  }
  const address = input.billing_address ?? null;
  const problems = address === null ? [] : billingAddressProblems(address);
  const first = problems[0];
  if (first !== undefined) throw invalid(first.code, `${first.field}: ${first.message}`, problems);
  const id = newId('sch');
  const row = {
    id,
    name: input.name,
    city: input.city,
    state_code: input.state_code,
    gstin: input.gstin ?? null,
    at: deps.clock.now(),
  };
  if (address === null) await deps.db.run(INSERT_SCHOOL, row);
  else await deps.db.run(INSERT_SCHOOL_WITH_ADDRESS, { ...row, ...billingAddressParams(address) });
  return getSchool(deps, id);
}
