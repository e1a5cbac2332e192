/**
 * The simulator's Razorpay Payment Links (Standard links only): a URL the customer opens to pay on-session.
 *
 *   POST /v1/payment_links · GET /v1/payment_links?reference_id=&payment_id= · GET /v1/payment_links/:id
 *   POST /v1/payment_links/:id/cancel
 *   POST /v1/sim/payment_links/:id/pay {card_number | upi: {flow: "intent", vpa?}, amount?} → the parent paying on
 *     the hosted page (simulator-only)
 *
 * Sources (cited next to each rule below):
 * - create: https://razorpay.com/docs/api/payments/payment-links/create-standard (request and response example)
 * - entity: https://razorpay.com/docs/api/payments/payment-links/ (Payment Link entity fields),
 *   https://razorpay.com/docs/sg/api/payments/payment-links/entity
 * - list: https://razorpay.com/docs/api/payments/payment-links/fetch-all-standard (`{payment_links: [...]}`, each with
 *   its `order_id`; filtered by `reference_id` as the documented Java example does, or `payment_id`)
 * - states: https://razorpay.com/docs/payments/payment-links/states/ (created, partially_paid, paid, cancelled,
 *   expired; "You can cancel a Payment Link only if it is in the issued state. You cannot cancel Payment Links in the
 *   partially_paid or paid state."), https://razorpay.com/docs/payments/payment-links/cancel
 * - webhooks: https://razorpay.com/docs/webhooks/payloads/payment-links/ (`payment_link.paid` contains payment, order
 *   and payment_link; `payment_link.partially_paid`, `payment_link.cancelled`, `payment_link.expired`). In the
 *   documented `payment_link.paid` sample the order is made when the link is paid (its `created_at` is after the
 *   link's), carries the link's notes, and the payment's description is `#<link id without plink_>` with empty notes.
 * - SDK types (razorpay-node `PaymentLinks.RazorpayPaymentLinkBaseRequestBody`): description at most 2048 characters;
 *   `first_min_partial_amount` "Must be passed along with accept_partial parameter".
 *
 * Not modelled (refused, stricter than Razorpay): UPI Payment Links (`upi_link: true`), `options` (checkout
 * customisation), PATCH (update) and notify_by. Razorpay's own notifications (SMS, email, reminders) are not sent.
 */
import { cardNetwork, DECLINES, type Decline, VPA_FAILURE } from './test-mode.js';
import { hostedUpiVpa } from './upi-intents.js';

type Json = Record<string, unknown>;

type LinkStatus = 'created' | 'partially_paid' | 'paid' | 'cancelled' | 'expired';

interface SimLink extends Json {
  id: string;
  amount: number;
  amount_paid: number;
  currency: string;
  accept_partial: boolean;
  first_min_partial_amount: number;
  reference_id: string;
  status: LinkStatus;
  expire_by: number;
  expired_at: number;
  cancelled_at: number;
  order_id: string | null;
  payments: Json[] | null;
  notes: Json | null;
  updated_at: number;
}

export interface PaymentLinkDeps {
  readonly id: (prefix: string) => string;
  /** Unix seconds. */
  readonly now: () => number;
  /** Creates a Razorpay order (the simulator's own, with its validation). */
  readonly createOrder: (body: Json) => Json & { id: string; amount: number; currency: string };
  /** Adds a captured amount to an order (paid once fully paid). */
  readonly payOrder: (orderId: string, amount: number) => Json;
  /** Stores a payment where `GET /v1/payments/:id`, `GET /v1/orders/:id/payments` and the settlement report find it. */
  readonly storePayment: (payment: Json & { id: string }) => void;
  readonly fee: (amount: number) => { fee: number; tax: number };
  readonly emit: (event: string, entities: Record<string, Json>) => void;
  readonly checkNotes: (notes: unknown) => void;
  readonly integerOf: (v: unknown) => number | undefined;
  readonly badRequest: (description: string, field?: string) => Error;
}

const ID = /^plink_[A-Za-z0-9]{6,30}$/;
/** Six months, as "the expire by date cannot exceed more than six months from the date of creation" (entity page). */
const SIX_MONTHS_S = 183 * 24 * 3600;

const asBool = (v: unknown): boolean | undefined =>
  v === undefined || v === null
    ? undefined
    : v === true || v === 'true' || v === 1 || v === '1'
      ? true
      : v === false || v === 'false' || v === 0 || v === '0'
        ? false
        : undefined;

