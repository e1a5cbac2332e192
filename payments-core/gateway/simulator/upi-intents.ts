/**
 * The simulator's one-time UPI by the intent flow, and its refusal of one-time UPI collect. server.ts routes
 * `POST /v1/payments/create/upi` without `recurring` here; the entities (orders, payments, webhooks) stay there.
 *
 * Intent (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/json/v2/build-integration/upi/intent,
 * https://razorpay.com/docs/payments/payment-gateway/s2s-integration/payment-methods/upi/intent,
 * https://razorpay.com/docs/payments/payment-gateway/s2s-integration/payment-methods/upi/qr):
 *   1. `POST /v1/payments/create/upi {…, upi: {flow: "intent", expiry_time?}}` (no `vpa`: "Customers need not enter
 *      VPA") answers the payment id and the intent `link` (the SDK's `createUpi` result `{razorpay_payment_id,
 *      link}`), which the merchant opens as an app switch or shows as a QR code ("take the intent link from the
 *      response and convert it into a QR code yourself"). The payment is `created`: "there is no redirect involved
 *      when the customer completes the payment, you will have to poll the Razorpay APIs to get the latest status".
 *   2. The customer pays in their UPI app (simulator: `POST /v1/sim/upi-intents/:payment_id/pay {vpa?}`) → the payment
 *      is `authorized` and `payment.authorized` is sent; capture is explicit, as for every S2S payment of this
 *      simulator (an account set to manual capture). VPA `failure@razorpay` pays into a decline: `failed`,
 *      `payment.failed` (insufficient_funds). The customer declines (`POST /v1/sim/upi-intents/:payment_id/fail`) →
 *      `failed`, `payment.failed` (payment_cancelled).
 *   3. Not acted on within `upi.expiry_time` minutes ("Period of time (in minutes) after which the link will expire.
 *      The default value is 5.": the razorpay SDK's `RazorpayPaymentUpiCreateRequestBody`; the QR page: "the time, in
 *      minutes, for which the intent link and the QR code are valid") → `failed` with payment_cancelled ("You may have
 *      cancelled the payment or there was a delay in response from the UPI app", the S2S UPI error codes:
 *      https://razorpay.com/docs/payments/payment-gateway/s2s-integration/payment-methods/upi/error-codes) and
 *      `payment.failed`. Expiry runs on the simulator's clock (its `now` option: a test moves it instead of waiting),
 *      checked on every request and once a second.
 * Collect: "According to NPCI guidelines, the UPI Collect flow is being deprecated effective 28 February 2026 …
 * Customers can no longer make payments by manually entering VPA/UPI ID/mobile numbers"; the exemptions (IPO MCCs, iOS
 * app and mobile web, mandate execute/modify/revoke, eRupi, cross-border) cover none of a school-meal merchant's web
 * checkout (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/json/v2/build-integration/upi/collect,
 * https://curlec.com/docs/announcements/upi-collect-migration/s2s-integration). No error for a refused collect is
 * documented: the simulator answers a BAD_REQUEST_ERROR naming `upi.flow`.
 */

import { newUpiPayment, type PayableOrder, type SimPayment } from './upi-payment.js';

type Json = Record<string, unknown>;

/** The order fields an intent payment needs. */
export type IntentOrder = PayableOrder;

export interface UpiIntentDeps {
  readonly id: (prefix: string) => string;
  /** Entity timestamps (unix seconds). */
  readonly now: () => number;
  /** The simulator's clock for expiry (a test's injected clock). */
  readonly today: () => Date;
  readonly storePayment: (payment: SimPayment) => void;
  readonly emit: (event: string, entities: Record<string, Json>) => void;
  readonly badRequest: (description: string, field?: string) => Error;
  readonly notes: (notes: unknown) => Json | unknown[];
  readonly integer: (v: unknown) => number | undefined;
}

/** The intent link's default life: "The default value is 5." (minutes; the SDK's `upi.expiry_time`). */
export const DEFAULT_EXPIRY_MINUTES = 5;

/** S2S UPI error codes, row 4 (customer, payment_authentication): a declined or unanswered intent. */
const CANCELLED = {
  error_code: 'BAD_REQUEST_ERROR',
  error_description: 'You may have cancelled the payment or there was a delay in response from the UPI app.',
  error_source: 'customer',
  error_step: 'payment_authentication',
  error_reason: 'payment_cancelled',
};
/** S2S UPI error codes, row 1 (customer, payment_debit_request). */
const INSUFFICIENT_FUNDS = {
  error_code: 'GATEWAY_ERROR',
  error_description: 'Transaction failed due to insufficient funds.',
  error_source: 'customer',
  error_step: 'payment_debit_request',
  error_reason: 'insufficient_funds',
};

const VPA = /^[\w.-]+@[a-zA-Z]+$/;

/**
 * The simulator's stand-in for a parent paying by UPI on a Razorpay-hosted page (`/v1/sim/checkout`, a payment link):
 * `upi: {flow: "intent", vpa?}`, the QR or app switch the page offers, paid from `vpa` in the payer's app (default
 * success@razorpay; failure@razorpay declines). Collect is refused: Standard Checkout drops "Pay with UPI ID/Number"
 * from 28 February 2026 (https://curlec.com/docs/announcements/upi-collect-migration/recurring-payments/
 * standard-checkout: "Razorpay will automatically disable UPI Collect flows").
 */
