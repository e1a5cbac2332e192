import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { checkIfMatch } from '../../platform/etag.js';
import { type BillingAddressInput, billingAddressParams, billingAddressProblems } from '../schools/billing-address.js';
import { getCustomer } from './find-customers.js';
import { CUSTOMER_FOR_UPDATE, DELETE_CUSTOMER_ADDRESS, SET_CUSTOMER_ADDRESS } from './repository.js';
import type { Customer } from './types.js';

/**
 * Sets (or with null removes, unless they have a GSTIN) a customer's billing address. Invoices already finalised keep the address they
 * printed (their snapshot); drafts pick up the new one when finalised. With `ifMatch` (an ETag from a read), a
 * customer changed since is refused with 412.
 */
export async function updateCustomer(
  deps: { db: Db; clock: Clock },
  id: string,
  patch: { billing_address?: BillingAddressInput | null | undefined },
  ifMatch?: string | undefined,
): Promise<Customer> {
  const address = patch.billing_address;
  const problems = address === undefined || address === null ? [] : billingAddressProblems(address);
  const first = problems[0];
  if (first !== undefined) throw invalid(first.code, `${first.field}: ${first.message}`, problems);
  return deps.db.transaction(async (tx) => {
    // The customer's row lock makes the read, the If-Match check and the write one step against another edit.
    await tx.one(CUSTOMER_FOR_UPDATE, { id });
    const customer = await getCustomer({ db: tx }, id); // 404 for an unknown customer
    checkIfMatch(ifMatch, customer, 'customer', id);
    if (address === undefined || (address === null && customer.billing_address === null)) return customer;
    if (address === null && customer.gstin !== null) {
      throw invalid('billing_address_required', 'a customer with a GSTIN needs a billing address', [
        { field: '/billing_address', code: 'billing_address_required', message: 'required with a GSTIN (Rule 46(e))' },
      ]);
    }
    if (address === null) await tx.run(DELETE_CUSTOMER_ADDRESS, { id });
    else await tx.run(SET_CUSTOMER_ADDRESS, { id, ...billingAddressParams(address), at: deps.clock.now() });
    return getCustomer({ db: tx }, id);
  });
}
