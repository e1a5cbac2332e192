import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import type { PaymentGateway } from '../gateway/port.js';
import { GATEWAY_CUSTOMER_OF, SET_GATEWAY_CUSTOMER } from './repository.js';

/**
 * The customer's gateway customer (Razorpay `cust_…`), made when first needed: a saved card or mandate is a token
 * of that customer, and every charge of a token names it. The gateway answers the same customer for the same email
 * and contact (`fail_existing: "0"`), so a crash between its creation and the write here makes no second one; of two
 * concurrent first calls, the one written first stands.
 */
export async function ensureGatewayCustomer(
  deps: { db: Db; gateway: PaymentGateway },
  customerId: string,
): Promise<string> {
  const row = await deps.db.one<{
    id: string;
    name: string;
    email: string;
    phone: string;
    gateway_customer_id: string | null;
  }>(GATEWAY_CUSTOMER_OF, { id: customerId });
  if (row === undefined) throw notFound('customer', customerId);
  if (row.gateway_customer_id !== null) return row.gateway_customer_id;
  const made = await deps.gateway.ensureCustomer({
    koshCustomerId: row.id,
    name: gatewayName(row.name, row.id),
    email: row.email,
    contact: row.phone,
  });
  await deps.db.run(SET_GATEWAY_CUSTOMER, { id: customerId, gateway_customer_id: made });
  const stored = await deps.db.one<{ gateway_customer_id: string | null }>(GATEWAY_CUSTOMER_OF, { id: customerId });
  return stored?.gateway_customer_id ?? made;
}

/**
 * The name as Razorpay takes one: "Alphanumeric value with period (.), apostrophe ('), forward slash (/), at (@) and
 * parentheses are allowed. The name must be between 3-50 characters in length."
 * (https://razorpay.com/docs/api/customers/create/). Other characters (a Devanagari name, a hyphen) become spaces;
 * a name left shorter than 3 is replaced by one made from the kosh id. The gateway's copy is informational only.
 */
export function gatewayName(name: string, customerId: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9 .'/@()]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 50)
    .trim();
  return cleaned.length >= 3 ? cleaned : `Customer ${customerId.replace(/[^A-Za-z0-9]/g, '').slice(-12)}`;
}
