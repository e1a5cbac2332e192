/**
 * A Razorpay-compatible HTTP API on loopback: the subset kosh uses, with Razorpay's JSON entity shapes,
 * ids (`order_…`, `pay_…`, `rfnd_…`), Basic auth and error format, in test mode (see test-mode.ts for the
 * cards and VPAs). It is kosh's embedded default gateway, the test fixture for the real `razorpay` SDK,
 * and usable on its own (`kosh razorpay-sim`).
 *
 * Razorpay API subset:
 *   POST /v1/orders · GET /v1/orders?receipt= · GET /v1/orders/:id · GET /v1/orders/:id/payments
 *   POST /v1/customers · GET /v1/customers/:id · GET /v1/customers/:id/tokens · GET|DELETE /v1/customers/:id/tokens/:token_id
 *   POST /v1/payments/create/recurring (charge a customer's saved token: customer_id, token, recurring, email,
 *     contact, amount, currency, order_id all required, as documented) answers `{razorpay_payment_id,
 *     razorpay_order_id, razorpay_signature}` like Razorpay; a decline is a 400 whose `error.metadata` names the
 *     payment and order. POST /v1/payments/create/upi (the documented S2S shape, with customer_id, ip, referer and
 *     user_agent) takes a one-time payment only by intent (`upi: {flow: "intent", expiry_time?}`; collect is
 *     deprecated, see upi-intents.ts): it answers `{razorpay_payment_id, link}` and the payment stays `created` until
 *     the customer acts or the link expires. Payments are authorised; capture is explicit
 *     (`POST /v1/payments/:id/capture`), as with an account set to manual capture.
 *   UPI AutoPay (see upi-autopay.ts): `POST /v1/orders` with `method: "upi"`, `customer_id` and `token` is a mandate's
 *     authorisation order; `POST /v1/payments/create/upi` on it (`recurring`, `upi.flow: "intent"`) answers the
 *     `upi://mandate` link and waits for the customer; `create/recurring` with a UPI token is debited asynchronously.
 *   GET /v1/payments/:id · POST /v1/payments/:id/capture · POST /v1/payments/:id/refund
 *   GET /v1/payments/:id/refunds · GET /v1/payments/:id/refunds/:refund_id · GET /v1/refunds/:id
 * Simulator-only:
 *   POST /v1/sim/tokens   {customer_id, number, expiry_month, expiry_year, cvv, name} → a card token of that customer,
 *     as the checkout's authorisation payment with `save: 1` leaves one (an expired card: 400 card_expired); the
 *     number stays here
 *   POST /v1/sim/checkout {order_id, card_number | token | upi: {flow: "intent", vpa?}} → pays an order as the hosted
 *     checkout would, auto-captured (Razorpay's default account setting); UPI by intent (the QR the checkout shows,
 *     paid from `vpa` in the payer's app), collect refused as on Standard Checkout since 28 Feb 2026
 *   POST /v1/sim/upi-intents/:payment_id/pay {vpa?} | /fail → the customer acting on a one-time UPI intent in their
 *     app (see upi-intents.ts)
 *   POST /v1/sim/upi-mandates/:payment_id/approve {vpa?} | /reject → the customer acting on a UPI AutoPay mandate in
 *     their app; POST /v1/sim/upi-mandates/tokens/:token_id/decline-next → the next debit on that mandate fails;
 *     POST /v1/sim/upi-mandates/tokens/:token_id/pause | resume | cancel → the customer acting on a confirmed mandate;
 *     POST /v1/sim/upi-mandates/debits/process → debits held by `upiDebitDelayMs: null` are attempted now
 *   POST /v1/sim/refunds/:id/process {status: processed | failed} → settles a pending refund by hand
 *   POST /v1/sim/webhooks/replay {event_id?} → delivers already-sent events again (all, or one)
 *   GET /v1/sim/webhooks → {disabled}; POST /v1/sim/webhooks/enable → the dashboard's enable after Razorpay disabled it
 *   POST /v1/sim/subscriptions/:id/charge {amount, current_start, current_end} → Razorpay charging one cycle of a
 *     subscription it holds: a captured payment on a new order and invoice, `payment.captured` and
 *     `subscription.charged` (see subscriptions.ts)
 *   GET /v1/settlements/recon/combined, GET /v1/settlements, GET /v1/settlements/:id (T+2 by settlement date), POST /v1/sim/settlements/discrepancies → see settlements.ts
 *   GET /v1/disputes, GET /v1/disputes/:id, POST /v1/disputes/:id/accept, PATCH /v1/disputes/:id/contest,
 *     POST /v1/sim/payments/:id/disputes (the bank raising one), POST /v1/sim/disputes/:id/decide → see disputes.ts
 *   POST /v1/subscription_registration/auth_links (an e-mandate registration link), GET /v1/invoices?receipt=,
 *     GET /v1/invoices/:id, POST /v1/sim/registration-links/:invoice_id/authorize | reject,
 *     POST /v1/sim/registration-links/confirmations/process → see registration-links.ts; `create/recurring` with an
 *     e-mandate token takes only a confirmed token, within its max_amount
 *   POST/GET /v1/payment_links, GET /v1/payment_links/:id, POST /v1/payment_links/:id/cancel,
 *     POST /v1/sim/payment_links/:id/pay → see payment-links.ts
 *
 * Webhooks: every state change emits a Razorpay-format event, signed (hex HMAC-SHA256 of the raw body),
 * with `x-razorpay-event-id`, delivered at least once (retries on non-2xx on Razorpay's schedule, then disabled:
 * webhook-schedule.ts), optionally duplicated
 * (`duplicateRate`) and out of order (`shuffle`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type AddressInfo, isIP } from 'node:net';
import { DEFAULT_SETTLEMENT_CYCLE_DAYS } from '../../../platform/bank-days.js';
import { istDate } from '../../../platform/ist.js';
import { seededRandom } from '../../../platform/random.js';
import { razorpayFee } from '../fees.js';
import { createDisputes } from './disputes.js';
import { createPaymentLinks } from './payment-links.js';
import { createRegistrationLinks } from './registration-links.js';
import { createSettlementReports } from './settlements.js';
import { createSubscriptionCharges } from './subscriptions.js';
import { cardNetwork, DECLINES, type Decline, VPA_FAILURE } from './test-mode.js';
import { createUpiAutopay, type MandateTerms } from './upi-autopay.js';
import { createUpiIntents, hostedUpiVpa } from './upi-intents.js';
import { retryAfterSeconds } from './webhook-schedule.js';

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string;
  /** Probability (0..1) that an event is delivered one extra time, same id and body. */
  readonly duplicateRate?: number;
  /** Deliver queued events in random order instead of the order they happened. */
  readonly shuffle?: boolean;
  /** Test override: at most this many attempts, `retryDelayMs` apart, and never disabled (not Razorpay's schedule). */
  readonly maxAttempts?: number;
  readonly retryDelayMs?: number;
}

