/**
 * The simulator's e-mandate registration links: Razorpay's `POST /v1/subscription_registration/auth_links` (the SDK's
 * `subscriptions.createRegistrationLink`), which issues an invoice (`inv_…`, `type: "link"`, `status: "issued"`) with
 * a ₹0 authorisation order, the customer authorising the mandate at their bank from the link's `short_url`, and the
 * mandate's token: `initiated` until the bank confirms it, then `confirmed` (or `rejected`).
 *
 *   POST /v1/subscription_registration/auth_links · GET /v1/invoices?receipt= · GET /v1/invoices/:id
 *   POST /v1/sim/registration-links/:invoice_id/authorize {} → the parent authorising the mandate at their bank
 *     (net banking, debit card or Aadhaar): the ₹0 payment captured, `payment.authorized`, `payment.captured`,
 *     `order.paid`, `invoice.paid`; the token `initiated`, confirmed `confirmDelayMs` later (`token.confirmed`)
 *   POST /v1/sim/registration-links/:invoice_id/reject → the bank refusing the mandate: the payment failed
 *     (`payment.failed`), the token `rejected` (`token.rejected`)
 *   POST /v1/sim/registration-links/confirmations/process → confirms every token held by `confirmDelayMs: null`
 *   An issued link past its `expire_by` (on the simulator's clock) is `expired`, with `invoice.expired`.
 *
 * Sources:
 * - request: razorpay-node documents/emandate.md and registerEmandate.md ("Create registration link"), and
 *   https://razorpay.com/docs/api/payments/recurring-payments/emandate/create-authorization-transaction/ (1.2.1
 *   "Create a Registration Link": customer name/email/contact, type `link`, amount, currency INR, description
 *   mandatory; subscription_registration {method, auth_type, max_amount, expire_at, bank_account}).
 * - max_amount: the SDK's `Subscriptions.RazorpaySubscriptionRegistrationBaseRequestBody` ("Use to set the maximum
 *   amount (in paise) per debit request. The value can range from 500 - 9999900") — its e-mandate order token
 *   (`Tokens.RazorpayTokenEmandate`) allows up to 100000000; the simulator takes the registration link's narrower
 *   range, never more lenient than Razorpay. Default 9999900 (₹99,999).
 * - amount: "For Emandate and NACH, the authorization value is 0"
 *   (https://razorpay.com/docs/payments/recurring-payments/batch-operations/, registration link fields).
 * - auth_type: `netbanking`, `debitcard`, `aadhaar` (`physical` is paper NACH: not modelled here, refused).
 * - bank_account: beneficiary_name, account_number, account_type (`savings` default, or `current`), ifsc_code (the
 *   SDK's `Orders.RazorpayBankAccountBaseRequestBody`); an IFSC is 11 characters, four letters of the bank, `0`, six
 *   of the branch (https://razorpay.com/docs/api/payments/ifsc/, RBI's format).
 * - the ₹0 authorisation payment, `captured`, with `invoice_id`, `token_id`, `method: "emandate"`, `bank`:
 *   razorpay-node documents/emandate.md ("Fetch token by payment ID" response).
 * - confirmation: "The timeline for token confirmation depends on the authentication method and bank … Requests
 *   created between T-1 day 9:00 AM and T day 9:00 AM are processed on T … may be delayed up to 5 days"
 *   (https://razorpay.com/docs/payments/recurring-payments/emandate/faqs). Compressed here to `confirmDelayMs`.
 * - webhooks: https://razorpay.com/docs/payments/recurring-payments/emandate/ (payment.authorized, payment.captured,
 *   order.paid, invoice.paid on the authorisation; token.confirmed / token.rejected once the bank has verified it),
 *   https://razorpay.com/docs/webhooks/payloads/invoices/ (invoice.paid, invoice.expired).
 *
 * Paper NACH (`method: "nach"`, `auth_type: "physical"`, optional `nach {form_reference1, form_reference2,
 * description}`; razorpay-node documents/papernach.md, https://razorpay.com/docs/api/payments/recurring-payments/
 * paper-nach/create-authorization-transaction/): the same link, answered with `nach_form_url`, the prefilled form the
 * parent prints and signs, and uploads at the link's `short_url`; `…/authorize` then stands for the signed form
 * accepted, `…/reject` for it refused.
 *
 * Not modelled (refused, stricter than Razorpay): `first_payment_amount` (only HDFC and ICICI support it), card and
 * UPI registration links, resend/cancel of a link, the form upload API.
 */

