import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { gstinProblem } from '../../platform/gstin.js';
import { newId } from '../../platform/ids.js';
import { type BillingAddressInput, billingAddressParams, billingAddressProblems } from '../schools/billing-address.js';
import { SCHOOL_BY_ID } from '../schools/repository.js';
import { INDIAN_STATES } from '../schools/state-codes.js';
import { CLOCK_BY_ID } from '../test-clocks/repository.js';
import { getCustomer } from './find-customers.js';
import { INSERT_CUSTOMER, INSERT_CUSTOMER_WITH_ADDRESS } from './repository.js';
import type { Customer } from './types.js';

/**
 * Registers a parent (or a registered business: `gstin`) at a school; the state code is the GST place of supply unless
 * a GSTIN or address says otherwise. A GSTIN needs a billing address (Rule 46(e): a registered recipient's invoice
 * prints it).
 */
export async function createCustomer(
  deps: { db: Sql; clock: Clock; testClocks?: boolean | undefined },
  input: {
    school_id: string;
    name: string;
    email: string;
    phone: string;
    state_code: string;
    gstin?: string | undefined;
    billing_address?: BillingAddressInput | undefined;
    /** A test clock to create the customer on (only when test clocks are enabled). */
    test_clock?: string | undefined;
  },
): Promise<Customer> {
  if (INDIAN_STATES[input.state_code] === undefined) {
    throw invalid('invalid_state_code', `unknown Indian state code ${input.state_code}`, [
      { field: '/state_code', code: 'invalid_state_code', message: 'must be an ISO 3166-2:IN code such as KA' },
    ]);
  }
  const address = input.billing_address ?? null;
  const gstin = input.gstin ?? null;
  if (gstin !== null && gstinProblem(gstin) !== null) {
    throw invalid('invalid_gstin', 'gstin is not a valid GSTIN', [
      { field: '/gstin', code: 'invalid_gstin', message: 'must be a 15-character GSTIN with its check character' },
    ]);
  }
  if (gstin !== null && address === null) {
    throw invalid('billing_address_required', 'a customer with a GSTIN needs a billing address', [
      { field: '/billing_address', code: 'billing_address_required', message: 'required with a GSTIN (Rule 46(e))' },
    ]);
  }
  const problems = address === null ? [] : billingAddressProblems(address);
  const first = problems[0];
  if (first !== undefined) throw invalid(first.code, `${first.field}: ${first.message}`, problems);
  if ((await deps.db.one(SCHOOL_BY_ID, { id: input.school_id })) === undefined) {
    throw invalid('unknown_school', `no school with id ${input.school_id}`, [
      { field: '/school_id', code: 'unknown_school', message: 'no school with this id' },
    ]);
  }
  let at = deps.clock.now();
  if (input.test_clock !== undefined) {
    if (deps.testClocks !== true) {
      throw invalid('test_clocks_disabled', 'test clocks are not enabled (KOSH_TEST_CLOCKS=1)', [
        { field: '/test_clock', code: 'test_clocks_disabled', message: 'test clocks are not enabled' },
      ]);
    }
    const clock = await deps.db.one<{ frozen_time: Date }>(CLOCK_BY_ID, { id: input.test_clock });
    if (clock === undefined) {
      throw invalid('unknown_test_clock', `no test clock with id ${input.test_clock}`, [
        { field: '/test_clock', code: 'unknown_test_clock', message: 'no test clock with this id' },
      ]);
    }
    // The customer lives on the clock's time from the start.
    at = clock.frozen_time;
  }
  const id = newId('cus');
  const row = {
    id,
    school_id: input.school_id,
    name: input.name,
    email: input.email,
    phone: input.phone,
    state_code: input.state_code,
    gstin,
    test_clock_id: input.test_clock ?? null,
    at,
  };
  if (address === null) await deps.db.run(INSERT_CUSTOMER, row);
  else await deps.db.run(INSERT_CUSTOMER_WITH_ADDRESS, { ...row, ...billingAddressParams(address) });
  return getCustomer(deps, id);
}
