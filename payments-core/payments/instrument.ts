import type { Db } from '../../platform/db.js';
import { type AppError, type FieldError, invalid } from '../../platform/errors.js';
import { ensureGatewayCustomer } from '../customers/ensure-gateway-customer.js';
import type { Payer, PaymentGateway } from '../gateway/port.js';

/**
 * What a payment is charged to: a saved token, or a one-time UPI intent (the parent pays in their UPI app from a link
 * or QR). Both name the kosh customer and that customer's gateway customer (null until first needed); an intent also
 * carries the payer's browser, null where there is none (Razorpay takes no S2S UPI payment without one).
 */
export type Instrument =
  | { kind: 'token'; token: string; customerId: string; gatewayCustomerId: string | null }
  | { kind: 'upi_intent'; customerId: string; gatewayCustomerId: string | null; payer: Payer | null };

/**
 * A UPI collect asked for (a `vpa`, or a saved method that is a plain VPA, not an AutoPay mandate): NPCI deprecated
 * collect from 28 Feb 2026 ("Customers can no longer make payments … by manually entering VPA",
 * https://razorpay.com/docs/payments/payment-gateway/s2s-integration/json/v2/build-integration/upi/collect), so kosh
 * refuses it before anything is written: 422 on the API, and an off-session charge of a saved VPA fails unsent.
 */
export const UPI_COLLECT_UNAVAILABLE = 'upi_collect_unavailable';
export const UPI_COLLECT_DETAIL =
  'UPI collect (paying from a VPA typed in) was withdrawn by NPCI on 28 Feb 2026; pay by UPI intent (upi: {flow: "intent"}: the parent opens the returned upi_link or scans it as a QR) or with a UPI AutoPay mandate';

/** 422 `upi_collect_unavailable` naming the field that asked for a collect; the detail says why and what instead. */
export function collectUnavailable(field: '/vpa' | '/payment_method_id'): AppError {
  return invalid(
    'upi_collect_unavailable',
    'UPI collect (paying from a VPA typed in) was withdrawn by NPCI on 28 Feb 2026; pay by UPI intent (upi: {flow: "intent"}: the parent opens the returned upi_link or scans it as a QR) or with a UPI AutoPay mandate',
    [{ field, code: UPI_COLLECT_UNAVAILABLE, message: 'UPI collect is no longer offered; use upi.flow "intent"' }],
  );
}

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

/** The code of a UPI payment refused for want of the payer's browser (422 on the API). */
export const PAYER_REQUIRED = 'payer_required';

/** The payer's browser when every part of it is given, else null. */
export function payerOf(input: PayerInput): Payer | null {
  const { ip, referer, user_agent: userAgent } = input;
  if (!ip || !referer || !userAgent) return null;
  return { ip, referer, userAgent };
}

/**
 * 422 `payer_required`, one error per missing part: an S2S UPI payment is sent to Razorpay only with the payer's `ip`,
 * `referer` and `user_agent` (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/json/v2/
 * build-integration/upi/intent).
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

/** A saved method that is a plain VPA (a collect instrument), not a gateway token such as an AutoPay mandate. */
export const isPlainVpa = (pm: { type: string; gateway_token: string }): boolean =>
  pm.type === 'upi' && pm.gateway_token.includes('@');

/** The instrument of a saved method: its token; null for a plain VPA, which can no longer be charged (collect). */
export function savedInstrument(pm: SavedMethod): Instrument | null {
  if (isPlainVpa(pm)) return null;
  return {
    kind: 'token',
    token: pm.gateway_token,
    customerId: pm.customer_id,
    gatewayCustomerId: pm.gateway_customer_id,
  };
}

/** The instrument as the gateway takes it: with its gateway customer, made now if it has none yet. */
export async function gatewayCustomerOf(
  deps: { db: Db; gateway: PaymentGateway },
  instrument: Instrument,
): Promise<string> {
  return instrument.gatewayCustomerId ?? (await ensureGatewayCustomer(deps, instrument.customerId));
}
