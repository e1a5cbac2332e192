import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { type FieldError, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { ensureGatewayCustomer, gatewayName } from '../customers/ensure-gateway-customer.js';
import { CUSTOMER_FOR_UPDATE, GATEWAY_CUSTOMER_OF } from '../customers/repository.js';
import type { PaymentGateway } from '../gateway/port.js';
import { clockOfCustomer } from '../test-clocks/clock-of-customer.js';
import { INSERT_PENDING_EMANDATE, PAYMENT_METHOD_BY_ID, SET_REGISTRATION_LINK, SOFT_DELETE } from './repository.js';
import { EMANDATE_AUTH_TYPES, type EmandateAuthType, type PaymentMethod } from './types.js';

export interface EmandateInput {
  /** `emandate` (default): authorised online at the bank; `nach`: paper NACH, a signed form (auth_type `physical`). */
  readonly method?: 'emandate' | 'nach' | undefined;
  readonly auth_type: EmandateAuthType;
  /** The most one debit on the mandate may take, in paise (Razorpay: ₹5–₹99,999). */
  readonly max_amount: number;
  readonly bank_account: {
    readonly beneficiary_name: string;
    /** Sent to the gateway only: kosh keeps its last 4 digits. */
    readonly account_number: string;
    readonly account_type: 'savings' | 'current';
    readonly ifsc_code: string;
  };
  /** When the mandate ends; the gateway's default (10 years) when absent. */
  readonly expire_at?: Date | undefined;
}

/**
 * subscription_registration.max_amount: "The value can range from 500 - 9999900" (the razorpay SDK's
 * `Subscriptions.RazorpaySubscriptionRegistrationBaseRequestBody`; the e-mandate order token allows more, the
 * registration link this narrower range — see payments-core/gateway/simulator/registration-links.ts).
 */
const MAX_AMOUNT_RANGE = [500, 9_999_900] as const;
/** An IFSC: four letters of the bank, `0`, six characters of the branch (https://razorpay.com/docs/api/payments/ifsc/). */
const IFSC = /^[A-Z]{4}0[A-Z0-9]{6}$/;
/** How long the parent has to open the link and authorise the mandate. */
const LINK_LIFE_MS = 7 * 24 * 3_600_000;

function checkInput(input: EmandateInput, now: Date): void {
  const fields: FieldError[] = [];
  const [min, max] = MAX_AMOUNT_RANGE;
  if (!(EMANDATE_AUTH_TYPES as readonly string[]).includes(input.auth_type)) {
    fields.push({ field: '/auth_type', code: 'invalid', message: EMANDATE_AUTH_TYPES.join(' | ') });
  } else if ((input.method === 'nach') !== (input.auth_type === 'physical')) {
    // Paper NACH is signed on paper (`physical`); an e-mandate is authorised online (razorpay-node papernach.md).
    fields.push({
      field: '/auth_type',
      code: 'auth_type_mismatch',
      message: 'physical for method nach; netbanking, debitcard or aadhaar for an e-mandate',
    });
  }
  if (!Number.isSafeInteger(input.max_amount) || input.max_amount < min || input.max_amount > max) {
    fields.push({ field: '/max_amount', code: 'out_of_range', message: `paise from ${min} to ${max}` });
  }
  if (!IFSC.test(input.bank_account.ifsc_code)) {
    fields.push({
      field: '/bank_account/ifsc_code',
      code: 'invalid_ifsc',
      message: 'an 11-character IFSC, e.g. HDFC0001233',
    });
  }
  if (!/^[0-9]{9,18}$/.test(input.bank_account.account_number)) {
    fields.push({ field: '/bank_account/account_number', code: 'invalid', message: '9 to 18 digits' });
  }
  if (input.expire_at !== undefined && input.expire_at.getTime() <= now.getTime()) {
    fields.push({ field: '/expire_at', code: 'in_the_past', message: 'the mandate must end in the future' });
  }
  if (fields.length > 0) throw invalid('invalid_emandate', 'the e-mandate is not valid', fields);
}

/**
 * Starts an e-mandate for a customer through a Razorpay registration link: the method is saved `pending` (never
 * charged, never the default) with the account's last 4 digits and IFSC, then the link is made at the gateway, keyed by
 * the method id. The answer carries the link's `short_url`, which the parent opens to authorise the mandate at their
 * bank; the ₹0 authorisation payment names the token, `token.confirmed` (once the bank has verified the mandate, T+1
 * or later) makes the method active, `token.rejected` marks it rejected, and a link that expires unused
 * (`invoice.expired`) leaves it `expired` (apply-gateway-token.ts).
 */
export async function registerEmandate(
  deps: { db: Db; clock: Clock; gateway: PaymentGateway },
  customerId: string,
  input: EmandateInput,
): Promise<PaymentMethod> {
  const customer = await deps.db.one<{ name: string; email: string; phone: string }>(GATEWAY_CUSTOMER_OF, {
    id: customerId,
  });
  if (customer === undefined) throw notFound('customer', customerId);
  // "customer: name, email, contact — mandatory" on a registration link: Razorpay would refuse it, so it is not sent.
  if (!customer.email || !customer.phone) {
    throw invalid(
      'customer_contact_required',
      `customer ${customerId} has no email or phone, which Razorpay needs for a payment or a mandate registration`,
      [
        {
          field: '/id',
          code: 'customer_contact_required',
          message: `the customer needs an email and a phone: PATCH /v1/customers/${customerId}`,
        },
      ],
    );
  }
  const at = (await clockOfCustomer(deps, customerId)).now();
  checkInput(input, at);
  await ensureGatewayCustomer(deps, customerId);
  const id = newId('pm');
  const account = input.bank_account;
  await deps.db.transaction(async (tx) => {
    if ((await tx.one(CUSTOMER_FOR_UPDATE, { id: customerId })) === undefined) throw notFound('customer', customerId);
    await tx.run(INSERT_PENDING_EMANDATE, {
      id,
      customer_id: customerId,
      bank: account.ifsc_code.slice(0, 4),
      max_amount: input.max_amount,
      expires_at: input.expire_at ?? null,
      auth_type: input.auth_type,
      account_last4: account.account_number.slice(-4),
      ifsc: account.ifsc_code,
      at,
    });
  });
  const expireBy = new Date(at.getTime() + LINK_LIFE_MS);
  // A registration the gateway refused or never answered leaves no method behind (the parent never got its link).
  const link = await deps.gateway
    .createRegistrationLink({
      receipt: id,
      customer: { name: gatewayName(customer.name, customerId), email: customer.email, contact: customer.phone },
      description: input.method === 'nach' ? 'School meals NACH mandate' : 'School meals e-mandate',
      method: input.method ?? 'emandate',
      authType: input.auth_type,
      maxAmount: input.max_amount,
      expireAt: input.expire_at === undefined ? null : Math.floor(input.expire_at.getTime() / 1000),
      expireBy: Math.floor(expireBy.getTime() / 1000),
      bankAccount: {
        beneficiaryName: account.beneficiary_name,
        accountNumber: account.account_number,
        accountType: account.account_type,
        ifscCode: account.ifsc_code,
      },
    })
    .catch(async (err: unknown) => {
      await deps.db.run(SOFT_DELETE, { id, at: deps.clock.now() });
      throw err;
    });
  await deps.db.run(SET_REGISTRATION_LINK, {
    id,
    registration_id: link.id,
    url: link.shortUrl,
    nach_form_url: link.nachFormUrl,
    expires_at: link.expireBy === null ? null : new Date(link.expireBy * 1000),
    at: deps.clock.now(),
  });
  const method = await deps.db.one<PaymentMethod>(PAYMENT_METHOD_BY_ID, { id, customer_id: customerId });
  if (method === undefined) throw new Error('payment method vanished after insert');
  return method;
}