export interface SimulatorOptions {
  readonly keyId: string;
  readonly keySecret: string;
  readonly port?: number;
  readonly host?: string;
  /** Added before every API answer. */
  readonly latencyMs?: number;
  /** Probability (0..1) that a write answers 500 SERVER_ERROR without doing anything. */
  readonly failureRate?: number;
  readonly seed?: number;
  readonly webhook?: WebhookOptions | null;
  /**
   * Real milliseconds per simulated second of Razorpay's webhook retry schedule (webhook-schedule.ts: retries
   * doubling from one minute for 24 h, then the webhook disabled). Default 1000: real time. Tests compress it.
   */
  readonly timeScale?: number;
  /** Delay before a pending refund is processed; null keeps refunds pending until /v1/sim/refunds/:id/process. */
  readonly refundProcessingMs?: number | null;
  readonly accountId?: string;
  /**
   * The simulator's today for card expiry and settlements (a test's injected clock; default the wall clock): a
   * capture or refund is dated on it for its settlement, and a settlement exists once its day has come on it.
   * Entity timestamps (`created_at`) stay on the wall clock.
   */
  readonly now?: () => Date;
  /**
   * Failure injection for unknown outcomes: the next `count` requests whose path matches are carried out
   * (the write happens, webhooks included) and then never answered (`hang`, the client's timeout fires) or
   * answered by a reset socket (`reset`).
   */
  readonly dropResponses?: DropResponses | null;
  /**
   * How long a UPI AutoPay debit stays `created` before it is attempted (Razorpay: the pre-debit notification, then
   * the debit in its 25th hour, up to 24–36 h; see upi-autopay.ts). Compressed here; default 20 ms; null holds
   * debits until `POST /v1/sim/upi-mandates/debits/process`.
   */
  readonly upiDebitDelayMs?: number | null;
  /**
   * The settlement cycle in working days: a capture or processed refund settles on the n-th bank working day after
   * its IST day, on the simulator's clock (`now`). Default 2, Razorpay's T+2 for domestic payments; 0 settles the
   * same day. See settlements.ts.
   */
  readonly settlementCycleDays?: number;
  /**
   * How long an authorised e-mandate's token stays `initiated` before the bank confirms it (Razorpay: T+1, up to 5
   * days; see registration-links.ts). Compressed here; default 20 ms; null holds confirmations until
   * `POST /v1/sim/registration-links/confirmations/process`.
   */
  readonly emandateConfirmDelayMs?: number | null;
  /**
   * How long a debit on a confirmed e-mandate stays `created` before the bank debits it (authorised and captured, or
   * failed): Razorpay "In some cases, the payment entity returned is in the created state and may take 1 working day
   * for confirmation" (https://razorpay.com/docs/recurring-payments/create-subsequent-payments/); the simulator always
   * answers `created`. Compressed here; default 20 ms.
   */
  readonly emandateDebitDelayMs?: number;
  /**
   * Sees every Razorpay API request the simulator routes (not its `/v1/sim/` test-mode routes), parsed, with the
   * caller's user agent: the test harness checks the requests kosh's adapter sends against the documented contract.
   */
  readonly observe?: ((request: ObservedRequest) => void) | undefined;
}

export interface ObservedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
  readonly userAgent: string;
}

export interface DropResponses {
  readonly path: RegExp;
  readonly count: number;
  readonly mode?: 'hang' | 'reset';
}

export interface Delivery {
  readonly eventId: string;
  readonly event: string;
  readonly status: number;
  readonly attempt: number;
}

interface QueuedEvent {
  readonly eventId: string;
  readonly event: string;
  readonly body: string;
  readonly attempt: number;
  /** Simulated seconds from the event's first attempt to this one. */
  readonly elapsed: number;
  /** Wall time (ms) of this event's first failed attempt. */
  readonly firstFailure: number | null;
}

/**
 * Payments the gateway already holds from before this simulator started (it keeps state in memory): kosh's
 * demo history, so that the simulator's settlement reports cover it as Razorpay's would. Amounts in paise,
 * times in unix seconds, fee including its GST.
 */
export interface SimulatorHistory {
  readonly orders: readonly {
    id: string;
    amount: number;
    currency: string;
    receipt: string | null;
    created_at: number;
  }[];
  readonly payments: readonly {
    id: string;
    order_id: string;
    amount: number;
    currency: string;
    method: string;
    fee: number;
    tax: number;
    amount_refunded: number;
    created_at: number;
  }[];
  readonly refunds: readonly { id: string; payment_id: string; amount: number; currency: string; created_at: number }[];
}

export interface RazorpaySimulator {
  readonly url: string;
  /** The key pair it accepts (Basic auth), for a tool or SDK pointed at it. */
  readonly keyId: string;
  readonly keySecret: string;
  readonly deliveries: readonly Delivery[];
  /** Adds captured payments, their orders and processed refunds as history; no webhooks. Returns how many entities. */
  preload(history: SimulatorHistory): number;
  /** Sets the discrepancies of later settlement reports, like `POST /v1/sim/settlements/discrepancies`. */
  misreport(discrepancies: {
    drop?: readonly string[];
    alter_amount?: Readonly<Record<string, number>>;
    alter_fee?: Readonly<Record<string, number>>;
    unknown?: number;
  }): void;
  configure(options: Partial<Omit<SimulatorOptions, 'keyId' | 'keySecret' | 'port' | 'host'>>): void;
  /** Resolves once every queued webhook delivery and scheduled refund has finished. */
  idle(): Promise<void>;
  /**
   * The gateway's side of the books, for tests and benchmarks: every payment it holds (copies), as
   * `GET /v1/sim/payments` also answers. Counting captured payments per `notes.kosh_id` proves "charged once".
   */
  payments(): {
    id: string;
    order_id: string;
    status: string;
    amount: number;
    kosh_id: string | null;
    receipt: string | null;
  }[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface Order extends Json {
  id: string;
  amount: number;
  amount_paid: number;
  amount_due: number;
  currency: string;
  receipt: string | null;
  status: 'created' | 'attempted' | 'paid';
  attempts: number;
  notes: Json | unknown[];
  created_at: number;
  /** An authorisation order's customer and mandate terms (UPI AutoPay, see upi-autopay.ts). */
  customer_id?: string;
  token?: MandateTerms;
}

interface Payment extends Json {
  id: string;
  amount: number;
  currency: string;
  status: 'created' | 'authorized' | 'captured' | 'refunded' | 'failed';
  order_id: string;
  method: string;
  amount_refunded: number;
  refund_status: null | 'partial' | 'full';
  captured: boolean;
  notes: Json | unknown[];
  fee: number | null;
  tax: number | null;
  error_code: string | null;
  error_description: string | null;
  error_source: string | null;
  error_step: string | null;
  error_reason: string | null;
}

interface Refund extends Json {
  id: string;
  amount: number;
  currency: string;
  payment_id: string;
  receipt: string | null;
  status: 'pending' | 'processed' | 'failed';
  notes: Json | unknown[];
}

interface Token {
  id: string;
  number: string;
  card: Json;
  customer_id: string;
  created_at: number;
}

interface Customer extends Json {
  id: string;
  name: string;
  email: string | null;
  contact: string | null;
}

class RazorpayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
    readonly extra: { field?: string; reason?: string; source?: string; step?: string; metadata?: Json } = {},
  ) {
    super(description);
  }
  body(): Json {
    return {
      error: {
        code: this.code,
        description: this.message,
        source: this.extra.source ?? 'business',
        step: this.extra.step ?? 'payment_initiation',
        reason: this.extra.reason ?? 'input_validation_failed',
        ...(this.extra.field === undefined ? {} : { field: this.extra.field }),
        metadata: this.extra.metadata ?? {},
      },
    };
  }
}

