import Razorpay from 'razorpay';
import { AppError } from '../../platform/errors.js';
import type {
  CreateCustomerInput,
  CreateOrderInput,
  CreatePaymentInput,
  CreatePaymentLinkInput,
  CreateRefundInput,
  GatewayDispute,
  GatewayOrder,
  GatewayPayment,
  GatewayPaymentLink,
  GatewayRefund,
  GatewayRegistrationLink,
  GatewaySettlement,
  GatewaySettlementEntry,
  GatewayToken,
  PaymentGateway,
  RegistrationLinkInput,
  UpiIntent,
  UpiIntentInput,
  UpiMandateInput,
  UpiMandateRegistration,
} from './port.js';
import {
  toGatewayDispute,
  toGatewayOrder,
  toGatewayPayment,
  toGatewayPaymentLink,
  toGatewayRefund,
  toGatewaySettlement,
  toGatewaySettlementEntry,
} from './razorpay-entities.js';

type Json = Record<string, unknown>;

/** A Razorpay token entity (https://razorpay.com/docs/api/payments/tokens/) in kosh's terms. */
function toGatewayToken(customerId: string, t: Json): GatewayToken {
  const card = (t['card'] ?? null) as Json | null;
  const num = (v: unknown) => (v === undefined || v === null || v === '' ? null : Number(v));
  return {
    id: String(t['id']),
    customerId,
    method: String(t['method'] ?? 'card'),
    cardNetwork: card === null ? null : String(card['network'] ?? '') || null,
    cardLast4: card === null ? null : String(card['last4'] ?? '') || null,
    cardExpMonth: card === null ? null : num(card['expiry_month']),
    cardExpYear: card === null ? null : num(card['expiry_year']),
  };
}

/** A Razorpay invoice made by a registration link (https://razorpay.com/docs/api/payments/invoices/entity). */
function toGatewayRegistrationLink(i: Json): GatewayRegistrationLink {
  return {
    id: String(i['id']),
    orderId: String(i['order_id']),
    customerId: typeof i['customer_id'] === 'string' ? i['customer_id'] : null,
    shortUrl: String(i['short_url']),
    nachFormUrl: typeof i['nach_form_url'] === 'string' ? i['nach_form_url'] : null,
    status: String(i['status']),
    expireBy: typeof i['expire_by'] === 'number' ? i['expire_by'] : null,
  };
}

/** What the SDK rejects with: a plain object, not an Error, or a TypeError when there was no response. */
interface SdkRejection {
  statusCode?: number;
  error?: { code?: string; description?: string; reason?: string; field?: string; metadata?: Json };
}

