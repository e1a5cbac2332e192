/**
 * The simulator's UPI AutoPay: the mandate registration (an order carrying `token`, an authorisation payment by UPI
 * intent, the customer approving or rejecting it in their UPI app) and the asynchronous debits on the mandate's token.
 * server.ts routes to it; the entities (orders, payments, customers, webhooks) stay there.
 *
 * Registration (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/recurring-payments/upi/
 * authorization-transaction/, https://razorpay.com/docs/api/payments/recurring-payments/upi/
 * create-authorization-transaction/):
 *   1. `POST /v1/orders {amount, currency, method: "upi", customer_id, token: {max_amount, expire_at?, frequency}}`;
 *   2. `POST /v1/payments/create/upi {…, order_id, customer_id, recurring: 1, upi: {flow: "intent"}}` → the payment id
 *      and the `upi://mandate…` link the customer opens; the payment stays `created` and the token `initiated` (the
 *      payment names its `token_id` only once the customer has acted);
 *   3. the customer approves (simulator: `POST /v1/sim/upi-mandates/:payment_id/approve {vpa?}`) → payment
 *      authorized and captured, token `confirmed`: `payment.authorized`, `payment.captured`, `order.paid`,
 *      `token.confirmed`; or rejects (`…/reject`) → payment failed, token `rejected`: `payment.failed`,
 *      `token.rejected` (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/recurring-payments/upi/
 *      webhooks).
 * Subsequent debits (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/recurring-payments/upi-intent/
 * execute-subsequent-payments/): `POST /v1/payments/create/recurring` with the token answers the payment id while the
 * payment is `created`; Razorpay sends the pre-debit notification and attempts the debit "in the 25th hour" after
 * it, so the payment "may take between 24-36 hours" to settle. The simulator compresses that to `debitDelayMs`, then
 * authorises and captures (`payment.authorized`, `payment.captured`, `order.paid`) or fails (`payment.failed`).
 *
 * With `upiDebitDelayMs: null` debits wait until `POST /v1/sim/upi-mandates/debits/process` (a test then decides when
 * the gateway works, with no race against kosh's own call).
 * Test mode: an approval with VPA `failure@razorpay` leaves a mandate every debit of which fails;
 * `POST /v1/sim/upi-mandates/tokens/:token_id/decline-next` makes the next debit on a token fail (insufficient funds);
 * `POST /v1/sim/upi-mandates/tokens/:token_id/pause|resume|cancel` is the customer acting on the mandate in their app.
 */

import { newUpiPayment, type PayableOrder, type SimPayment } from './upi-payment.js';

type Json = Record<string, unknown>;

/**
 * "Currently, UPI Recurring Payment only supports as_presented and monthly frequency."
 * (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/recurring-payments/upi/authorization-transaction/)
 */
const FREQUENCIES = ['as_presented', 'monthly'] as const;
/**
 * token.max_amount: "The minimum value is 100 (₹1), and the maximum value is 1500000 (₹15,000)" (the razorpay SDK's
 * `Tokens.RazorpayTokenCard`, the token of a UPI/card authorisation order; the UPI FAQ: "The maximum transaction
 * amount allowed is ₹15,000 when using UPI as a recurring payment method",
 * https://razorpay.com/docs/payments/recurring-payments/upi/faqs/).
 */
const MAX_AMOUNT_MIN = 100;
const MAX_AMOUNT_MAX = 1_500_000;
/** token.expire_at: "The default value is 10 years." (the SDK's `Tokens.RazorpayTokenCard`). */
const DEFAULT_LIFE_SECONDS = 10 * 365 * 24 * 3600;

export interface MandateTerms {
  readonly max_amount: number;
  readonly expire_at: number;
  readonly frequency: (typeof FREQUENCIES)[number];
}

export interface UpiToken {
  id: string;
  customer_id: string;
  order_id: string;
  terms: MandateTerms;
  status: 'initiated' | 'confirmed' | 'rejected' | 'paused' | 'cancelled';
  failure_reason: string | null;
  vpa: string | null;
  declineNext: boolean;
  created_at: number;
  used_at: number | null;
}

/** The order fields the simulator keeps for an authorisation order. */
export interface RegistrationOrder extends PayableOrder {
  customer_id?: string;
  token?: MandateTerms;
}