type Json = Record<string, unknown>;

const AUTH_TYPES = ['netbanking', 'debitcard', 'aadhaar'] as const;
/** Paper NACH's one auth type: the parent signs the printed form (razorpay-node documents/papernach.md). */
const NACH_AUTH_TYPE = 'physical';
const ACCOUNT_TYPES = ['savings', 'current'] as const;
const MAX_AMOUNT_MIN = 500;
const MAX_AMOUNT_MAX = 9_999_900;
const MAX_AMOUNT_DEFAULT = 9_999_900;
/** "The default value is 10 years for emandate." (the SDK's `Tokens.RazorpayTokenEmandate.expire_at`) */
const DEFAULT_LIFE_SECONDS = 10 * 365 * 24 * 3600;
const IFSC = /^[A-Z]{4}0[A-Z0-9]{6}$/;

export interface EmandateToken {
  id: string;
  customer_id: string;
  invoice_id: string;
  method: 'emandate' | 'nach';
  auth_type: (typeof AUTH_TYPES)[number] | typeof NACH_AUTH_TYPE;
  /** Paper NACH: the references printed on the form. */
  nach: { form_reference1: string | null; form_reference2: string | null; description: string | null } | null;
  max_amount: number;
  expire_at: number;
  bank: string;
  bank_details: { beneficiary_name: string; account_number: string; ifsc: string; account_type: string };
  status: 'initiated' | 'confirmed' | 'rejected';
  failure_reason: string | null;
  created_at: number;
  used_at: number | null;
}

interface SimInvoice extends Json {
  id: string;
  receipt: string | null;
  customer_id: string;
  order_id: string;
  payment_id: string | null;
  status: 'issued' | 'paid' | 'expired';
  expire_by: number | null;
  expired_at: number | null;
  paid_at: number | null;
}