export function createPaymentLinks(deps: PaymentLinkDeps) {
  const links = new Map<string, SimLink>();

  const must = (id: string): SimLink => {
    const link = ID.test(id) ? links.get(id) : undefined;
    if (link === undefined) throw deps.badRequest('The id provided does not exist', 'id');
    return expireIfDue(link);
  };

  /** A link past its `expire_by` is `expired` from then on (Razorpay expires it by itself and says so by webhook). */
  function expireIfDue(link: SimLink): SimLink {
    if ((link.status === 'created' || link.status === 'partially_paid') && link.expire_by > 0) {
      if (deps.now() >= link.expire_by) {
        Object.assign(link, { status: 'expired', expired_at: link.expire_by, updated_at: deps.now() });
        deps.emit('payment_link.expired', { payment_link: link });
      }
    }
    return link;
  }

  const view = (link: SimLink): Json => structuredClone(link);

  function create(body: Json): Json {
    if (asBool(body['upi_link']) === true) {
      throw deps.badRequest('The simulator does not model UPI Payment Links (upi_link).', 'upi_link');
    }
    if (body['options'] !== undefined) {
      throw deps.badRequest('The simulator does not model Payment Link checkout options.', 'options');
    }
    deps.checkNotes(body['notes']);
    // amount: mandatory, in paise; the smallest amount Razorpay takes is INR 1.00 (as for orders).
    const amount = deps.integerOf(body['amount']);
    if (body['amount'] === undefined || body['amount'] === null || body['amount'] === '') {
      throw deps.badRequest('The amount field is required.', 'amount');
    }
    if (amount === undefined || amount < 100) throw deps.badRequest('The amount must be atleast INR 1.00', 'amount');
    const currency = String(body['currency'] ?? 'INR');
    if (currency !== 'INR') throw deps.badRequest('Currency is not supported', 'currency');
    // accept_partial (default false); first_min_partial_amount only with accept_partial (SDK documentation), and a
    // first part between INR 1.00 and the amount.
    const acceptPartial = body['accept_partial'] === undefined ? false : asBool(body['accept_partial']);
    if (acceptPartial === undefined)
      throw deps.badRequest('The accept partial field must be true or false.', 'accept_partial');
    let firstMin = 0;
    if (body['first_min_partial_amount'] !== undefined && body['first_min_partial_amount'] !== null) {
      if (!acceptPartial) {
        throw deps.badRequest(
          'first_min_partial_amount can be passed only when accept_partial is true',
          'first_min_partial_amount',
        );
      }
      const min = deps.integerOf(body['first_min_partial_amount']);
      if (min === undefined || min < 100 || min > amount) {
        throw deps.badRequest(
          'first_min_partial_amount must be at least INR 1.00 and not more than the amount',
          'first_min_partial_amount',
        );
      }
      firstMin = min;
    }
    const description =
      body['description'] === undefined || body['description'] === null ? '' : String(body['description']);
    if (description.length > 2048) {
      throw deps.badRequest('The description may not be greater than 2048 characters.', 'description');
    }
    // reference_id: "Reference number tagged to a Payment Link. Must be unique for each Payment Link." at most 40
    // characters (create-standard request parameters). A second link with the same reference_id is refused, so a
    // merchant's retry finds its first link (GET /v1/payment_links?reference_id=) instead of making another.
    // The refusal's wording is the simulator's; the docs name only the rule.
    const referenceId =
      body['reference_id'] === undefined || body['reference_id'] === null ? '' : String(body['reference_id']);
    if (referenceId.length > 40)
      throw deps.badRequest('The reference id may not be greater than 40 characters.', 'reference_id');
    if (referenceId !== '' && [...links.values()].some((l) => l.reference_id === referenceId)) {
      throw deps.badRequest(`Payment Link with reference id ${referenceId} already exists`, 'reference_id');
    }
    // expire_by: unix seconds, in the future and at most six months after creation (entity page: "By default, a
    // Payment Link will be valid for six months from the date of creation ... the expire by date cannot exceed more
    // than six months from the date of creation").
    const now = deps.now();
    let expireBy = 0;
    if (body['expire_by'] !== undefined && body['expire_by'] !== null && body['expire_by'] !== 0) {
      const e = deps.integerOf(body['expire_by']);
      if (e === undefined || e <= now)
        throw deps.badRequest('The expire by date should be in the future.', 'expire_by');
      if (e > now + SIX_MONTHS_S) {
        throw deps.badRequest(
          'The expire by date cannot be more than six months from the date of creation.',
          'expire_by',
        );
      }
      expireBy = e;
    }
    // callback_url / callback_method: "If callback_url parameter is passed, callback_method must be passed with the
    // value get." (entity page)
    const callbackUrl =
      body['callback_url'] === undefined || body['callback_url'] === null ? '' : String(body['callback_url']);
    const callbackMethod =
      body['callback_method'] === undefined || body['callback_method'] === null ? '' : String(body['callback_method']);
    if (callbackUrl !== '') {
      if (!/^https?:\/\/\S+$/.test(callbackUrl))
        throw deps.badRequest('The callback url format is invalid.', 'callback_url');
      if (callbackMethod !== 'get') {
        throw deps.badRequest('callback_method must be get when callback_url is passed', 'callback_method');
      }
    } else if (callbackMethod !== '') {
      throw deps.badRequest('callback_method can be passed only with callback_url', 'callback_method');
    }
    const customerIn = body['customer'];
    if (
      customerIn !== undefined &&
      customerIn !== null &&
      (typeof customerIn !== 'object' || Array.isArray(customerIn))
    ) {
      throw deps.badRequest('The customer must be an object.', 'customer');
    }
    const c = (customerIn ?? {}) as Json;
    const customer: Json = {};
    for (const key of ['name', 'email', 'contact'] as const) {
      if (c[key] !== undefined && c[key] !== null && c[key] !== '') customer[key] = String(c[key]);
    }
    if (customer['email'] !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(customer['email']))) {
      throw deps.badRequest('The customer email must be a valid email address.', 'customer.email');
    }
    const notifyIn = (body['notify'] ?? {}) as Json;
    const notify = { email: asBool(notifyIn['email']) ?? false, sms: asBool(notifyIn['sms']) ?? false };
    const id = deps.id('plink');
    const notes = body['notes'];
    const link: SimLink = {
      accept_partial: acceptPartial,
      amount,
      amount_paid: 0,
      callback_method: callbackMethod,
      callback_url: callbackUrl,
      cancelled_at: 0,
      created_at: now,
      currency,
      customer,
      description,
      expire_by: expireBy,
      expired_at: 0,
      first_min_partial_amount: firstMin,
      id,
      notes:
        notes !== null && typeof notes === 'object' && !Array.isArray(notes) && Object.keys(notes).length > 0
          ? (notes as Json)
          : null,
      notify,
      order_id: null,
      payments: null,
      reference_id: referenceId,
      reminder_enable: asBool(body['reminder_enable']) ?? false,
      reminders: [],
      short_url: `https://rzp.io/i/${id.slice(6, 16)}`,
      status: 'created',
      updated_at: now,
      upi_link: false,
      user_id: '',
    };
    links.set(id, link);
    return view(link);
  }

  function list(query: URLSearchParams): Json {
    const referenceId = query.get('reference_id');
    const paymentId = query.get('payment_id');
    const found = [...links.values()]
      .map(expireIfDue)
      .filter((l) => referenceId === null || l.reference_id === referenceId)
      .filter((l) => paymentId === null || (l.payments ?? []).some((p) => p['payment_id'] === paymentId))
      .reverse();
    return { payment_links: found.map(view) };
  }

  function cancel(id: string): Json {
    const link = must(id);
    if (link.status !== 'created') {
      throw deps.badRequest(`Payment Link cannot be cancelled as it is in ${link.status} state`, 'id');
    }
    const now = deps.now();
    Object.assign(link, { status: 'cancelled', cancelled_at: now, updated_at: now });
    deps.emit('payment_link.cancelled', { payment_link: link });
    return view(link);
  }

  /**
   * The parent paying the link on its hosted page: a card number or a UPI collect (test-mode.ts: the documented
   * success card/VPA, the simulator's decline cards, failure@razorpay). The order is made on the first payment,
   * with the link's amount, reference id as receipt and notes. A success is captured at once (hosted pages
   * auto-capture); a failure leaves the link as it was, its payment `failed`.
   */
  function pay(id: string, body: Json): Json {
    const link = must(id);
    if (link.status !== 'created' && link.status !== 'partially_paid') {
      throw deps.badRequest(`Payment Link is ${link.status} and cannot be paid`, 'id');
    }
    const due = link.amount - link.amount_paid;
    const amount = body['amount'] === undefined ? due : deps.integerOf(body['amount']);
    if (amount === undefined || amount < 100 || amount > due) throw deps.badRequest('Invalid amount', 'amount');
    if (amount < due && !link.accept_partial) throw deps.badRequest('Partial payments are not allowed', 'amount');
    if (amount < due && link.amount_paid === 0 && amount < link.first_min_partial_amount) {
      throw deps.badRequest('The amount is less than the minimum first partial amount', 'amount');
    }
    let instrument: { method: 'card'; number: string } | { method: 'upi'; vpa: string };
    if (body['upi'] !== undefined) {
      instrument = { method: 'upi', vpa: hostedUpiVpa(body['upi'], deps.badRequest) };
    } else {
      const number = String(body['card_number'] ?? '').replace(/[\s-]/g, '');
      if (!/^\d{12,19}$/.test(number)) throw deps.badRequest('Invalid card number', 'card_number');
      instrument = { method: 'card', number };
    }
    if (link.order_id === null) {
      const order = deps.createOrder({
        amount: link.amount,
        currency: link.currency,
        ...(link.reference_id === '' ? {} : { receipt: link.reference_id }),
        ...(link.notes === null ? {} : { notes: link.notes }),
      });
      link.order_id = order.id;
    }
    const decline: Decline | undefined =
      instrument.method === 'card'
        ? DECLINES[instrument.number]
        : instrument.vpa === 'failure@razorpay'
          ? VPA_FAILURE
          : undefined;
    const now = deps.now();
    const cardId = instrument.method === 'card' ? deps.id('card') : null;
    const { fee, tax } = decline === undefined ? deps.fee(amount) : { fee: null, tax: null };
    const payment = {
      id: deps.id('pay'),
      entity: 'payment',
      amount,
      currency: link.currency,
      status: decline === undefined ? 'captured' : 'failed',
      order_id: link.order_id,
      invoice_id: null,
      international: false,
      method: instrument.method,
      amount_refunded: 0,
      refund_status: null,
      captured: decline === undefined,
      description: `#${link.id.slice(6)}`,
      card_id: cardId,
      ...(instrument.method === 'card'
        ? {
            card: {
              id: cardId,
              entity: 'card',
              name: '',
              last4: instrument.number.slice(-4),
              network: cardNetwork(instrument.number),
              type: 'credit',
              issuer: null,
              international: false,
              emi: false,
            },
          }
        : {}),
      bank: null,
      wallet: null,
      vpa: instrument.method === 'upi' ? instrument.vpa : null,
      email: String((link['customer'] as Json)['email'] ?? ''),
      contact: String((link['customer'] as Json)['contact'] ?? ''),
      notes: [],
      fee,
      tax,
      error_code: decline?.code ?? null,
      error_description: decline?.description ?? null,
      error_source: decline?.source ?? null,
      error_step: decline?.step ?? null,
      error_reason: decline?.reason ?? null,
      acquirer_data: {},
      created_at: now,
    };
    deps.storePayment(payment);
    if (decline !== undefined) {
      deps.emit('payment.failed', { payment });
      return { payment_link: view(link), payment: structuredClone(payment) };
    }
    const order = deps.payOrder(link.order_id, amount);
    link.amount_paid += amount;
    link.payments = [
      ...(link.payments ?? []),
      {
        amount,
        created_at: now,
        method: instrument.method,
        payment_id: payment.id,
        plink_id: link.id,
        status: 'captured',
        updated_at: now,
      },
    ];
    const status: LinkStatus = link.amount_paid === link.amount ? 'paid' : 'partially_paid';
    Object.assign(link, { status, updated_at: now });
    deps.emit('payment.captured', { payment });
    if (order['status'] === 'paid') deps.emit('order.paid', { payment, order });
    deps.emit(status === 'paid' ? 'payment_link.paid' : 'payment_link.partially_paid', {
      payment_link: link,
      order,
      payment,
    });
    return { payment_link: view(link), payment: structuredClone(payment) };
  }

  return { create, fetch: (id: string) => view(must(id)), list, cancel, pay };
}
