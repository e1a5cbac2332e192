import type { Db } from '../../platform/db.js';
import { type AppError, type FieldError, invalid } from '../../platform/errors.js';
import { ensureGatewayCustomer } from '../customers/ensure-gateway-customer.js';
import type { CreatePaymentInput, Payer, PaymentGateway } from '../gateway/port.js';

/**
 * What a payment is charged to: a saved token, or a UPI collect from a VPA. Both name the kosh customer and that
 * customer's gateway customer (null until first needed); a collect also carries the payer's browser, null where
 * there is none (an off-session charge: Razorpay has no S2S collect without one).
 */
export type Instrument =
  | { kind: 'token'; token: string; customerId: string; gatewayCustomerId: string | null }
  | { kind: 'vpa'; vpa: string; customerId: string; gatewayCustomerId: string | null; payer: Payer | null };

/** A saved method as read for charging. */
export interface SavedMethod {
  customer_id: string;
  type: string;
  gateway_token: string;
  gateway_customer_id: string | null;
}

/** The payer's browser as the API caller relays it (snake_case, as in the request); any part may be missing. */
export interface PayerInput {
  readonly ip?: string | null | undefined;
  readonly referer?: string | null | undefined;
  readonly user_agent?: string | null | undefined;
}

const PAYER_FIELDS = ['ip', 'referer', 'user_agent'] as const;

/**
 * The code of a UPI collect refused for want of the payer's browser: 422 on the API, and the failure of an off-session
 * charge of a saved VPA (a job has no browser), which is never sent to the gateway.
 */
export const PAYER_REQUIRED = 'payer_required';

/** The payer's browser when every part of it is given, else null. */
export function payerOf(input: PayerInput): Payer | null {
  const { ip, referer, user_agent: userAgent } = input;
  if (!ip || !referer || !userAgent) return null;
  return { ip, referer, userAgent };
}

/**
 * 422 `payer_required`, one error per missing part: a UPI collect is sent to Razorpay only with the payer's `ip`,
 * `referer` and `user_agent` (https://razorpay.com/docs/payments/third-party-validation/s2s-integration/upi/collect).
 */
export function payerRequired(input: PayerInput): AppError {
  const errors: FieldError[] = PAYER_FIELDS.filter((f) => !input[f]).map((f) => ({
    field: `/${f}`,
    code: PAYER_REQUIRED,
    message: `a UPI payment needs the payer's browser ${f}`,
  }));
  return invalid(
    PAYER_REQUIRED,
    `a UPI payment needs the payer's browser: ${errors.map((e) => e.field.slice(1)).join(', ')} missing`,
    errors,
  );
}

/** The instrument of a saved method: its VPA for a UPI collect method (with `payer`), else its token. */
export function savedInstrument(pm: SavedMethod, payer: Payer | null): Instrument {
  return pm.type === 'upi' && pm.gateway_token.includes('@')
    ? {
        kind: 'vpa',
        vpa: pm.gateway_token,
        customerId: pm.customer_id,
        gatewayCustomerId: pm.gateway_customer_id,
        payer,
      }
    : { kind: 'token', token: pm.gateway_token, customerId: pm.customer_id, gatewayCustomerId: pm.gateway_customer_id };
}

/**
 * The instrument as the gateway takes it: with its gateway customer, made now if it has none yet. A collect without
 * its payer's browser never reaches the gateway (callers refuse it first; this is the last guard).
 */
export async function gatewayInstrument(
  deps: { db: Db; gateway: PaymentGateway },
  instrument: Instrument,
): Promise<CreatePaymentInput['instrument']> {
  const customerId = instrument.gatewayCustomerId ?? (await ensureGatewayCustomer(deps, instrument.customerId));
  if (instrument.kind === 'token') return { kind: 'token', token: instrument.token, customerId };
  if (instrument.payer === null) throw payerRequired({});
  return { kind: 'vpa', vpa: instrument.vpa, customerId, payer: instrument.payer };
}