export interface RegistrationLinkDeps {
  readonly id: (prefix: string) => string;
  /** Entity timestamps (unix seconds). */
  readonly now: () => number;
  /** The simulator's today for link and mandate expiry (a test's injected clock). */
  readonly today: () => Date;
  /** The customer with these details (created, or the existing one, as `fail_existing: "0"`). */
  readonly customerFor: (customer: { name: string; email: string; contact: string }) => Json & { id: string };
  /** Stores the ₹0 authorisation order where `GET /v1/orders/:id` finds it. */
  readonly storeOrder: (order: Json & { id: string }) => void;
  readonly storePayment: (payment: Json & { id: string }) => void;
  readonly emit: (event: string, entities: Record<string, Json>) => void;
  readonly later: (ms: number, work: () => void) => void;
  /** null: confirmations wait for `processConfirmations`. */
  readonly confirmDelayMs: () => number | null;
  readonly checkNotes: (notes: unknown) => void;
  readonly notes: (notes: unknown) => Json | unknown[];
  readonly integerOf: (v: unknown) => number | undefined;
  readonly badRequest: (description: string, field?: string) => Error;
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const asBool = (v: unknown): boolean => !(v === false || v === 'false' || v === 0 || v === '0');

export function createRegistrationLinks(deps: RegistrationLinkDeps) {
  const invoices = new Map<string, SimInvoice>();
  const tokens = new Map<string, EmandateToken>();
  const orders = new Map<string, Json & { id: string }>();
  const payments = new Map<string, Json & { id: string; status: string }>();
  /** invoice id → the token its authorisation made */
  const tokenOfInvoice = new Map<string, string>();
  /** invoice id → the mandate terms asked for */
  const terms = new Map<string, Omit<EmandateToken, 'id' | 'status' | 'failure_reason' | 'created_at' | 'used_at'>>();
  const held: (() => void)[] = [];
  const seconds = () => Math.floor(deps.today().getTime() / 1000);

  const required = (body: Json, field: string, label = field): unknown => {
    const v = body[field];
    if (v === undefined || v === null || v === '') throw deps.badRequest(`The ${label} field is required.`, label);
    return v;
  };

  /** The token entity (https://razorpay.com/docs/api/payments/recurring-payments/emandate/tokens/). */
  function tokenEntity(t: EmandateToken): Json {
    return {
      id: t.id,
      entity: 'token',
      token: t.id.slice(6),
      bank: t.bank,
      wallet: null,
      method: t.method,
      vpa: null,
      recurring: true,
      recurring_details: { status: t.status, failure_reason: t.failure_reason },
      auth_type: t.auth_type,
      mrn: null,
      used_at: t.used_at,
      created_at: t.created_at,
      bank_details: { ...t.bank_details, account_number: t.bank_details.account_number },
      max_amount: t.max_amount,
      expired_at: t.expire_at,
      dcc_enabled: false,
      notes: [],
    };
  }

  /** Checks `subscription_registration`; answers the mandate terms (without customer and invoice). */
  function registrationTerms(reg: unknown) {
    if (!isObject(reg))
      throw deps.badRequest('The subscription_registration field is required.', 'subscription_registration');
    const method = required(reg, 'method', 'subscription_registration.method');
    if (method !== 'emandate' && method !== 'nach') {
      throw deps.badRequest(
        'The simulator models only methods emandate and nach for a registration link.',
        'subscription_registration.method',
      );
    }
    if (reg['first_payment_amount'] !== undefined) {
      throw deps.badRequest(
        'first_payment_amount is not supported for this bank.',
        'subscription_registration.first_payment_amount',
      );
    }
    const authType = reg['auth_type'];
    const allowed: readonly string[] = method === 'nach' ? [NACH_AUTH_TYPE] : AUTH_TYPES;
    if (authType !== undefined && !allowed.includes(String(authType))) {
      throw deps.badRequest('The selected auth type is invalid.', 'subscription_registration.auth_type');
    }
    const nachIn = reg['nach'];
    if (nachIn !== undefined && (method !== 'nach' || !isObject(nachIn))) {
      throw deps.badRequest('The nach field is only for method nach, as an object.', 'subscription_registration.nach');
    }
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
    const nach =
      method !== 'nach'
        ? null
        : {
            form_reference1: text(isObject(nachIn) ? nachIn['form_reference1'] : undefined),
            form_reference2: text(isObject(nachIn) ? nachIn['form_reference2'] : undefined),
            description: text(isObject(nachIn) ? nachIn['description'] : undefined),
          };
    const maxAmount = reg['max_amount'] === undefined ? MAX_AMOUNT_DEFAULT : deps.integerOf(reg['max_amount']);
    if (maxAmount === undefined || maxAmount < MAX_AMOUNT_MIN || maxAmount > MAX_AMOUNT_MAX) {
      throw deps.badRequest(
        `The max amount must be between ${MAX_AMOUNT_MIN} and ${MAX_AMOUNT_MAX}.`,
        'subscription_registration.max_amount',
      );
    }
    const expireAt =
      reg['expire_at'] === undefined ? seconds() + DEFAULT_LIFE_SECONDS : deps.integerOf(reg['expire_at']);
    if (expireAt === undefined || expireAt <= seconds()) {
      throw deps.badRequest('The expire at must be a timestamp in the future.', 'subscription_registration.expire_at');
    }
    const account = reg['bank_account'];
    if (!isObject(account)) {
      throw deps.badRequest('The bank account field is required.', 'subscription_registration.bank_account');
    }
    const name = String(required(account, 'beneficiary_name', 'bank_account.beneficiary_name'));
    const number = String(required(account, 'account_number', 'bank_account.account_number'));
    if (!/^[0-9]{5,20}$/.test(number)) {
      throw deps.badRequest('The account number format is invalid.', 'bank_account.account_number');
    }
    const accountType = account['account_type'] === undefined ? 'savings' : account['account_type'];
    if (!ACCOUNT_TYPES.includes(accountType as (typeof ACCOUNT_TYPES)[number])) {
      throw deps.badRequest('The selected account type is invalid.', 'bank_account.account_type');
    }
    const ifsc = String(required(account, 'ifsc_code', 'bank_account.ifsc_code'));
    if (!IFSC.test(ifsc)) throw deps.badRequest('The ifsc code is invalid.', 'bank_account.ifsc_code');
    return {
      method: method as EmandateToken['method'],
      auth_type: (authType ?? (method === 'nach' ? NACH_AUTH_TYPE : 'netbanking')) as EmandateToken['auth_type'],
      nach,
      max_amount: maxAmount,
      expire_at: expireAt,
      bank: ifsc.slice(0, 4),
      bank_details: { beneficiary_name: name, account_number: number, ifsc, account_type: String(accountType) },
    };
  }

  function invoiceEntity(inv: SimInvoice): Json {
    return structuredClone(inv);
  }

  /** Issued links past their `expire_by` become `expired` (`invoice.expired`); run before every request. */
  function expire(): void {
    const at = seconds();
    for (const inv of invoices.values()) {
      if (inv.status === 'issued' && inv.expire_by !== null && inv.expire_by <= at) {
        Object.assign(inv, { status: 'expired', expired_at: at });
        deps.emit('invoice.expired', { invoice: invoiceEntity(inv) });
      }
    }
  }

  const mustIssued = (invoiceId: string): SimInvoice => {
    const inv = invoices.get(invoiceId);
    if (inv === undefined) throw deps.badRequest('The id provided does not exist', 'invoice_id');
    if (inv.status !== 'issued') throw deps.badRequest(`The registration link is ${inv.status}`, 'invoice_id');
    return inv;
  };

  /** The bank acting on an issued link: the mandate's token made, in `status`, and tied to the link. */
  function actAtBank(
    invoiceId: string,
    status: 'initiated' | 'rejected',
    failureReason: string | null,
  ): { inv: SimInvoice; token: EmandateToken; at: number } {
    const inv = mustIssued(invoiceId);
    const t = terms.get(inv.id);
    if (t === undefined) throw deps.badRequest('The id provided does not exist', 'invoice_id');
    const at = deps.now();
    const token: EmandateToken = {
      ...t,
      id: deps.id('token'),
      status,
      failure_reason: failureReason,
      created_at: at,
      used_at: null,
    };
    tokens.set(token.id, token);
    tokenOfInvoice.set(inv.id, token.id);
    return { inv, token, at };
  }

  /**
   * The ₹0 authorisation payment the parent's action at the bank leaves on a registration link: `authorized` (then
   * captured by the caller), or `failed` with the bank's error.
   */
  function authorisationPayment(
    inv: SimInvoice,
    token: EmandateToken,
    at: number,
    error: {
      error_code: string;
      error_description: string;
      error_source: string;
      error_step: string;
      error_reason: string;
    } | null,
  ): Json & { id: string; status: string } {
    const customer = inv['customer_details'] as Json;
    return {
      id: deps.id('pay'),
      entity: 'payment',
      amount: 0,
      currency: 'INR',
      status: error === null ? 'authorized' : 'failed',
      order_id: inv.order_id,
      invoice_id: inv.id,
      international: false,
      method: token.method,
      amount_refunded: 0,
      refund_status: null,
      captured: false,
      description: null,
      card_id: null,
      bank: token.bank,
      wallet: null,
      vpa: null,
      email: String(customer['email'] ?? ''),
      contact: String(customer['contact'] ?? ''),
      customer_id: inv.customer_id,
      token_id: token.id,
      recurring: true,
      notes: structuredClone(inv['notes']),
      fee: null,
      tax: null,
      error_code: null,
      error_description: null,
      error_source: null,
      error_step: null,
      error_reason: null,
      ...error,
      acquirer_data: {},
      created_at: at,
    };
  }

  return {
    expire,

    /** `POST /v1/subscription_registration/auth_links` with the documented validation; answers the invoice. */
    create(body: Json): Json {
      deps.checkNotes(body['notes']);
      const customer = body['customer'];
      if (!isObject(customer)) throw deps.badRequest('The customer field is required.', 'customer');
      const name = String(required(customer, 'name', 'customer.name'));
      const email = String(required(customer, 'email', 'customer.email'));
      const contact = String(required(customer, 'contact', 'customer.contact'));
      if (required(body, 'type') !== 'link') throw deps.badRequest('The selected type is invalid.', 'type');
      const amount = deps.integerOf(required(body, 'amount'));
      // The authorisation of an e-mandate is of ₹0 (batch-operations: "For Emandate and NACH, the authorization value
      // is 0").
      if (amount !== 0) throw deps.badRequest('The amount must be 0 for method emandate.', 'amount');
      if (required(body, 'currency') !== 'INR') throw deps.badRequest('Currency is not supported', 'currency');
      const description = String(required(body, 'description'));
      if (description.length > 2048) {
        throw deps.badRequest('The description may not be greater than 2048 characters.', 'description');
      }
      const receipt = typeof body['receipt'] === 'string' ? body['receipt'] : null;
      if (receipt !== null && receipt.length > 40) throw deps.badRequest('receipt: maximum 40 characters', 'receipt');
      const reg = registrationTerms(body['subscription_registration']);
      let expireBy: number | null = null;
      if (body['expire_by'] !== undefined && body['expire_by'] !== null) {
        expireBy = deps.integerOf(body['expire_by']) ?? null;
        if (expireBy === null || expireBy <= seconds()) {
          throw deps.badRequest('The expire by must be a timestamp in the future.', 'expire_by');
        }
      }
      const c = deps.customerFor({ name, email, contact });
      const at = deps.now();
      const order = {
        id: deps.id('order'),
        entity: 'order',
        amount: 0,
        amount_paid: 0,
        amount_due: 0,
        currency: 'INR',
        receipt,
        offer_id: null,
        status: 'created',
        attempts: 0,
        notes: deps.notes(body['notes']),
        created_at: at,
        method: 'emandate',
        customer_id: c.id,
      };
      deps.storeOrder(order);
      orders.set(order.id, order);
      const inv: SimInvoice = {
        id: deps.id('inv'),
        entity: 'invoice',
        receipt,
        invoice_number: receipt,
        customer_id: c.id,
        customer_details: {
          id: c.id,
          name,
          email,
          contact,
          gstin: null,
          billing_address: null,
          shipping_address: null,
          customer_name: name,
          customer_email: email,
          customer_contact: contact,
        },
        order_id: order.id,
        line_items: [],
        payment_id: null,
        status: 'issued',
        expire_by: expireBy,
        issued_at: at,
        paid_at: null,
        cancelled_at: null,
        expired_at: null,
        sms_status: asBool(body['sms_notify']) ? 'pending' : null,
        email_status: asBool(body['email_notify']) ? 'pending' : null,
        date: at,
        terms: null,
        partial_payment: false,
        gross_amount: 0,
        tax_amount: 0,
        taxable_amount: 0,
        amount: 0,
        amount_paid: 0,
        amount_due: 0,
        currency: 'INR',
        currency_symbol: '₹',
        description,
        notes: deps.notes(body['notes']),
        comment: null,
        short_url: `https://rzp.io/i/${deps.id('x').slice(2, 12)}`,
        view_less: true,
        billing_start: null,
        billing_end: null,
        type: 'link',
        group_taxes_discounts: false,
        created_at: at,
        idempotency_key: null,
        first_payment_min_amount: null,
        reminder_status: null,
        subscription_status: null,
        supply_state_code: null,
        user_id: null,
      };
      invoices.set(inv.id, inv);
      terms.set(inv.id, { ...reg, customer_id: c.id, invoice_id: inv.id });
      // The answer is the invoice with the registration's `token` terms and, for paper NACH, the prefilled form to
      // print and sign (`nach_form_url`; the link's short_url is where the signed form is uploaded), as the documented
      // paper NACH example answers (razorpay-node documents/papernach.md).
      const prefilled = reg.nach === null ? null : `https://rzp.io/i/${deps.id('x').slice(2, 12)}`;
      inv['token'] = {
        method: reg.method,
        notes: deps.notes(body['notes']),
        recurring_status: null,
        failure_reason: null,
        currency: 'INR',
        max_amount: reg.max_amount,
        auth_type: reg.auth_type,
        expire_at: reg.expire_at,
        ...(reg.nach === null
          ? {}
          : { nach: { create_form: true, ...reg.nach, prefilled_form: prefilled, upload_form_url: inv['short_url'] } }),
        bank_account: {
          ifsc: reg.bank_details.ifsc,
          bank_name: reg.bank,
          name: reg.bank_details.beneficiary_name,
          account_number: reg.bank_details.account_number,
          account_type: reg.bank_details.account_type,
          beneficiary_email: email,
          beneficiary_mobile: contact,
        },
        first_payment_amount: 0,
      };
      inv['nach_form_url'] = prefilled;
      return invoiceEntity(inv);
    },

    /** `GET /v1/invoices?receipt=&type=` (https://razorpay.com/docs/api/payments/invoices/fetch-all). */
    list(query: URLSearchParams): Json[] {
      const receipt = query.get('receipt');
      return [...invoices.values()]
        .filter((i) => receipt === null || i.receipt === receipt)
        .reverse()
        .map(invoiceEntity);
    },

    fetch(invoiceId: string): Json {
      const inv = invoices.get(invoiceId);
      if (inv === undefined) throw deps.badRequest('The id provided does not exist', 'invoice_id');
      return invoiceEntity(inv);
    },

    /** The parent authorises the mandate at their bank (simulator-only). */
    authorize(invoiceId: string): Json {
      const { inv, token, at } = actAtBank(invoiceId, 'initiated', null);
      const payment = authorisationPayment(inv, token, at, null);
      deps.storePayment(payment);
      payments.set(payment.id, payment);
      deps.emit('payment.authorized', { payment });
      Object.assign(payment, { status: 'captured', captured: true, fee: 0, tax: 0 });
      deps.emit('payment.captured', { payment });
      const order = orders.get(inv.order_id);
      if (order !== undefined) Object.assign(order, { status: 'paid', attempts: 1 });
      deps.emit('order.paid', { payment, order: order ?? {} });
      Object.assign(inv, { status: 'paid', payment_id: payment.id, paid_at: at });
      deps.emit('invoice.paid', { payment, order: order ?? {}, invoice: invoiceEntity(inv) });
      const confirm = () => {
        if (token.status !== 'initiated') return;
        token.status = 'confirmed';
        deps.emit('token.confirmed', { token: tokenEntity(token) });
      };
      const delay = deps.confirmDelayMs();
      if (delay === null) held.push(confirm);
      else deps.later(delay, confirm);
      return { invoice: invoiceEntity(inv), payment: structuredClone(payment), token: tokenEntity(token) };
    },

    /** The bank refuses the mandate (simulator-only): the payment fails and the token is rejected. */
    reject(invoiceId: string): Json {
      const { inv, token, at } = actAtBank(invoiceId, 'rejected', 'Mandate registration rejected by the bank');
      const payment = authorisationPayment(inv, token, at, {
        error_code: 'BAD_REQUEST_ERROR',
        error_description: 'The mandate registration was rejected by the bank.',
        error_source: 'bank',
        error_step: 'payment_authorization',
        error_reason: 'payment_failed',
      });
      deps.storePayment(payment);
      payments.set(payment.id, payment);
      deps.emit('payment.failed', { payment });
      deps.emit('token.rejected', { token: tokenEntity(token) });
      return { invoice: invoiceEntity(inv), payment: structuredClone(payment), token: tokenEntity(token) };
    },

    /** Confirms every token held by `confirmDelayMs: null` now (simulator-only); answers how many. */
    processConfirmations(): Json {
      const due = held.splice(0, held.length);
      for (const work of due) work();
      return { processed: due.length };
    },

    token: (tokenId: string): EmandateToken | undefined => tokens.get(tokenId),
    tokensOf: (customerId: string): Json[] =>
      [...tokens.values()].filter((t) => t.customer_id === customerId).map(tokenEntity),
    tokenEntity,

    /** The merchant deletes an e-mandate token (`DELETE /v1/customers/:id/tokens/:token_id`); false when not one. */
    deleteToken(tokenId: string, customerId: string): boolean {
      const token = tokens.get(tokenId);
      if (token === undefined || token.customer_id !== customerId) return false;
      tokens.delete(tokenId);
      return true;
    },

    /**
     * Checks a debit on an e-mandate token (`POST /v1/payments/create/recurring`; the caller has checked the
     * mandatory fields and that the token is the customer's): "You can create subsequent payments only after the
     * token is confirmed" and the amount may not exceed the token's max_amount
     * (https://razorpay.com/docs/api/payments/recurring-payments/emandate/create-subsequent-payments/); a token past
     * its expire_at is refused.
     */
    checkDebit(token: EmandateToken, amount: unknown): void {
      if (token.status !== 'confirmed') throw deps.badRequest('The token is not in the confirmed state', 'token');
      if (seconds() >= token.expire_at) throw deps.badRequest('The token has expired', 'token');
      const paise = deps.integerOf(amount);
      if (paise !== undefined && paise > token.max_amount) {
        throw deps.badRequest('The amount exceeds the maximum amount of the mandate (token max_amount)', 'amount');
      }
      token.used_at = deps.now();
    },
  };
}