const badRequest = (description: string, field?: string) =>
  new RazorpayError(400, 'BAD_REQUEST_ERROR', description, field === undefined ? {} : { field });

/** One webhook POST on its own connection (no keep-alive pool), as a separate sender would; resolves to the status. */
function post(url: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' },
        agent: false,
        timeout: 5000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('webhook delivery timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const notesOut = (notes: unknown): Json | unknown[] =>
  notes !== null && typeof notes === 'object' && !Array.isArray(notes) && Object.keys(notes).length > 0
    ? (notes as Json)
    : [];
/**
 * An integer as Razorpay reads one: a JSON number, or digits in a string (the SDK's own examples send amounts and
 * contacts both ways, and form-encoded bodies carry only strings).
 */
const integerOf = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim())) return Number(v.trim());
  return undefined;
};
const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
/** The body's amount as an integer when it is one (number or digits), else as given (validation refuses it). */
const amountOf = (v: unknown): unknown => integerOf(v) ?? v;

/**
 * notes: "Key-value pair that can be used to store additional information about the entity. Maximum 15 key-value
 * pairs, 256 characters (maximum) each." (https://razorpay.com/docs/api/orders/create/,
 * https://razorpay.com/docs/api/payments/recurring-payments/cards/create-subsequent-payments/)
 */
function checkNotes(notes: unknown): void {
  if (notes === undefined || notes === null || Array.isArray(notes)) return;
  if (typeof notes !== 'object') throw badRequest('notes should be an array or an object', 'notes');
  const entries = Object.entries(notes as Json);
  if (entries.length > 15) throw badRequest('Number of fields in notes should be less than or equal to 15', 'notes');
  for (const [key, value] of entries) {
    if (key.length > 256 || String(value).length > 256) {
      throw badRequest('Notes value cannot be greater than 256 characters', 'notes');
    }
  }
}

/** `a[b][c]=v` form fields as nested objects, as Razorpay reads an `application/x-www-form-urlencoded` body. */
function formBody(text: string): Json {
  const out: Json = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const path = name.split(/\[|\]\[|\]/).filter((k) => k !== '');
    let at: Json = out;
    path.forEach((key, i) => {
      if (i === path.length - 1) at[key] = value;
      else {
        const next = at[key];
        at[key] = next !== null && typeof next === 'object' ? next : {};
        at = at[key] as Json;
      }
    });
  }
  return out;
}

/** A mandatory field, refused as Razorpay refuses one: "The <field> field is required." */
function required(body: Json, field: string): unknown {
  const v = body[field];
  if (v === undefined || v === null || v === '') throw badRequest(`The ${field} field is required.`, field);
  return v;
}

/**
 * A field Razorpay does not take on this endpoint, refused as it refuses one: "<field> is/are not required and should
 * not be sent", reason `extra_field_sent` (the body Razorpay answers, quoted in
 * https://github.com/razorpay/razorpay-node/issues/308).
 */
const extraField = (field: string) =>
  new RazorpayError(400, 'BAD_REQUEST_ERROR', `${field} is/are not required and should not be sent`, {
    field,
    reason: 'extra_field_sent',
  });