function snake(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

/** Turns an SDK rejection into kosh's error vocabulary. */
export function gatewayError(rejection: unknown): AppError {
  const r = rejection as SdkRejection;
  if (r === null || typeof r !== 'object' || typeof r.statusCode !== 'number') {
    return new AppError('unavailable', 'gateway_unavailable', 'the payment gateway did not answer', {
      cause: rejection,
    });
  }
  if (r.statusCode >= 500) {
    return new AppError('unavailable', 'gateway_unavailable', r.error?.description ?? 'the payment gateway failed', {
      extra: { gateway_status: r.statusCode },
    });
  }
  const code = r.error?.code ?? 'BAD_REQUEST_ERROR';
  return new AppError(
    'provider',
    `gateway_${snake(code)}`,
    r.error?.description ?? 'the payment gateway refused the request',
    {
      extra: {
        gateway_code: code,
        gateway_reason: r.error?.reason ?? null,
        gateway_field: r.error?.field ?? null,
        gateway_status: r.statusCode,
      },
    },
  );
}

function alreadyCaptured(rejection: unknown): boolean {
  const r = rejection as SdkRejection;
  return r?.statusCode === 400 && /already been captured/i.test(r.error?.description ?? '');
}

function failedPaymentId(rejection: unknown): string | null {
  const r = rejection as SdkRejection;
  const id = r?.error?.metadata?.['payment_id'];
  return typeof id === 'string' ? id : null;
}

/**
 * The production gateway: the official `razorpay` SDK, pointed at `apiUrl` through its axios instance
 * (the SDK hard-codes api.razorpay.com). Writes carry their idempotency key (orders and refunds as
 * `receipt`, payments in `notes.kosh_id`) and the `find…` methods look it up for retries. A decline is not an
 * exception: Razorpay answers 400 naming the failed payment, which is fetched and returned as `failed`.
 * Auto-capture is done here, explicitly, so it does not depend on the account's capture setting.
 */
export function createRazorpayGateway(options: {
  keyId: string;
  keySecret: string;
  apiUrl: string;
  timeoutMs?: number;
}): PaymentGateway {
  const sdk = new Razorpay({ key_id: options.keyId, key_secret: options.keySecret });
  const api = (sdk as unknown as { api: { rq: { defaults: { baseURL: string; timeout: number } } } }).api;
  api.rq.defaults.baseURL = options.apiUrl.replace(/\/+$/, '');
  api.rq.defaults.timeout = options.timeoutMs ?? 10_000;

  const call = async <T>(work: () => Promise<unknown>): Promise<T> => {
    try {
      return (await work()) as T;
    } catch (err) {
      throw gatewayError(err);
    }
  };

  const fetchPayment = async (paymentId: string): Promise<GatewayPayment> =>
    toGatewayPayment(await call<Json>(() => sdk.payments.fetch(paymentId)));

  const capturePayment = async (paymentId: string, amount: number, currency: string): Promise<GatewayPayment> => {
    try {
      return toGatewayPayment((await sdk.payments.capture(paymentId, amount, currency)) as unknown as Json);
    } catch (err) {
      if (alreadyCaptured(err)) return fetchPayment(paymentId);
      throw gatewayError(err);
    }
  };

  const fetchPaymentLink = async (linkId: string): Promise<GatewayPaymentLink> =>
    toGatewayPaymentLink(await call<Json>(() => sdk.paymentLink.fetch(linkId)));

  /** The link made earlier for this reference id (`GET /v1/payment_links?reference_id=`), if any. */
  const findPaymentLink = async (referenceId: string): Promise<GatewayPaymentLink | null> => {
    const found = await call<{ payment_links: Json[] }>(() =>
      sdk.paymentLink.all({ reference_id: referenceId } as never),
    );
    const link = found.payment_links.find((l) => l['reference_id'] === referenceId);
    return link === undefined ? null : toGatewayPaymentLink(link);
  };

  return {
    async ensureCustomer(input: CreateCustomerInput): Promise<string> {
      const customer = await call<Json>(() =>
        sdk.customers.create({
          name: input.name,
          email: input.email,
          contact: input.contact,
          fail_existing: '0',
          notes: { kosh_customer_id: input.koshCustomerId },
        } as never),
      );
      return String(customer['id']);
    },

    async fetchToken(customerId: string, tokenId: string): Promise<GatewayToken | null> {
      try {
        return toGatewayToken(customerId, (await sdk.customers.fetchToken(customerId, tokenId)) as unknown as Json);
      } catch (err) {
        const e = gatewayError(err);
        if (e.kind === 'provider') return null;
        throw e;
      }
    },

    /** `DELETE /v1/customers/:id/tokens/:token_id` (https://razorpay.com/docs/api/recurring-payments/upi/tokens/). */
    async deleteToken(customerId: string, tokenId: string): Promise<void> {
      try {
        await sdk.customers.deleteToken(customerId, tokenId);
      } catch (err) {
        const e = gatewayError(err);
        if (e.kind !== 'provider') throw e;
        // Already gone (a 400 "does not exist"): deleted is what was asked.
      }
    },

    /**
     * The authorisation order (method upi, customer_id, token terms; receipt = the kosh method id) and its payment by
     * UPI intent: collect is deprecated for new UPI AutoPay registrations from 28 Feb 2026
     * (https://razorpay.com/docs/api/payments/recurring-payments/upi/create-authorization-transaction/). A retry finds
     * the order by receipt and the payment by notes.kosh_id instead of making a second.
     */
    async registerUpiMandate(input: UpiMandateInput): Promise<UpiMandateRegistration> {
      const existingOrder = await call<{ items: Json[] }>(() =>
        sdk.orders.all({ receipt: input.idempotencyKey, count: 1 }),
      );
      const order =
        existingOrder.items.find((o) => o['receipt'] === input.idempotencyKey) ??
        (await call<Json>(() =>
          sdk.orders.create({
            amount: input.amount,
            currency: input.currency,
            method: 'upi',
            customer_id: input.customerId,
            receipt: input.idempotencyKey,
            notes: { kosh_id: input.idempotencyKey },
            token: {
              max_amount: input.maxAmount,
              frequency: input.frequency,
              ...(input.expireAt === null ? {} : { expire_at: input.expireAt }),
            },
          } as never),
        ));
      const orderId = String(order['id']);
      const previous = await call<{ items: Json[] }>(() => sdk.orders.fetchPayments(orderId));
      const earlier = previous.items.find((p) => toGatewayPayment(p).notes['kosh_id'] === input.idempotencyKey);
      let paymentId: string;
      let link: string | null = null;
      if (earlier !== undefined) paymentId = String(earlier['id']);
      else {
        const answer = await call<Json>(() =>
          sdk.payments.createUpi({
            amount: input.amount,
            currency: input.currency,
            order_id: orderId,
            email: input.email,
            contact: input.contact,
            method: 'upi',
            customer_id: input.customerId,
            recurring: 1,
            ip: input.payer.ip,
            referer: input.payer.referer,
            user_agent: input.payer.userAgent,
            notes: { kosh_id: input.idempotencyKey },
            upi: { flow: 'intent' },
          } as never),
        );
        paymentId = String(answer['razorpay_payment_id']);
        link = typeof answer['link'] === 'string' ? answer['link'] : null;
      }
      const payment = await call<Json>(() => sdk.payments.fetch(paymentId));
      const tokenId = typeof payment['token_id'] === 'string' ? payment['token_id'] : null;
      return { orderId, paymentId, tokenId, link };
    },

    /**
     * `subscriptions.createRegistrationLink` → `POST /v1/subscription_registration/auth_links` with method
     * `emandate` (or paper `nach`, auth_type `physical`) and a ₹0 authorisation (razorpay-node documents/emandate.md,
     * papernach.md, https://razorpay.com/docs/api/payments/recurring-payments/emandate/create-authorization-transaction/). Razorpay's own SMS and email are off: kosh hands
     * the link to the parent. A retry finds the link by its receipt (`GET /v1/invoices?receipt=`) instead of making a
     * second.
     */
    async createRegistrationLink(input: RegistrationLinkInput): Promise<GatewayRegistrationLink> {
      const existing = await call<{ items: Json[] }>(() => sdk.invoices.all({ receipt: input.receipt } as never));
      const found = existing.items.find((i) => i['receipt'] === input.receipt);
      if (found !== undefined) return toGatewayRegistrationLink(found);
      return toGatewayRegistrationLink(
        await call<Json>(() =>
          sdk.subscriptions.createRegistrationLink({
            customer: { name: input.customer.name, email: input.customer.email, contact: input.customer.contact },
            type: 'link',
            amount: 0,
            currency: 'INR',
            description: input.description,
            subscription_registration: {
              method: input.method,
              auth_type: input.authType,
              max_amount: input.maxAmount,
              ...(input.expireAt === null ? {} : { expire_at: input.expireAt }),
              bank_account: {
                beneficiary_name: input.bankAccount.beneficiaryName,
                account_number: input.bankAccount.accountNumber,
                account_type: input.bankAccount.accountType,
                ifsc_code: input.bankAccount.ifscCode,
              },
            },
            receipt: input.receipt,
            sms_notify: false,
            email_notify: false,
            ...(input.expireBy === null ? {} : { expire_by: input.expireBy }),
            notes: { kosh_id: input.receipt },
          } as never),
        ),
      );
    },

    async fetchRegistrationLink(invoiceId: string): Promise<GatewayRegistrationLink> {
      return toGatewayRegistrationLink(await call<Json>(() => sdk.invoices.fetch(invoiceId)));
    },

    async createOrder(input: CreateOrderInput): Promise<GatewayOrder> {
      return toGatewayOrder(
        await call<Json>(() =>
          sdk.orders.create({
            amount: input.amount,
            currency: input.currency,
            receipt: input.receipt,
            notes: { ...input.notes },
          }),
        ),
      );
    },

    async findOrderByReceipt(receipt: string): Promise<GatewayOrder | null> {
      const existing = await call<{ items: Json[] }>(() => sdk.orders.all({ receipt, count: 1 }));
      const found = existing.items.find((o) => o['receipt'] === receipt);
      return found === undefined ? null : toGatewayOrder(found);
    },

    async fetchOrder(orderId: string): Promise<GatewayOrder> {
      return toGatewayOrder(await call<Json>(() => sdk.orders.fetch(orderId)));
    },

    async createPayment(input: CreatePaymentInput): Promise<GatewayPayment> {
      const params = {
        amount: input.amount,
        currency: input.currency,
        order_id: input.orderId,
        email: input.email,
        contact: input.contact,
        notes: { kosh_id: input.idempotencyKey },
      };
      let payment: GatewayPayment;
      try {
        const answer = (await sdk.payments.createRecurringPayment({
          ...params,
          customer_id: input.instrument.customerId,
          token: input.instrument.token,
          recurring: '1',
        } as never)) as unknown as Json;
        payment = await fetchPayment(String(answer['razorpay_payment_id']));
      } catch (err) {
        const failedId = failedPaymentId(err);
        if (failedId === null) throw err instanceof AppError ? err : gatewayError(err);
        return fetchPayment(failedId);
      }
      if (input.capture === 'auto' && payment.status === 'authorized') {
        return capturePayment(payment.id, payment.amount, payment.currency);
      }
      return payment;
    },

    /**
     * `POST /v1/payments/create/upi` with `upi: {flow: "intent", expiry_time}` (https://razorpay.com/docs/payments/
     * payment-gateway/s2s-integration/json/v2/build-integration/upi/intent): answers the payment id and the intent
     * `link` while the payment is `created`; the customer completes it in their UPI app, and the outcome comes by
     * webhook or by polling. One-time UPI collect is not offered: NPCI deprecated it from 28 Feb 2026
     * (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/json/v2/build-integration/upi/collect).
     */
    async createUpiIntent(input: UpiIntentInput): Promise<UpiIntent> {
      const answer = await call<Json>(() =>
        sdk.payments.createUpi({
          amount: input.amount,
          currency: input.currency,
          order_id: input.orderId,
          email: input.email,
          contact: input.contact,
          method: 'upi',
          customer_id: input.customerId,
          ip: input.payer.ip,
          referer: input.payer.referer,
          user_agent: input.payer.userAgent,
          notes: { kosh_id: input.idempotencyKey },
          upi: { flow: 'intent', expiry_time: input.expiryMinutes },
        }),
      );
      const link = answer['link'];
      if (typeof link !== 'string' || link === '') throw gatewayError({ statusCode: 502 });
      return { paymentId: String(answer['razorpay_payment_id']), link };
    },

    async findPayment(orderId: string, idempotencyKey: string): Promise<GatewayPayment | null> {
      const previous = await call<{ items: Json[] }>(() => sdk.orders.fetchPayments(orderId));
      return previous.items.map(toGatewayPayment).find((p) => p.notes['kosh_id'] === idempotencyKey) ?? null;
    },

    fetchPayment,
    capturePayment,

    async createRefund(input: CreateRefundInput): Promise<GatewayRefund> {
      return toGatewayRefund(
        await call<Json>(() =>
          sdk.payments.refund(input.paymentId, {
            amount: input.amount,
            receipt: input.receipt,
            notes: { ...input.notes },
          } as never),
        ),
      );
    },

    async findRefundByReceipt(paymentId: string, receipt: string): Promise<GatewayRefund | null> {
      const previous = await call<{ items: Json[] }>(() => sdk.payments.fetchMultipleRefund(paymentId, { count: 100 }));
      const found = previous.items.find((r) => r['receipt'] === receipt);
      return found === undefined ? null : toGatewayRefund(found);
    },

    async fetchRefund(paymentId: string, refundId: string): Promise<GatewayRefund> {
      return toGatewayRefund(await call<Json>(() => sdk.payments.fetchRefund(paymentId, refundId)));
    },

    async fetchSettlementReport(period): Promise<GatewaySettlementEntry[]> {
      const entries: GatewaySettlementEntry[] = [];
      const count = 1000;
      for (let skip = 0; ; skip += count) {
        const page = await call<{ items: Json[] }>(() => sdk.settlements.reports({ ...period, count, skip } as never));
        entries.push(...page.items.map(toGatewaySettlementEntry));
        if (page.items.length < count) return entries;
      }
    },

    async fetchSettlement(settlementId: string): Promise<GatewaySettlement> {
      return toGatewaySettlement(await call<Json>(() => sdk.settlements.fetch(settlementId)));
    },

    async createPaymentLink(input: CreatePaymentLinkInput): Promise<GatewayPaymentLink> {
      const customer: Record<string, string> = { name: input.customer.name };
      if (input.customer.email !== null) customer['email'] = input.customer.email;
      if (input.customer.contact !== null) customer['contact'] = input.customer.contact;
      try {
        return toGatewayPaymentLink(
          (await sdk.paymentLink.create({
            amount: input.amount,
            currency: input.currency,
            accept_partial: false,
            reference_id: input.referenceId,
            description: input.description,
            customer,
            // kosh sends its own emails (the dunning email carries the link); Razorpay's would be a second notice.
            notify: { sms: false, email: false },
            reminder_enable: false,
            notes: { kosh_id: input.referenceId, ...input.notes },
            ...(input.expireBy === null ? {} : { expire_by: Math.floor(input.expireBy.getTime() / 1000) }),
          } as never)) as unknown as Json,
        );
      } catch (err) {
        // A retry after a lost answer: Razorpay refuses the reference id it already holds; that link is the answer.
        // (Any refusal is checked this way: the wording of the duplicate refusal is not documented.)
        const e = gatewayError(err);
        if (e.kind === 'provider') {
          const first = await findPaymentLink(input.referenceId);
          if (first !== null) return first;
        }
        throw e;
      }
    },

    fetchPaymentLink,

    async cancelPaymentLink(linkId: string): Promise<GatewayPaymentLink> {
      try {
        return toGatewayPaymentLink((await sdk.paymentLink.cancel(linkId)) as unknown as Json);
      } catch (err) {
        const e = gatewayError(err);
        if (e.kind !== 'provider') throw e;
        const link = await fetchPaymentLink(linkId);
        if (link.status === 'created') throw e;
        return link;
      }
    },

    async acceptDispute(disputeId: string): Promise<GatewayDispute> {
      try {
        return toGatewayDispute(await call<Json>(() => sdk.disputes.accept(disputeId)));
      } catch (err) {
        // A retry after a lost answer: the dispute is already lost by our acceptance, which is the answer.
        const e = gatewayError(err);
        if (e.kind !== 'provider') throw e;
        const dispute = toGatewayDispute(await call<Json>(() => sdk.disputes.fetch(disputeId)));
        if (dispute.status !== 'lost') throw e;
        return dispute;
      }
    },

    async contestDispute(disputeId: string, input): Promise<GatewayDispute> {
      return toGatewayDispute(
        await call<Json>(() =>
          sdk.disputes.contest(disputeId, {
            action: 'submit',
            summary: input.summary,
            ...(input.amount === undefined ? {} : { amount: input.amount }),
          } as never),
        ),
      );
    },
  };
}
