import type { Db } from '../../platform/db.js';
import { ensureGatewayCustomer } from '../customers/ensure-gateway-customer.js';
import type { CreatePaymentInput, PaymentGateway } from '../gateway/port.js';

/**
 * What a payment is charged to: a saved token (with the kosh customer it belongs to and that customer's gateway
 * customer, null until first needed) or a UPI VPA.
 */
export type Instrument =
  | { kind: 'token'; token: string; customerId: string; gatewayCustomerId: string | null }
  | { kind: 'vpa'; vpa: string };

/** A saved method as read for charging. */
export interface SavedMethod {
  customer_id: string;
  type: string;
  gateway_token: string;
  gateway_customer_id: string | null;
}

/** The instrument of a saved method: its VPA for a UPI collect method, else its token of the customer. */
export function savedInstrument(pm: SavedMethod): Instrument {
  return pm.type === 'upi' && pm.gateway_token.includes('@')
    ? { kind: 'vpa', vpa: pm.gateway_token }
    : { kind: 'token', token: pm.gateway_token, customerId: pm.customer_id, gatewayCustomerId: pm.gateway_customer_id };
}

/** The instrument as the gateway takes it: a token names its gateway customer, made now if it has none yet. */
export async function gatewayInstrument(
  deps: { db: Db; gateway: PaymentGateway },
  instrument: Instrument,
): Promise<CreatePaymentInput['instrument']> {
  if (instrument.kind === 'vpa') return instrument;
  return {
    kind: 'token',
    token: instrument.token,
    customerId: instrument.gatewayCustomerId ?? (await ensureGatewayCustomer(deps, instrument.customerId)),
  };
}