export async function startRazorpaySimulator(initial: SimulatorOptions): Promise<RazorpaySimulator> {
  let options: SimulatorOptions = { refundProcessingMs: 0, ...initial };
  let dropsLeft = initial.dropResponses?.count ?? 0;
  const random = seededRandom(initial.seed ?? Date.now() % 2 ** 31);
  const id = (prefix: string) => {
    let s = '';
    for (let i = 0; i < 14; i++) s += ALPHABET[Math.floor(random() * 62)];
    return `${prefix}_${s}`;
  };
  const now = () => Math.floor(Date.now() / 1000);
  const clockSeconds = () => Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  const transactedAt = new Map<string, number>();
  const orders = new Map<string, Order>();
  const payments = new Map<string, Payment>();
  const refunds = new Map<string, Refund>();
  const tokens = new Map<string, Token>();
  const customers = new Map<string, Customer>();
  const deliveries: Delivery[] = [];
  const sent: { eventId: string; event: string; body: string }[] = [];
  const queue: QueuedEvent[] = [];
  // Razorpay's disable logic: a webhook that failed for a whole retry window stops receiving events until enabled.
  let hookDisabled = false;
  let lastSuccess = 0;
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let pumping = false;
  let idleWaiters: (() => void)[] = [];
  const accountId = initial.accountId ?? 'acc_SimulatorAcct01';

  const busy = () => queue.length > 0 || inFlight > 0 || timers.size > 0 || pumping;
  const checkIdle = () => {
    if (busy()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };
  const later = (ms: number, work: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      work();
      checkIdle();
    }, ms);
    timers.add(t);
  };

  // ---- webhooks ---------------------------------------------------------------------------------------
  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0) {
        const hook = options.webhook;
        if (hook === null || hook === undefined) {
          queue.length = 0;
          break;
        }
        const index = hook.shuffle === true ? Math.floor(random() * queue.length) : 0;
        const [item] = queue.splice(index, 1);
        if (item === undefined) break;
        inFlight++;
        let status = 0;
        try {
          status = await post(hook.url, item.body, {
            'content-type': 'application/json',
            'x-razorpay-signature': createHmac('sha256', hook.secret).update(item.body).digest('hex'),
            'x-razorpay-event-id': item.eventId,
            'user-agent': 'Razorpay-Webhook/v1',
          });
        } catch {
          status = 0;
        } finally {
          inFlight--;
        }
        deliveries.push({ eventId: item.eventId, event: item.event, status, attempt: item.attempt });
        if (status >= 200 && status < 300) lastSuccess = Date.now();
        else scheduleRetry(hook, item);
      }
    } finally {
      pumping = false;
      checkIdle();
    }
  }

  function scheduleRetry(hook: WebhookOptions, item: QueuedEvent): void {
    const firstFailure = item.firstFailure ?? Date.now();
    if (hook.maxAttempts !== undefined || hook.retryDelayMs !== undefined) {
      if (item.attempt >= (hook.maxAttempts ?? 5)) return;
      later(hook.retryDelayMs ?? 50 * item.attempt, () => {
        queue.push({ ...item, attempt: item.attempt + 1, firstFailure });
        void pump();
      });
      return;
    }
    const wait = retryAfterSeconds(item.attempt, item.elapsed);
    if (wait === null) {
      // This event failed for its whole window; if nothing succeeded meanwhile, the webhook has failed for 24 h.
      if (lastSuccess < firstFailure) hookDisabled = true;
      return;
    }
    later(wait * (options.timeScale ?? 1000), () => {
      queue.push({ ...item, attempt: item.attempt + 1, elapsed: item.elapsed + wait, firstFailure });
      void pump();
    });
  }

  function emit(event: string, entities: Record<string, Json>): void {
    // Settlement counts working days from the capture (or refund processing) on the simulator's clock.
    if (event === 'payment.captured' || event === 'refund.processed') {
      const entity = entities[event === 'payment.captured' ? 'payment' : 'refund'];
      if (entity !== undefined) transactedAt.set(String(entity['id']), clockSeconds());
    }
    const hook = options.webhook;
    if (hook === null || hook === undefined) return;
    const payload: Record<string, { entity: Json }> = {};
    for (const [name, entity] of Object.entries(entities)) payload[name] = { entity: structuredClone(entity) };
    const body = JSON.stringify({
      entity: 'event',
      account_id: accountId,
      event,
      contains: Object.keys(entities),
      payload,
      created_at: now(),
    });
    const eventId = id('evt');
    sent.push({ eventId, event, body });
    if (hookDisabled) return;
    const item = { eventId, event, body, attempt: 1, elapsed: 0, firstFailure: null };
    queue.push(item);
    if (random() < (hook.duplicateRate ?? 0)) queue.push(item);
    // Deliver on the next turn, after the API answer that caused the event has been written.
    setImmediate(() => void pump());
  }

  // ---- domain -----------------------------------------------------------------------------------------
  const mustOrder = (orderId: string): Order => {
    const o = orders.get(orderId);
    if (o === undefined) throw badRequest('The id provided does not exist', 'order_id');
    return o;
  };
  const mustPayment = (paymentId: string): Payment => {
    const p = payments.get(paymentId);
    if (p === undefined) throw badRequest('The id provided does not exist', 'payment_id');
    return p;
  };

  function createOrder(input: Json): Order {
    const body: Json = { ...input, amount: amountOf(input['amount']) };
    checkNotes(body['notes']);
    if (!positiveInt(body['amount']) || body['amount'] < 100)
      throw badRequest('The amount must be atleast INR 1.00', 'amount');
    const currency = String(body['currency'] ?? 'INR');
    if (currency !== 'INR') throw badRequest('Currency is not supported', 'currency');
    const receipt = typeof body['receipt'] === 'string' ? body['receipt'] : null;
    if (receipt !== null && receipt.length > 40) throw badRequest('receipt: maximum 40 characters', 'receipt');
    const mandate = autopay.registrationTerms(body, body['amount']);
    const order: Order = {
      id: id('order'),
      entity: 'order',
      amount: body['amount'],
      amount_paid: 0,
      amount_due: body['amount'],
      currency,
      receipt,
      offer_id: null,
      status: 'created',
      attempts: 0,
      notes: notesOut(body['notes']),
      created_at: now(),
      ...(mandate === null ? {} : { method: 'upi', customer_id: mandate.customer_id, token: mandate.token }),
    };
    orders.set(order.id, order);
    return order;
  }

  /** Authorises or fails a new payment against an order; returns it. */
  /**
   * A payment attempt on an order: authorised at once (a card, a hosted checkout), or with `pending` left `created` for
   * the caller to complete later (an e-mandate debit), with no event yet.
   */
  function attempt(
    order: Order,
    body: Json,
    instrument: { method: string; card?: Token; vpa?: string },
    mode: { pending?: boolean } = {},
  ): Payment {
    checkNotes(body['notes']);
    const amount = body['amount'] === undefined ? order.amount : amountOf(body['amount']);
    if (!positiveInt(amount) || amount !== order.amount - order.amount_paid)
      throw badRequest('Amount should be equal to the order amount', 'amount');
    if (order.status === 'paid') throw badRequest('Order has already been paid', 'order_id');
    order.attempts++;
    order.status = 'attempted';
    const decline: Decline | undefined =
      instrument.card !== undefined
        ? DECLINES[instrument.card.number]
        : instrument.vpa === 'failure@razorpay'
          ? VPA_FAILURE
          : undefined;
    const payment: Payment = {
      id: id('pay'),
      entity: 'payment',
      amount,
      currency: order.currency,
      status: decline !== undefined ? 'failed' : mode.pending === true ? 'created' : 'authorized',
      order_id: order.id,
      invoice_id: null,
      international: false,
      method: instrument.method,
      amount_refunded: 0,
      refund_status: null,
      captured: false,
      description: typeof body['description'] === 'string' ? body['description'] : null,
      card_id: instrument.card === undefined ? null : `card_${instrument.card.id.slice(6)}`,
      ...(instrument.card === undefined ? {} : { card: structuredClone(instrument.card.card) }),
      bank: null,
      wallet: null,
      vpa: instrument.vpa ?? null,
      email: String(body['email'] ?? ''),
      contact: String(body['contact'] ?? ''),
      token_id: instrument.card?.id ?? null,
      customer_id:
        instrument.card?.customer_id ?? (typeof body['customer_id'] === 'string' ? body['customer_id'] : null),
      recurring: instrument.card !== undefined && body['recurring'] !== undefined,
      notes: notesOut(body['notes']),
      fee: null,
      tax: null,
      error_code: decline?.code ?? null,
      error_description: decline?.description ?? null,
      error_source: decline?.source ?? null,
      error_step: decline?.step ?? null,
      error_reason: decline?.reason ?? null,
      acquirer_data: {},
      created_at: now(),
    };
    payments.set(payment.id, payment);
    if (payment.status !== 'created')
      emit(decline === undefined ? 'payment.authorized' : 'payment.failed', { payment });
    return payment;
  }

  function capture(payment: Payment, amount: unknown): Payment {
    if (payment.status === 'captured' || payment.status === 'refunded')
      throw badRequest('This payment has already been captured');
    if (payment.status !== 'authorized')
      throw badRequest('Only payments which have been authorized and not yet captured can be captured');
    const asked = amountOf(amount);
    if (!positiveInt(asked) || asked !== payment.amount)
      throw badRequest('Capture amount must be equal to the amount authorized', 'amount');
    const { fee, tax } = razorpayFee(payment.amount);
    Object.assign(payment, { status: 'captured', captured: true, fee, tax });
    const order = orders.get(payment.order_id);
    emit('payment.captured', { payment });
    if (order !== undefined) {
      order.amount_paid += payment.amount;
      order.amount_due = order.amount - order.amount_paid;
      order.status = 'paid';
      emit('order.paid', { payment, order });
    }
    return payment;
  }

  function settleRefund(refund: Refund, status: 'processed' | 'failed'): void {
    if (refund.status !== 'pending') return;
    refund.status = status;
    const payment = payments.get(refund.payment_id);
    if (payment === undefined) return;
    if (status === 'failed') {
      payment.amount_refunded -= refund.amount;
      payment.refund_status = payment.amount_refunded === 0 ? null : 'partial';
      if (payment.status === 'refunded') payment.status = 'captured';
    }
    emit(`refund.${status}`, { refund, payment });
  }

  function refund(payment: Payment, body: Json): Refund {
    if (payment.status !== 'captured' && payment.status !== 'refunded')
      throw badRequest('The payment has not been captured');
    checkNotes(body['notes']);
    const amount = body['amount'] === undefined ? payment.amount - payment.amount_refunded : amountOf(body['amount']);
    if (!positiveInt(amount)) throw badRequest('The amount must be a positive integer', 'amount');
    if (amount > payment.amount - payment.amount_refunded) {
      throw badRequest('The refund amount provided is greater than amount captured', 'amount');
    }
    const r: Refund = {
      id: id('rfnd'),
      entity: 'refund',
      amount,
      currency: payment.currency,
      payment_id: payment.id,
      notes: notesOut(body['notes']),
      receipt: typeof body['receipt'] === 'string' ? body['receipt'] : null,
      acquirer_data: { arn: null },
      created_at: now(),
      batch_id: null,
      status: 'pending',
      speed_processed: 'normal',
      speed_requested: String(body['speed'] ?? 'normal'),
    };
    refunds.set(r.id, r);
    payment.amount_refunded += amount;
    payment.refund_status = payment.amount_refunded === payment.amount ? 'full' : 'partial';
    if (payment.amount_refunded === payment.amount) payment.status = 'refunded';
    emit('refund.created', { refund: r, payment });
    const delay = options.refundProcessingMs;
    if (delay !== null && delay !== undefined) later(delay, () => settleRefund(r, 'processed'));
    return r;
  }

  const collection = (items: Json[]) => ({ entity: 'collection', count: items.length, items });
  const s2sAnswer = (p: Payment) => {
    if (p.status === 'failed') {
      throw new RazorpayError(400, p.error_code ?? 'BAD_REQUEST_ERROR', p.error_description ?? 'Payment failed', {
        reason: p.error_reason ?? 'payment_failed',
        source: p.error_source ?? 'customer',
        step: p.error_step ?? 'payment_authorization',
        metadata: { payment_id: p.id, order_id: p.order_id },
      });
    }
    return {
      razorpay_payment_id: p.id,
      razorpay_order_id: p.order_id,
      razorpay_signature: createHmac('sha256', options.keySecret).update(`${p.order_id}|${p.id}`).digest('hex'),
    };
  };

  /** A card saved for a customer by the checkout (`save: 1` with `customer_id`), or (no customer) a one-time card. */
  function tokenize(body: Json, mode: { forCustomer: boolean } = { forCustomer: true }): Json {
    const customerId = mode.forCustomer ? String(required(body, 'customer_id')) : '';
    if (mode.forCustomer && !customers.has(customerId)) {
      throw badRequest('The id provided does not exist', 'customer_id');
    }
    const number = String(body['number'] ?? '').replace(/[\s-]/g, '');
    if (!/^\d{12,19}$/.test(number)) throw badRequest('Invalid card number', 'number');
    const month = Number(body['expiry_month']);
    const year = Number(body['expiry_year']);
    if (!(month >= 1 && month <= 12) || !(year >= 2000)) throw badRequest('Invalid expiry', 'expiry_month');
    // An expired card is refused (Razorpay's error reason `card_expired`: "The customer is making the payment with an
    // expired card", https://razorpay.com/docs/errors/payments/list/, https://razorpay.com/docs/payments/
    // recurring-payments/emandate/errors/), so the authorisation payment that would save it never leaves a token. A
    // card is good through the last day of its expiry month, counted on the IST calendar.
    const [thisYear, thisMonth] = istDate(options.now?.() ?? new Date())
      .split('-')
      .map(Number) as [number, number];
    if (year < thisYear || (year === thisYear && month < thisMonth)) {
      throw new RazorpayError(400, 'BAD_REQUEST_ERROR', 'Your payment could not be completed as this card is expired', {
        field: 'expiry_year',
        reason: 'card_expired',
        source: 'customer',
      });
    }
    const card = {
      entity: 'card',
      name: String(body['name'] ?? ''),
      last4: number.slice(-4),
      network: cardNetwork(number),
      type: 'credit',
      issuer: null,
      international: false,
      emi: false,
      expiry_month: String(month).padStart(2, '0'),
      expiry_year: String(year),
    };
    const token: Token = { id: id('token'), number, card, customer_id: customerId, created_at: now() };
    tokens.set(token.id, token);
    return tokenEntity(token);
  }

  /** The token entity as `GET /v1/customers/:id/tokens` shows it (https://razorpay.com/docs/api/payments/tokens/). */
  function tokenEntity(t: Token): Json {
    const expiry = Date.UTC(Number(t.card['expiry_year']), Number(t.card['expiry_month']), 1) / 1000;
    return {
      id: t.id,
      entity: 'token',
      token: t.id.slice(6),
      bank: null,
      wallet: null,
      method: 'card',
      card: t.card,
      recurring: true,
      recurring_details: { status: 'confirmed', failure_reason: null },
      auth_type: null,
      mrn: null,
      used_at: t.created_at,
      created_at: t.created_at,
      expired_at: expiry,
      status: 'active',
      notes: [],
      // As the documented token entity carries them (tests/fixtures/razorpay-contract/tokens.json).
      dcc_enabled: false,
      billing_address: null,
    };
  }

  /**
   * POST /v1/customers (https://razorpay.com/docs/api/customers/create/): name mandatory; a customer with the same
   * email and contact already exists → 400 unless `fail_existing` is "0", which returns the existing one.
   */
  function createCustomer(body: Json): Customer {
    checkNotes(body['notes']);
    const name = String(required(body, 'name'));
    // "Alphanumeric value with period (.), apostrophe ('), forward slash (/), at (@) and parentheses are allowed.
    // The name must be between 3-50 characters in length." (https://razorpay.com/docs/api/customers/create/)
    if (name.length < 3 || name.length > 50) throw badRequest('The name must be between 3 and 50 characters.', 'name');
    if (!/^[A-Za-z0-9 .'/@()]+$/.test(name)) throw badRequest('The name format is invalid.', 'name');
    const email = body['email'] === undefined || body['email'] === null ? null : String(body['email']);
    const contact = body['contact'] === undefined || body['contact'] === null ? null : String(body['contact']);
    if (email !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      throw badRequest('The email must be a valid email address.', 'email');
    }
    const existing = [...customers.values()].find((c) => c.email === email && c.contact === contact);
    if (existing !== undefined) {
      if (String(body['fail_existing'] ?? '1') === '0') return existing;
      throw badRequest('Customer already exists for the merchant', 'email');
    }
    const customer: Customer = {
      id: id('cust'),
      entity: 'customer',
      name,
      email,
      contact,
      gstin: typeof body['gstin'] === 'string' ? body['gstin'] : null,
      notes: notesOut(body['notes']),
      created_at: now(),
    };
    customers.set(customer.id, customer);
    return customer;
  }
  const mustCustomer = (customerId: string): Customer => {
    const c = customers.get(customerId);
    if (c === undefined) throw badRequest('The id provided does not exist', 'customer_id');
    return c;
  };

  /**
   * POST /v1/payments/create/recurring (https://razorpay.com/docs/api/payments/recurring-payments/cards/
   * create-subsequent-payments/): email, contact, amount, currency, order_id, customer_id, token and recurring are
   * mandatory; the token must be one of that customer's.
   */
  function chargeToken(body: Json): Payment {
    for (const field of ['email', 'contact', 'amount', 'currency', 'order_id', 'customer_id', 'token', 'recurring']) {
      required(body, field);
    }
    if (!['1', 'true', true, 1].includes(body['recurring'] as string)) {
      throw badRequest('The recurring field must be 1 or true for a recurring payment', 'recurring');
    }
    const customer = mustCustomer(String(body['customer_id']));
    const mandate = autopay.token(String(body['token']));
    if (mandate !== undefined && mandate.customer_id === customer.id) {
      const order = mustOrder(String(body['order_id']));
      return autopay.debit(order, { ...body, amount: amountOf(body['amount']) }, mandate) as Payment;
    }
    const emandate = registrationLinks.token(String(body['token']));
    if (emandate !== undefined && emandate.customer_id === customer.id) {
      const order = mustOrder(String(body['order_id']));
      registrationLinks.checkDebit(emandate, body['amount']);
      const p = attempt(order, body, { method: 'emandate' }, { pending: true });
      Object.assign(p, { token_id: emandate.id, customer_id: customer.id, recurring: true, bank: emandate.bank });
      // The bank debits it later: authorised and captured (a recurring order is captured automatically).
      later(options.emandateDebitDelayMs ?? 20, () => {
        if (p.status !== 'created') return;
        p.status = 'authorized';
        emit('payment.authorized', { payment: p });
        capture(p, p.amount);
      });
      return p;
    }
    const token = tokens.get(String(body['token']));
    if (token === undefined || token.customer_id !== customer.id) {
      throw badRequest('The token id provided does not exist', 'token');
    }
    return attempt(mustOrder(String(body['order_id'])), body, { method: 'card', card: token });
  }

  /**
   * POST /v1/payments/create/upi, the S2S UPI payment
   * (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/json/v2/build-integration/upi/intent; the
   * fields the razorpay-node SDK's documents/payment.md marks mandatory): amount, currency, order_id, email, contact,
   * customer_id (an existing customer), method `upi`, the payer's browser `ip`, `referer` and `user_agent`, and the
   * nested `upi` object; a top-level `vpa` is refused. A one-time payment is by intent only (upi-intents.ts); an
   * authorisation order's, by intent too (upi-autopay.ts).
   */
  function createUpi(body: Json): Json {
    if (body['vpa'] !== undefined) throw extraField('vpa');
    for (const field of ['amount', 'currency', 'order_id', 'email', 'contact', 'customer_id', 'method']) {
      required(body, field);
    }
    if (body['method'] !== 'upi') throw badRequest('The selected method is invalid.', 'method');
    for (const field of ['ip', 'referer', 'user_agent']) required(body, field);
    if (isIP(String(body['ip'])) === 0) throw badRequest('The ip must be a valid IP address.', 'ip');
    const customer = mustCustomer(String(body['customer_id']));
    const order = mustOrder(String(body['order_id']));
    if (order.token !== undefined || body['recurring'] !== undefined) {
      checkNotes(body['notes']);
      return autopay.authorisationPayment(order, { ...body, amount: amountOf(body['amount']) });
    }
    checkNotes(body['notes']);
    const { expiryMinutes } = intents.intentTerms(body['upi']);
    return intents.create(
      order,
      { ...body, amount: amountOf(body['amount']), customer_id: customer.id },
      expiryMinutes,
    );
  }

  const intents = createUpiIntents({
    id,
    now,
    today: () => options.now?.() ?? new Date(),
    storePayment: (p) => payments.set(p.id, p as Payment),
    emit,
    badRequest,
    notes: notesOut,
    integer: integerOf,
  });
  const disputes = createDisputes({
    id,
    now,
    payment: (paymentId) => payments.get(paymentId),
    emit,
    badRequest,
    integer: integerOf,
  });
  // Intents and registration links expire on the simulator's clock: checked before every request, and once a second
  // for a simulator left alone.
  const expiryTimer = setInterval(() => {
    intents.expire();
    registrationLinks.expire();
  }, 1000);
  expiryTimer.unref();

  const autopay = createUpiAutopay({
    id,
    now,
    today: () => options.now?.() ?? new Date(),
    customerExists: (customerId) => customers.has(customerId),
    storePayment: (p) => payments.set(p.id, p as Payment),
    capture: (p) => void capture(p as Payment, p.amount),
    emit,
    later,
    debitDelayMs: () => (options.upiDebitDelayMs === undefined ? 20 : options.upiDebitDelayMs),
    badRequest,
    notes: notesOut,
  });
  const registrationLinks = createRegistrationLinks({
    id,
    now,
    today: () => options.now?.() ?? new Date(),
    customerFor: (c) => createCustomer({ ...c, fail_existing: '0' }),
    storeOrder: (o) => orders.set(o.id, o as Order),
    storePayment: (p) => payments.set(p.id, p as Payment),
    emit,
    later,
    confirmDelayMs: () => (options.emandateConfirmDelayMs === undefined ? 20 : options.emandateConfirmDelayMs),
    checkNotes,
    notes: notesOut,
    integerOf,
    badRequest,
  });
  const settlements = createSettlementReports({
    payments,
    refunds,
    orders,
    badRequest,
    now: clockSeconds,
    cycleDays: () => options.settlementCycleDays ?? DEFAULT_SETTLEMENT_CYCLE_DAYS,
    transactedAt: (entityId) => transactedAt.get(entityId),
  });
  const subscriptionCharges = createSubscriptionCharges({
    id,
    now,
    createOrder,
    storePayment: (p) => payments.set(p.id, p as Payment),
    markOrderPaid: (orderId, amount) => {
      const order = mustOrder(orderId);
      Object.assign(order, { amount_paid: amount, amount_due: order.amount - amount, status: 'paid', attempts: 1 });
    },
    fee: razorpayFee,
    emit,
    badRequest,
  });

  const paymentLinks = createPaymentLinks({
    id,
    now,
    createOrder,
    payOrder: (orderId, amount) => {
      const order = mustOrder(orderId);
      order.amount_paid += amount;
      order.amount_due = order.amount - order.amount_paid;
      order.attempts++;
      order.status = order.amount_due === 0 ? 'paid' : 'attempted';
      return order;
    },
    storePayment: (p) => payments.set(p.id, p as Payment),
    fee: razorpayFee,
    emit,
    checkNotes,
    integerOf,
    badRequest,
  });

  function listPayments() {
    return [...payments.values()].map((p) => {
      const notes = Array.isArray(p.notes) ? {} : p.notes;
      return {
        id: p.id,
        order_id: p.order_id,
        status: p.status,
        amount: p.amount,
        kosh_id: typeof notes['kosh_id'] === 'string' ? notes['kosh_id'] : null,
        receipt: orders.get(p.order_id)?.receipt ?? null,
      };
    });
  }

  // ---- HTTP -------------------------------------------------------------------------------------------
  type Handler = (m: RegExpExecArray, body: Json, query: URLSearchParams) => unknown;
  const routes: [string, RegExp, Handler, boolean][] = [
    ['POST', /^\/v1\/orders$/, (_m, b) => createOrder(b), true],
    [
      'GET',
      /^\/v1\/orders$/,
      (_m, _b, q) => {
        const receipt = q.get('receipt');
        const count = Math.min(Number(q.get('count') ?? 10) || 10, 100);
        const skip = Number(q.get('skip') ?? 0) || 0;
        const all = [...orders.values()].filter((o) => receipt === null || o.receipt === receipt).reverse();
        return collection(all.slice(skip, skip + count));
      },
      false,
    ],
    ['GET', /^\/v1\/orders\/([\w]+)$/, (m) => mustOrder(m[1] ?? ''), false],
    [
      'GET',
      /^\/v1\/orders\/([\w]+)\/payments$/,
      (m) => collection([...payments.values()].filter((p) => p.order_id === mustOrder(m[1] ?? '').id)),
      false,
    ],
    ['POST', /^\/v1\/payments\/create\/recurring$/, (_m, b) => s2sAnswer(chargeToken(b)), true],
    ['POST', /^\/v1\/payments\/create\/upi$/, (_m, b) => createUpi(b), true],
    ['GET', /^\/v1\/payments\/([\w]+)$/, (m) => mustPayment(m[1] ?? ''), false],
    ['POST', /^\/v1\/payments\/([\w]+)\/capture$/, (m, b) => capture(mustPayment(m[1] ?? ''), b['amount']), true],
    ['POST', /^\/v1\/payments\/([\w]+)\/refund$/, (m, b) => refund(mustPayment(m[1] ?? ''), b), true],
    [
      'GET',
      /^\/v1\/payments\/([\w]+)\/refunds$/,
      (m) => collection([...refunds.values()].filter((r) => r.payment_id === mustPayment(m[1] ?? '').id)),
      false,
    ],
    [
      'GET',
      /^\/v1\/payments\/([\w]+)\/refunds\/([\w]+)$/,
      (m) => {
        const r = refunds.get(m[2] ?? '');
        if (r === undefined || r.payment_id !== m[1]) throw badRequest('The id provided does not exist', 'refund_id');
        return r;
      },
      false,
    ],
    [
      'GET',
      /^\/v1\/refunds\/([\w]+)$/,
      (m) => {
        const r = refunds.get(m[1] ?? '');
        if (r === undefined) throw badRequest('The id provided does not exist', 'refund_id');
        return r;
      },
      false,
    ],
    ['POST', /^\/v1\/customers$/, (_m, b) => createCustomer(b), true],
    ['GET', /^\/v1\/customers\/([\w]+)$/, (m) => mustCustomer(m[1] ?? ''), false],
    [
      'GET',
      /^\/v1\/customers\/([\w]+)\/tokens$/,
      (m) => {
        const customer = mustCustomer(m[1] ?? '');
        return collection([
          ...[...tokens.values()].filter((t) => t.customer_id === customer.id).map(tokenEntity),
          ...autopay.tokensOf(customer.id),
          ...registrationLinks.tokensOf(customer.id),
        ]);
      },
      false,
    ],
    [
      'GET',
      /^\/v1\/customers\/([\w]+)\/tokens\/([\w]+)$/,
      (m) => {
        const customer = mustCustomer(m[1] ?? '');
        const mandate = autopay.token(m[2] ?? '');
        if (mandate !== undefined && mandate.customer_id === customer.id) return autopay.tokenEntity(mandate);
        const emandate = registrationLinks.token(m[2] ?? '');
        if (emandate !== undefined && emandate.customer_id === customer.id) {
          return registrationLinks.tokenEntity(emandate);
        }
        const t = tokens.get(m[2] ?? '');
        if (t === undefined || t.customer_id !== customer.id) {
          throw badRequest('The id provided does not exist', 'token_id');
        }
        return tokenEntity(t);
      },
      false,
    ],
    [
      'DELETE',
      /^\/v1\/customers\/([\w]+)\/tokens\/([\w]+)$/,
      (m) => {
        const customer = mustCustomer(m[1] ?? '');
        const id = m[2] ?? '';
        if (autopay.deleteToken(id, customer.id)) return { deleted: true };
        if (registrationLinks.deleteToken(id, customer.id)) return { deleted: true };
        const t = tokens.get(id);
        if (t === undefined || t.customer_id !== customer.id)
          throw badRequest('The id provided does not exist', 'token_id');
        tokens.delete(id);
        return { deleted: true };
      },
      true,
    ],
    ['POST', /^\/v1\/sim\/tokens$/, (_m, b) => tokenize(b), false],
    ['GET', /^\/v1\/sim\/payments$/, () => collection(listPayments()), false],
    [
      'POST',
      /^\/v1\/sim\/checkout$/,
      (_m, b) => {
        const order = mustOrder(String(b['order_id'] ?? ''));
        let instrument: { method: string; card?: Token; vpa?: string };
        if (b['vpa'] !== undefined) throw extraField('vpa');
        if (b['upi'] !== undefined) instrument = { method: 'upi', vpa: hostedUpiVpa(b['upi'], badRequest) };
        else {
          const token = typeof b['token'] === 'string' ? tokens.get(b['token']) : undefined;
          const card =
            token ??
            (tokens.get(
              String(
                tokenize({ number: b['card_number'], expiry_month: 12, expiry_year: 2030 }, { forCustomer: false })[
                  'id'
                ],
              ),
            ) as Token);
          instrument = { method: 'card', card };
        }
        const p = attempt(order, { amount: order.amount - order.amount_paid, notes: b['notes'] ?? [] }, instrument);
        return p.status === 'authorized' ? capture(p, p.amount) : p;
      },
      false,
    ],
    [
      'POST',
      /^\/v1\/sim\/refunds\/([\w]+)\/process$/,
      (m, b) => {
        const r = refunds.get(m[1] ?? '');
        if (r === undefined) throw badRequest('The id provided does not exist', 'refund_id');
        settleRefund(r, b['status'] === 'failed' ? 'failed' : 'processed');
        return r;
      },
      false,
    ],
    [
      'POST',
      /^\/v1\/sim\/webhooks\/replay$/,
      (_m, b) => {
        const again = sent.filter((e) => b['event_id'] === undefined || e.eventId === b['event_id']);
        for (const e of again) queue.push({ ...e, attempt: 1, elapsed: 0, firstFailure: null });
        setImmediate(() => void pump());
        return { replayed: again.length };
      },
      false,
    ],
    [
      'POST',
      /^\/v1\/sim\/webhooks\/enable$/,
      () => {
        // The dashboard's "enable" after Razorpay disabled a failing webhook; events missed meanwhile are not resent.
        hookDisabled = false;
        return { disabled: false };
      },
      false,
    ],
    ['GET', /^\/v1\/sim\/webhooks$/, () => ({ disabled: hookDisabled }), false],
    ['POST', /^\/v1\/sim\/upi-intents\/([\w]+)\/pay$/, (m, b) => intents.pay(m[1] ?? '', b), false],
    ['POST', /^\/v1\/sim\/upi-intents\/([\w]+)\/fail$/, (m) => intents.decline(m[1] ?? ''), false],
    ['POST', /^\/v1\/sim\/upi-mandates\/debits\/process$/, () => autopay.processHeldDebits(), false],
    ['POST', /^\/v1\/sim\/upi-mandates\/([\w]+)\/approve$/, (m, b) => autopay.approve(m[1] ?? '', b), false],
    ['POST', /^\/v1\/sim\/upi-mandates\/([\w]+)\/reject$/, (m) => autopay.reject(m[1] ?? ''), false],
    ['POST', /^\/v1\/sim\/upi-mandates\/tokens\/([\w]+)\/decline-next$/, (m) => autopay.declineNext(m[1] ?? ''), false],
    [
      'POST',
      /^\/v1\/sim\/upi-mandates\/tokens\/([\w]+)\/(pause|resume|cancel)$/,
      (m) => autopay.customerAction(m[1] ?? '', m[2] ?? ''),
      false,
    ],
    ['POST', /^\/v1\/sim\/subscriptions\/([\w]+)\/charge$/, (m, b) => subscriptionCharges.charge(m[1] ?? '', b), false],
    ['POST', /^\/v1\/subscription_registration\/auth_links$/, (_m, b) => registrationLinks.create(b), true],
    ['GET', /^\/v1\/invoices$/, (_m, _b, q) => collection(registrationLinks.list(q)), false],
    ['GET', /^\/v1\/invoices\/([\w]+)$/, (m) => registrationLinks.fetch(m[1] ?? ''), false],
    [
      'POST',
      /^\/v1\/sim\/registration-links\/confirmations\/process$/,
      () => registrationLinks.processConfirmations(),
      false,
    ],
    [
      'POST',
      /^\/v1\/sim\/registration-links\/([\w]+)\/authorize$/,
      (m) => registrationLinks.authorize(m[1] ?? ''),
      false,
    ],
    ['POST', /^\/v1\/sim\/registration-links\/([\w]+)\/reject$/, (m) => registrationLinks.reject(m[1] ?? ''), false],
    ['POST', /^\/v1\/payment_links\/?$/, (_m, b) => paymentLinks.create(b), true],
    ['GET', /^\/v1\/payment_links\/?$/, (_m, _b, q) => paymentLinks.list(q), false],
    ['GET', /^\/v1\/payment_links\/([\w]+)$/, (m) => paymentLinks.fetch(m[1] ?? ''), false],
    ['POST', /^\/v1\/payment_links\/([\w]+)\/cancel$/, (m) => paymentLinks.cancel(m[1] ?? ''), true],
    ['POST', /^\/v1\/sim\/payment_links\/([\w]+)\/pay$/, (m, b) => paymentLinks.pay(m[1] ?? '', b), false],
    ['GET', /^\/v1\/disputes\/?$/, (_m, _b, q) => disputes.list(q), false],
    ['GET', /^\/v1\/disputes\/([\w]+)$/, (m) => disputes.fetch(m[1] ?? ''), false],
    ['POST', /^\/v1\/disputes\/([\w]+)\/accept$/, (m) => disputes.accept(m[1] ?? ''), true],
    ['PATCH', /^\/v1\/disputes\/([\w]+)\/contest$/, (m, b) => disputes.contest(m[1] ?? '', b), true],
    ['POST', /^\/v1\/sim\/payments\/([\w]+)\/disputes$/, (m, b) => disputes.raise(m[1] ?? '', b), false],
    ['POST', /^\/v1\/sim\/disputes\/([\w]+)\/decide$/, (m, b) => disputes.decide(m[1] ?? '', b), false],
    ['GET', /^\/v1\/settlements\/recon\/combined$/, (_m, _b, q) => settlements.report(q), false],
    ['GET', /^\/v1\/settlements\/?$/, (_m, _b, q) => settlements.list(q), false],
    ['GET', /^\/v1\/settlements\/([^/]+)$/, (m) => settlements.settlement(String(m[1])), false],
    ['POST', /^\/v1\/sim\/settlements\/discrepancies$/, (_m, b) => settlements.configure(b), false],
  ];

  const authorized = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return false;
    const given = Buffer.from(header.slice(6), 'base64');
    const expected = Buffer.from(`${options.keyId}:${options.keySecret}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let routed = false;
    const send = (status: number, body: unknown) => {
      const drop = options.dropResponses;
      if (routed && drop !== null && drop !== undefined && dropsLeft > 0 && drop.path.test(req.url ?? '')) {
        dropsLeft--;
        if (drop.mode === 'reset') res.destroy();
        return;
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://sim');
    try {
      if (!authorized(req)) {
        throw new RazorpayError(401, 'BAD_REQUEST_ERROR', 'Authentication failed', {
          source: 'NA',
          step: 'NA',
          reason: 'NA',
        });
      }
      intents.expire();
      registrationLinks.expire();
      const route = routes.find(([method, pattern]) => method === req.method && pattern.test(url.pathname));
      if (route === undefined) throw badRequest('The requested URL was not found on the server.');
      const [, pattern, handler, isWrite] = route;
      routed = true;
      if (!url.pathname.startsWith('/v1/sim/') && (options.latencyMs ?? 0) > 0) {
        await new Promise((r) => setTimeout(r, options.latencyMs));
      }
      if (isWrite && random() < (options.failureRate ?? 0)) {
        throw new RazorpayError(
          500,
          'SERVER_ERROR',
          'The server encountered an error. The incident has been reported to admins',
          {
            source: 'NA',
            step: 'NA',
            reason: 'server_error',
          },
        );
      }
      let body: Json = {};
      if (chunks.length > 0) {
        const text = Buffer.concat(chunks).toString('utf8');
        const parsed: unknown = req.headers['content-type']?.includes('json') ? JSON.parse(text) : formBody(text);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Json;
      }
      if (!url.pathname.startsWith('/v1/sim/')) {
        options.observe?.({
          method: req.method ?? 'GET',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          body,
          userAgent: String(req.headers['user-agent'] ?? ''),
        });
      }
      send(200, handler(pattern.exec(url.pathname) as RegExpExecArray, body, url.searchParams));
    } catch (err) {
      const e =
        err instanceof RazorpayError
          ? err
          : err instanceof SyntaxError
            ? badRequest('Invalid JSON body')
            : new RazorpayError(500, 'SERVER_ERROR', 'The server encountered an error.');
      send(e.status, e.body());
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(initial.port ?? 0, initial.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${initial.host ?? '127.0.0.1'}:${port}`,
    keyId: options.keyId,
    keySecret: options.keySecret,
    deliveries,
    preload: (history) => {
      for (const o of history.orders) {
        orders.set(o.id, {
          id: o.id,
          entity: 'order',
          amount: o.amount,
          amount_paid: o.amount,
          amount_due: 0,
          currency: o.currency,
          receipt: o.receipt,
          offer_id: null,
          status: 'paid',
          attempts: 1,
          notes: [],
          created_at: o.created_at,
        });
      }
      for (const p of history.payments) {
        payments.set(p.id, {
          id: p.id,
          entity: 'payment',
          amount: p.amount,
          currency: p.currency,
          status: p.amount_refunded > 0 ? 'refunded' : 'captured',
          order_id: p.order_id,
          method: p.method,
          amount_refunded: p.amount_refunded,
          refund_status: p.amount_refunded === 0 ? null : p.amount_refunded < p.amount ? 'partial' : 'full',
          captured: true,
          notes: [],
          fee: p.fee,
          tax: p.tax,
          error_code: null,
          error_description: null,
          error_source: null,
          error_step: null,
          error_reason: null,
          created_at: p.created_at,
        });
      }
      for (const r of history.refunds) {
        refunds.set(r.id, {
          id: r.id,
          entity: 'refund',
          amount: r.amount,
          currency: r.currency,
          payment_id: r.payment_id,
          notes: [],
          receipt: null,
          status: 'processed',
          created_at: r.created_at,
        });
      }
      return history.orders.length + history.payments.length + history.refunds.length;
    },
    misreport: (discrepancies) => {
      settlements.configure({ ...discrepancies });
    },
    configure: (partial) => {
      options = { ...options, ...partial };
      if (partial.webhook !== undefined) hookDisabled = false;
      if (partial.dropResponses !== undefined) dropsLeft = partial.dropResponses?.count ?? 0;
      if (queue.length > 0) void pump();
    },
    payments: listPayments,
    idle: () =>
      new Promise<void>((resolve) => {
        if (!busy()) resolve();
        else idleWaiters.push(resolve);
      }),
    close: async () => {
      clearInterval(expiryTimer);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      queue.length = 0;
      checkIdle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
