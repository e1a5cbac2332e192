import { isIP } from 'node:net';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { type FieldError, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { ensureGatewayCustomer } from '../customers/ensure-gateway-customer.js';
import { CUSTOMER_FOR_UPDATE, GATEWAY_CUSTOMER_OF } from '../customers/repository.js';
import type { PaymentGateway } from '../gateway/port.js';
import { clockOfCustomer } from '../test-clocks/clock-of-customer.js';
import { INSERT_PENDING_MANDATE, PAYMENT_METHOD_BY_ID, SET_REGISTRATION, SOFT_DELETE } from './repository.js';
import type { MandateFrequency, PaymentMethod } from './types.js';

export interface UpiAutopayInput {
  /** The most one debit on the mandate may take, in paise (Razorpay: ₹1–₹15,000). */
  readonly max_amount: number;
  readonly frequency: MandateFrequency;
  /** When the mandate ends; the gateway's default (10 years) when absent. */
  readonly expire_at?: Date | undefined;
  /** The payer's browser: Razorpay takes an S2S UPI payment only with it. */
  readonly ip: string;
  readonly referer: string;
  readonly user_agent: string;
}

/**
 * token.max_amount "The minimum value is 100 (₹1), and the maximum value is 1500000 (₹15,000)" (the razorpay SDK's
 * token of a UPI authorisation order; https://razorpay.com/docs/payments/recurring-payments/upi/faqs/).
 */
const MAX_AMOUNT_RANGE = [100, 1_500_000] as const;
/**
 * The authorisation payment's amount (₹1): the customer approves the mandate by paying it in their UPI app. Orders
 * are at least ₹1 (https://razorpay.com/docs/api/orders/create/).
 */
const AUTHORISATION_AMOUNT = 100;

function checkInput(input: UpiAutopayInput, now: Date): void {
  const fields: FieldError[] = [];
  const [min, max] = MAX_AMOUNT_RANGE;
  if (!Number.isSafeInteger(input.max_amount) || input.max_amount < min || input.max_amount > max) {
    fields.push({ field: '/max_amount', code: 'out_of_range', message: `paise from ${min} to ${max}` });
  }
  if (input.expire_at !== undefined && input.expire_at.getTime() <= now.getTime()) {
    fields.push({ field: '/expire_at', code: 'in_the_past', message: 'the mandate must end in the future' });
  }
  if (isIP(input.ip) === 0) fields.push({ field: '/ip', code: 'invalid_ip', message: "the payer's IP address" });
  if (fields.length > 0) throw invalid('invalid_upi_autopay', 'the UPI AutoPay mandate is not valid', fields);
}

/**
 * Starts a UPI AutoPay mandate for a customer: the method is saved `pending` (never charged, never the default), then
 * the gateway's authorisation order and intent payment are made, keyed by the method id. The answer carries the
 * `upi://mandate` link the parent opens in their UPI app; `token.confirmed` then makes the method active
 * (apply-gateway-token.ts), `token.rejected` marks it rejected.
 */
export async function registerUpiAutopay(
  deps: { db: Db; clock: Clock; gateway: PaymentGateway },
  customerId: string,
  input: UpiAutopayInput,
): Promise<{ method: PaymentMethod; intent_url: string | null }> {
  const customer = await deps.db.one<{ email: string; phone: string }>(GATEWAY_CUSTOMER_OF, { id: customerId });
  if (customer === undefined) throw notFound('customer', customerId);
  const at = (await clockOfCustomer(deps, customerId)).now();
  checkInput(input, at);
  const gatewayCustomerId = await ensureGatewayCustomer(deps, customerId);
  const id = newId('pm');
  await deps.db.transaction(async (tx) => {
    if ((await tx.one(CUSTOMER_FOR_UPDATE, { id: customerId })) === undefined) throw notFound('customer', customerId);
    await tx.run(INSERT_PENDING_MANDATE, {
      id,
      customer_id: customerId,
      max_amount: input.max_amount,
      frequency: input.frequency,
      expires_at: input.expire_at ?? null,
      at,
    });
  });
  // A registration the gateway refused or never answered leaves no method behind (the parent never got its link).
  const registration = await deps.gateway
    .registerUpiMandate({
      customerId: gatewayCustomerId,
      idempotencyKey: id,
      amount: AUTHORISATION_AMOUNT,
      currency: 'INR',
      maxAmount: input.max_amount,
      frequency: input.frequency,
      expireAt: input.expire_at === undefined ? null : Math.floor(input.expire_at.getTime() / 1000),
      email: customer.email,
      contact: customer.phone,
      payer: { ip: input.ip, referer: input.referer, userAgent: input.user_agent },
    })
    .catch(async (err: unknown) => {
      await deps.db.run(SOFT_DELETE, { id, at: deps.clock.now() });
      throw err;
    });
  await deps.db.run(SET_REGISTRATION, {
    id,
    gateway_token: registration.tokenId,
    registration_id: registration.paymentId,
    at: deps.clock.now(),
  });
  const method = await deps.db.one<PaymentMethod>(PAYMENT_METHOD_BY_ID, { id, customer_id: customerId });
  if (method === undefined) throw new Error('payment method vanished after insert');
  return { method, intent_url: registration.link };
}