export interface UpiAutopayDeps {
  readonly id: (prefix: string) => string;
  /** Entity timestamps (unix seconds). */
  readonly now: () => number;
  /** The simulator's today for mandate expiry (a test's injected clock). */
  readonly today: () => Date;
  readonly customerExists: (customerId: string) => boolean;
  readonly storePayment: (payment: SimPayment) => void;
  /** Captures an authorized payment as `POST /v1/payments/:id/capture` does (fee, order paid, webhooks). */
  readonly capture: (payment: SimPayment) => void;
  readonly emit: (event: string, entities: Record<string, Json>) => void;
  /** Runs work after a delay, counted by the simulator's `idle()`. */
  readonly later: (ms: number, work: () => void) => void;
  /** null: debits wait for `processHeldDebits` (`POST /v1/sim/upi-mandates/debits/process`). */
  readonly debitDelayMs: () => number | null;
  readonly badRequest: (description: string, field?: string) => Error;
  /** Notes as the simulator stores them on an entity. */
  readonly notes: (notes: unknown) => Json | unknown[];
}

const integer = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v.trim())) return Number(v.trim());
  return undefined;
};
const isRecurring = (v: unknown) => ['1', 'true', true, 1].includes(v as string);

/** ddmmyyyy, as NPCI's `upi://mandate` URI carries validity dates. */
const upiDate = (unix: number) => {
  const d = new Date(unix * 1000);
  return `${String(d.getUTCDate()).padStart(2, '0')}${String(d.getUTCMonth() + 1).padStart(2, '0')}${d.getUTCFullYear()}`;
};

/**
 * Razorpay's answer to a debit or registration the payer's bank or app declined (the simulator's own test values,
 * in Razorpay's error vocabulary: https://razorpay.com/docs/errors/payments/list/).
 */
const INSUFFICIENT_FUNDS = {
  error_code: 'BAD_REQUEST_ERROR',
  error_description: 'Your payment could not be completed due to insufficient account balance.',
  error_source: 'customer',
  error_step: 'payment_authorization',
  error_reason: 'insufficient_funds',
};
const MANDATE_REJECTED = {
  error_code: 'BAD_REQUEST_ERROR',
  error_description: 'Payment was cancelled by the customer.',
  error_source: 'customer',
  error_step: 'payment_authentication',
  error_reason: 'payment_cancelled',
};

/**
 * A debit on a mandate the customer paused or cancelled after its pre-debit notice: "If a token transitions to
 * paused, cancellation_initiated or cancelled, any subsequent payment attempt against that token will fail", and
 * "Sometimes the customer cancels the token after the pre-debit notification (PDN) is sent. In such cases, you receive
 * both the token.cancelled and the payment.failed webhooks"
 * (https://razorpay.com/docs/api/payments/recurring-payments/upi/tokens/, "Token States").
 */
const MANDATE_INACTIVE = {
  error_code: 'BAD_REQUEST_ERROR',
  error_description: 'The mandate is not active: the customer has paused or revoked it.',
  error_source: 'customer',
  error_step: 'payment_authorization',
  error_reason: 'payment_mandate_not_active',
};

