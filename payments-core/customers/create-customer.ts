import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { SCHOOL_BY_ID } from '../schools/repository.js';
import { INDIAN_STATES } from '../schools/state-codes.js';
import { CUSTOMER_BY_ID, INSERT_CUSTOMER } from './repository.js';
import type { Customer } from './types.js';

/** Registers a parent at a school; the state code is the GST place of supply. */
export async function createCustomer(
  deps: { db: Sql; clock: Clock },
  input: { school_id: string; name: string; email: string; phone: string; state_code: string },
): Promise<Customer> {
  if (INDIAN_STATES[input.state_code] === undefined) {
    throw invalid('invalid_state_code', `unknown Indian state code ${input.state_code}`, [
      { field: '/state_code', code: 'invalid_state_code', message: 'must be an ISO 3166-2:IN code such as KA' },
    ]);
  }
  if ((await deps.db.one(SCHOOL_BY_ID, { id: input.school_id })) === undefined) {
    throw invalid('unknown_school', `no school with id ${input.school_id}`, [
      { field: '/school_id', code: 'unknown_school', message: 'no school with this id' },
    ]);
  }
  const id = newId('cus');
  await deps.db.run(INSERT_CUSTOMER, { id, ...input, at: deps.clock.now() });
  const customer = await deps.db.one<Customer>(CUSTOMER_BY_ID, { id });
  if (customer === undefined) throw new Error('customer vanished after insert');
  return customer;
}