export function hostedUpiVpa(upi: unknown, badRequest: (description: string, field?: string) => Error): string {
  if (upi === null || typeof upi !== 'object' || Array.isArray(upi))
    throw badRequest('The upi field is required.', 'upi');
  const u = upi as Json;
  if (u['flow'] === 'collect') {
    throw badRequest('UPI Collect is deprecated as per NPCI guidelines; pay by UPI Intent or QR.', 'upi.flow');
  }
  if (u['flow'] !== 'intent') throw badRequest('The selected upi.flow is invalid.', 'upi.flow');
  const vpa = u['vpa'] === undefined ? 'success@razorpay' : u['vpa'];
  if (typeof vpa !== 'string' || !VPA.test(vpa)) {
    throw badRequest('Invalid VPA. Please enter a valid Virtual Payment Address', 'upi.vpa');
  }
  return vpa;
}

export function createUpiIntents(deps: UpiIntentDeps) {
  /** Payments awaiting the customer: payment id → expiry (unix ms on the simulator's clock). */
  const waiting = new Map<string, { payment: SimPayment; expiresAt: number }>();

  const fail = (payment: SimPayment, error: Json) => {
    Object.assign(payment, { status: 'failed', ...error });
    deps.emit('payment.failed', { payment });
  };

  const mustWaiting = (paymentId: string) => {
    expire();
    const w = waiting.get(paymentId);
    if (w === undefined) throw deps.badRequest('The payment is not a UPI intent awaiting the customer', 'payment_id');
    waiting.delete(paymentId);
    return w.payment;
  };

  /** Fails every intent past its expiry on the simulator's clock. */
  function expire(): void {
    const at = deps.today().getTime();
    for (const [id, w] of waiting) {
      if (w.expiresAt > at) continue;
      waiting.delete(id);
      if (w.payment.status === 'created') fail(w.payment, CANCELLED);
    }
  }

  return {
    expire,

    /**
     * The `upi` object of a one-time payment: `flow` "intent" (no `vpa`), `expiry_time` optional whole minutes;
     * "collect" refused as deprecated. Answers the expiry in minutes.
     */
    intentTerms(upi: unknown): { expiryMinutes: number } {
      if (upi === null || typeof upi !== 'object' || Array.isArray(upi)) {
        throw deps.badRequest('The upi field is required.', 'upi');
      }
      const u = upi as Json;
      const flow = u['flow'];
      if (flow === undefined || flow === null || flow === '') {
        throw deps.badRequest('The upi.flow field is required.', 'upi.flow');
      }
      if (flow === 'collect') {
        throw deps.badRequest(
          'UPI Collect is deprecated as per NPCI guidelines from 28 February 2026; use the UPI Intent flow (upi.flow: intent).',
          'upi.flow',
        );
      }
      if (flow !== 'intent') throw deps.badRequest('The selected upi.flow is invalid.', 'upi.flow');
      if (u['vpa'] !== undefined) throw deps.badRequest('upi.vpa is not required for intent', 'upi.vpa');
      const minutes = u['expiry_time'] === undefined ? DEFAULT_EXPIRY_MINUTES : deps.integer(u['expiry_time']);
      if (minutes === undefined || minutes < 1) {
        throw deps.badRequest('The upi.expiry_time must be a positive number of minutes.', 'upi.expiry_time');
      }
      return { expiryMinutes: minutes };
    },

    /**
     * A one-time intent payment on an order (the caller has checked the mandatory fields and the customer):
     * `created`, answered with its id and the `upi://pay` link (NPCI's pay URI: payee `pa`, name `pn`, reference
     * `tr`, amount `am` in rupees, currency `cu`). The link is for the payer's app as is ("Do not hardcode the URL
     * returned in the API responses", "Do not change Intent URL").
     */
    create(order: IntentOrder, body: Json, expiryMinutes: number): Json {
      const payment = newUpiPayment(deps, order, body, {
        description: typeof body['description'] === 'string' ? body['description'] : null,
        vpa: null,
        customer_id: typeof body['customer_id'] === 'string' ? body['customer_id'] : null,
        token_id: null,
        recurring: false,
      });
      deps.storePayment(payment);
      waiting.set(payment.id, { payment, expiresAt: deps.today().getTime() + expiryMinutes * 60_000 });
      const link =
        `upi://pay?pa=sim.rzp@razorpay&pn=Simulator&tr=${payment.id}` +
        `&am=${(payment.amount / 100).toFixed(2)}&cu=${order.currency}&mode=04`;
      return { razorpay_payment_id: payment.id, link };
    },

    /** The customer pays in their UPI app (simulator-only): authorized, or failed for VPA `failure@razorpay`. */
    pay(paymentId: string, body: Json): Json {
      const vpa = body['vpa'] === undefined ? 'success@razorpay' : String(body['vpa']);
      if (!VPA.test(vpa)) throw deps.badRequest('Invalid VPA', 'vpa');
      const payment = mustWaiting(paymentId);
      payment['vpa'] = vpa;
      if (vpa === 'failure@razorpay') {
        fail(payment, INSUFFICIENT_FUNDS);
        return structuredClone(payment);
      }
      Object.assign(payment, {
        status: 'authorized',
        acquirer_data: { rrn: null, upi_transaction_id: deps.id('upi').slice(4) },
      });
      deps.emit('payment.authorized', { payment });
      return structuredClone(payment);
    },

    /** The customer declines in their UPI app (simulator-only). */
    decline(paymentId: string): Json {
      const payment = mustWaiting(paymentId);
      fail(payment, CANCELLED);
      return structuredClone(payment);
    },
  };
}
