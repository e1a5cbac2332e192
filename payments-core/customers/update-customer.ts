import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { type BillingAddressInput, billingAddressParams, billingAddressProblems } from '../schools/billing-address.js';
import { getCustomer } from './find-customers.js';
import { DELETE_CUSTOMER_ADDRESS, SET_CUSTOMER_ADDRESS } from './repository.js';
import type { Customer } from './types.js';

/**
 * Sets (or with null removes) a customer's billing address. Invoices already finalised keep the address they
 * printed (their snapshot); drafts pick up the new one when finalised.
 */
export async function updateCustomer(
  deps: { db: Sql; clock: Clock },
  id: string,
  patch: { billing_address?: BillingAddressInput | null | undefined },
): Promise<Customer> {
  if (patch.billing_address === undefined) return getCustomer(deps, id);
  const address = patch.billing_address;
  const problems = address === null ? [] : billingAddressProblems(address);
  const first = problems[0];
  if (first !== undefined) throw invalid(first.code, `${first.field}: ${first.message}`, problems);
  const customer = await getCustomer(deps, id); // 404 for an unknown customer
  if (address === null) await deps.db.run(DELETE_CUSTOMER_ADDRESS, { id });
  else await deps.db.run(SET_CUSTOMER_ADDRESS, { id, ...billingAddressParams(address), at: deps.clock.now() });
  return address === null && customer.billing_address === null ? customer : getCustomer(deps, id);
}