export function createUpiAutopay(deps: UpiAutopayDeps) {
  const tokens = new Map<string, UpiToken>();
  /** authorisation payment id → its token id */
  const registrations = new Map<string, string>();
  const payments = new Map<string, SimPayment>();
  const held: (() => void)[] = [];

  /** The token entity as `GET /v1/customers/:id/tokens` shows a UPI one (razorpay-node documents/upi.md). */
  function tokenEntity(t: UpiToken): Json {
    const [username, handle] = t.vpa === null ? [null, null] : t.vpa.split('@');
    return {
      id: t.id,
      entity: 'token',
      token: t.id.slice(6),
      bank: null,
      wallet: null,
      method: 'upi',
      vpa: t.vpa === null ? null : { username, handle, name: null },
      recurring: true,
      recurring_details: { status: t.status, failure_reason: t.failure_reason },
      auth_type: null,
      mrn: null,
      used_at: t.used_at,
      created_at: t.created_at,
      start_time: t.created_at,
      max_amount: t.terms.max_amount,
      expired_at: t.terms.expire_at,
      frequency: t.terms.frequency,
      dcc_enabled: false,
      status: t.status === 'confirmed' ? 'active' : t.status,
      notes: [],
    };
  }

  function newPayment(
    order: RegistrationOrder,
    body: Json,
    token: UpiToken,
    description: string | null,
    tokenShown = true,
  ): SimPayment {
    const payment = newUpiPayment({ ...deps, integer }, order, body, {
      description,
      vpa: token.vpa,
      customer_id: token.customer_id,
      token_id: tokenShown ? token.id : null,
      recurring: true,
    });
    deps.storePayment(payment);
    payments.set(payment.id, payment);
    return payment;
  }

  function fail(payment: SimPayment, error: Json, token: UpiToken): void {
    Object.assign(payment, { status: 'failed', token_id: token.id, ...error });
    deps.emit('payment.failed', { payment });
  }

  function authorizeAndCapture(payment: SimPayment, token: UpiToken): void {
    Object.assign(payment, {
      status: 'authorized',
      token_id: token.id,
      vpa: token.vpa,
      acquirer_data: { rrn: null, upi_transaction_id: deps.id('upi').slice(4) },
    });
    token.used_at = deps.now();
    deps.emit('payment.authorized', { payment });
    deps.capture(payment);
  }

  const mustRegistration = (paymentId: string): { payment: SimPayment; token: UpiToken } => {
    const tokenId = registrations.get(paymentId);
    const payment = payments.get(paymentId);
    const token = tokenId === undefined ? undefined : tokens.get(tokenId);
    if (payment === undefined || token === undefined) {
      throw deps.badRequest('The id provided does not exist', 'payment_id');
    }
    if (payment.status !== 'created' || token.status !== 'initiated') {
      throw deps.badRequest('The mandate registration is not awaiting the customer', 'payment_id');
    }
    return { payment, token };
  };

  return {
    /**
     * The mandate terms of an authorisation order (`POST /v1/orders` with `token`), or null for an ordinary order.
     * Mandatory: `method: "upi"`, an existing `customer_id`, `token.max_amount` (₹1–₹15,000), `token.frequency`
     * (`as_presented` | `monthly`); `token.expire_at`, when sent, in the future (default 10 years). The
     * authorisation amount must not exceed the mandate's `max_amount` (the simulator's own rule: the customer
     * approves one mandate whose limit is shown in the UPI app).
     */
    registrationTerms(body: Json, amount: number): { customer_id: string; token: MandateTerms } | null {
      if (body['token'] === undefined || body['token'] === null) return null;
      const method = body['method'];
      if (method === undefined || method === null || method === '') {
        throw deps.badRequest('The method field is required.', 'method');
      }
      // Only UPI AutoPay is modelled; e-mandate, NACH and card authorisation orders are refused, stricter than Razorpay.
      if (method !== 'upi') throw deps.badRequest('The simulator models only method upi for a token order.', 'method');
      const customerId = body['customer_id'];
      if (typeof customerId !== 'string' || customerId === '') {
        throw deps.badRequest('The customer_id field is required.', 'customer_id');
      }
      if (!deps.customerExists(customerId)) throw deps.badRequest('The id provided does not exist', 'customer_id');
      const token = body['token'];
      if (typeof token !== 'object' || Array.isArray(token)) {
        throw deps.badRequest('The token field must be an object.', 'token');
      }
      const t = token as Json;
      const maxAmount = integer(t['max_amount']);
      if (t['max_amount'] === undefined)
        throw deps.badRequest('The token.max_amount field is required.', 'token.max_amount');
      if (maxAmount === undefined || maxAmount < MAX_AMOUNT_MIN || maxAmount > MAX_AMOUNT_MAX) {
        throw deps.badRequest('The token.max_amount must be between 100 and 1500000.', 'token.max_amount');
      }
      const frequency = t['frequency'];
      if (frequency === undefined || frequency === null || frequency === '') {
        throw deps.badRequest('The token.frequency field is required.', 'token.frequency');
      }
      if (!FREQUENCIES.includes(frequency as MandateTerms['frequency'])) {
        throw deps.badRequest('The selected token.frequency is invalid.', 'token.frequency');
      }
      const today = Math.floor(deps.today().getTime() / 1000);
      const expireAt = t['expire_at'] === undefined ? today + DEFAULT_LIFE_SECONDS : integer(t['expire_at']);
      if (expireAt === undefined || expireAt <= today) {
        throw deps.badRequest('The token.expire_at must be a timestamp in the future.', 'token.expire_at');
      }
      if (amount > maxAmount) {
        throw deps.badRequest('The amount must not be greater than token.max_amount.', 'amount');
      }
      return {
        customer_id: customerId,
        token: { max_amount: maxAmount, expire_at: expireAt, frequency: frequency as MandateTerms['frequency'] },
      };
    },

    /**
     * `POST /v1/payments/create/upi` on an authorisation order: `recurring` 1/true, the order's own customer, and
     * `upi.flow: "intent"`. The collect flow is refused: "the UPI Collect flow is being deprecated for new UPI Autopay
     * registrations effective 28 February 2026 … If you are a new Razorpay user, use UPI Intent."
     * (https://razorpay.com/docs/api/payments/recurring-payments/upi/create-authorization-transaction/; the simulator's
     * merchant is in none of the exempt categories). Answers `{razorpay_payment_id, link}` (the SDK's `createUpi`
     * result) with the payment `created` until the customer acts in their UPI app.
     */
    authorisationPayment(order: RegistrationOrder, body: Json): Json {
      if (!isRecurring(body['recurring'])) {
        throw deps.badRequest('The recurring field must be 1 or true for an authorisation payment', 'recurring');
      }
      const terms = order.token;
      if (terms === undefined || order.customer_id === undefined) {
        throw deps.badRequest('The order is not an authorisation order (no token).', 'order_id');
      }
      if (body['customer_id'] !== order.customer_id) {
        throw deps.badRequest('The customer_id does not match the order.', 'customer_id');
      }
      const upi = body['upi'];
      if (upi === null || typeof upi !== 'object' || Array.isArray(upi)) {
        throw deps.badRequest('The upi field is required.', 'upi');
      }
      const flow = (upi as Json)['flow'];
      if (flow === 'collect') {
        throw deps.badRequest(
          'UPI Collect is not supported for new UPI Autopay registrations; use the intent flow.',
          'upi.flow',
        );
      }
      if (flow !== 'intent') throw deps.badRequest('The selected upi.flow is invalid.', 'upi.flow');
      if ((upi as Json)['vpa'] !== undefined) throw deps.badRequest('upi.vpa is not required for intent', 'upi.vpa');
      const token: UpiToken = {
        id: deps.id('token'),
        customer_id: order.customer_id,
        order_id: order.id,
        terms,
        status: 'initiated',
        failure_reason: null,
        vpa: null,
        declineNext: false,
        created_at: deps.now(),
        used_at: null,
      };
      // The token is named on the payment only once the customer has acted (Razorpay: "retrieve the token_id against
      // the payment_id from the payment.authorized webhook", https://razorpay.com/docs/api/payments/recurring-payments/
      // upi/tokens/): a client must not count on it before.
      const payment = newPayment(
        order,
        body,
        token,
        typeof body['description'] === 'string' ? body['description'] : null,
        false,
      );
      tokens.set(token.id, token);
      registrations.set(payment.id, token.id);
      // NPCI's mandate URI, as UPI apps open one (amrule MAX: debits up to the mandate's limit).
      const link =
        `upi://mandate?pa=sim.rzp@razorpay&pn=Simulator&tr=${payment.id}` +
        `&am=${(terms.max_amount / 100).toFixed(2)}&cu=INR&amrule=MAX` +
        `&recur=${terms.frequency === 'monthly' ? 'MONTHLY' : 'ASPRESENTED'}` +
        `&validitystart=${upiDate(deps.now())}&validityend=${upiDate(terms.expire_at)}&txnType=CREATE&mode=04`;
      return { razorpay_payment_id: payment.id, link };
    },

    /** The customer approves the mandate in their UPI app (simulator-only). */
    approve(paymentId: string, body: Json): Json {
      const { payment, token } = mustRegistration(paymentId);
      const vpa = body['vpa'] === undefined ? 'success@razorpay' : String(body['vpa']);
      if (!/^[\w.-]+@[a-zA-Z]+$/.test(vpa)) throw deps.badRequest('Invalid VPA', 'vpa');
      token.vpa = vpa;
      token.status = 'confirmed';
      authorizeAndCapture(payment, token);
      deps.emit('token.confirmed', { token: tokenEntity(token) });
      return { payment: structuredClone(payment), token: tokenEntity(token) };
    },

    /** The customer declines the mandate (simulator-only). */
    reject(paymentId: string): Json {
      const { payment, token } = mustRegistration(paymentId);
      token.status = 'rejected';
      token.failure_reason = 'Mandate registration declined by the customer';
      fail(payment, MANDATE_REJECTED, token);
      deps.emit('token.rejected', { token: tokenEntity(token) });
      return { payment: structuredClone(payment), token: tokenEntity(token) };
    },

    /**
     * The customer pausing, resuming or revoking a confirmed mandate in their UPI app (simulator-only). Razorpay's
     * token states (https://razorpay.com/docs/recurring-payments/using-webhooks/): `paused` — "Your customer has
     * paused the token. Ask them to resume the token to charge them"; `cancelled` — "Create the authorization
     * transaction again if you want to charge the customer". Each change sends `token.paused`, `token.resumed` or
     * `token.cancelled`; a debit still waiting on a paused or cancelled token fails when it comes due.
     */
    customerAction(tokenId: string, action: string): Json {
      const token = tokens.get(tokenId);
      if (token === undefined) throw deps.badRequest('The id provided does not exist', 'token_id');
      const moves: Record<string, [UpiToken['status'][], UpiToken['status'], string]> = {
        pause: [['confirmed'], 'paused', 'token.paused'],
        resume: [['paused'], 'confirmed', 'token.resumed'],
        cancel: [['confirmed', 'paused'], 'cancelled', 'token.cancelled'],
      };
      const move = moves[action];
      if (move === undefined) throw deps.badRequest('The action is invalid', 'action');
      const [from, to, event] = move;
      if (!from.includes(token.status)) throw deps.badRequest(`The token is ${token.status}`, 'token_id');
      token.status = to;
      deps.emit(event, { token: tokenEntity(token) });
      return tokenEntity(token);
    },

    /**
     * The merchant deletes the mandate's token (`DELETE /v1/customers/:id/tokens/:token_id`): Razorpay cancels the
     * mandate, which sends `token.cancelled` (https://razorpay.com/docs/api/recurring-payments/upi/tokens/, "Delete
     * token"; token states: https://razorpay.com/docs/recurring-payments/using-webhooks/). False when not a mandate.
     */
    deleteToken(tokenId: string, customerId: string): boolean {
      const token = tokens.get(tokenId);
      if (token === undefined || token.customer_id !== customerId) return false;
      if (token.status !== 'cancelled') {
        token.status = 'cancelled';
        deps.emit('token.cancelled', { token: tokenEntity(token) });
      }
      return true;
    },

    /** Makes the next debit on a token fail (simulator-only). */
    declineNext(tokenId: string): Json {
      const token = tokens.get(tokenId);
      if (token === undefined) throw deps.badRequest('The id provided does not exist', 'token_id');
      token.declineNext = true;
      return tokenEntity(token);
    },

    token: (tokenId: string): UpiToken | undefined => tokens.get(tokenId),
    tokensOf: (customerId: string): Json[] =>
      [...tokens.values()].filter((t) => t.customer_id === customerId).map(tokenEntity),
    tokenEntity,

    /**
     * A debit on a confirmed mandate (`POST /v1/payments/create/recurring` with a UPI token; the caller has checked the
     * mandatory fields and that the token is the customer's). "Only tokens in the confirmed state can be used to
     * execute subsequent payments" (https://razorpay.com/docs/api/payments/recurring-payments/upi/tokens/); the
     * amount may not exceed the mandate's `max_amount`, and a mandate past its `expire_at` is refused. The payment is
     * answered `created`; the debit happens `debitDelayMs` later.
     */
    debit(order: RegistrationOrder, body: Json, token: UpiToken): SimPayment {
      if (token.status !== 'confirmed') {
        throw deps.badRequest('The token is not in the confirmed state', 'token');
      }
      if (Math.floor(deps.today().getTime() / 1000) >= token.terms.expire_at) {
        throw deps.badRequest('The token has expired', 'token');
      }
      const amount = integer(body['amount']);
      if (amount !== undefined && amount > token.terms.max_amount) {
        throw deps.badRequest('The amount exceeds the maximum amount of the mandate (token max_amount)', 'amount');
      }
      const payment = newPayment(
        order,
        body,
        token,
        typeof body['description'] === 'string' ? body['description'] : null,
      );
      const attempt = () => {
        if (payment.status !== 'created') return;
        if (token.status !== 'confirmed') {
          fail(payment, MANDATE_INACTIVE, token);
          return;
        }
        if (token.declineNext || token.vpa === 'failure@razorpay') {
          token.declineNext = false;
          fail(payment, INSUFFICIENT_FUNDS, token);
          return;
        }
        authorizeAndCapture(payment, token);
      };
      const delay = deps.debitDelayMs();
      if (delay === null) held.push(attempt);
      else deps.later(delay, attempt);
      return payment;
    },

    /** Attempts every debit held for `processHeldDebits` now (simulator-only); answers how many. */
    processHeldDebits(): Json {
      const due = held.splice(0, held.length);
      for (const attempt of due) attempt();
      return { processed: due.length };
    },
  };
}
