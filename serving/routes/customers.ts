import { Type } from '@sinclair/typebox';
import { createCustomer } from '../../payments-core/customers/create-customer.js';
import { ensureGatewayCustomer } from '../../payments-core/customers/ensure-gateway-customer.js';
import { eraseCustomer } from '../../payments-core/customers/erase-customer.js';
import { exportCustomer } from '../../payments-core/customers/export-customer.js';
import { getCustomer, listCustomers } from '../../payments-core/customers/find-customers.js';
import { updateCustomer } from '../../payments-core/customers/update-customer.js';
import {
  createPaymentMethod,
  deletePaymentMethod,
  listPaymentMethods,
  updatePaymentMethod,
} from '../../payments-core/payment-methods/manage-payment-methods.js';
import { registerEmandate } from '../../payments-core/payment-methods/register-emandate.js';
import { registerUpiAutopay } from '../../payments-core/payment-methods/register-upi-autopay.js';
import type { App, AppDeps } from '../app.js';
import { tagged } from '../etag.js';
import {
  CustomerSchema,
  Id,
  IfMatchHeaders,
  Nullable,
  PageQuery,
  PaymentMethodSchema,
  PRECONDITION_FAILED,
  pageOf,
  responses,
  Timestamp,
} from '../schemas.js';

/** A billing address; `state_code` is the two-digit GST state code (29 = Karnataka). */
export const BillingAddressBody = Type.Object(
  {
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    line2: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    state_code: Type.String({ pattern: '^[0-9]{2}$', description: 'GST state code, e.g. 29 for Karnataka' }),
    postal_code: Type.String({ pattern: '^[1-9][0-9]{5}$', description: 'six-digit PIN code' }),
  },
  { additionalProperties: false },
);
export const BillingAddressOut = Type.Object({
  line1: Type.String(),
  line2: Nullable(Type.String()),
  city: Type.String(),
  state_code: Type.String(),
  postal_code: Type.String(),
});
export const CustomerOut = Type.Composite([
  CustomerSchema,
  Type.Object({ billing_address: Nullable(BillingAddressOut) }),
]);

const CustomerParams = Type.Object({ id: Id('cus') });
const MethodParams = Type.Object({ id: Id('cus'), method_id: Id('pm') });

export function customerRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/customers',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'createCustomer',
        summary: 'Create a customer',
        tags: ['customers'],
        body: Type.Object(
          {
            school_id: Id('sch'),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            email: Type.String({ format: 'email', maxLength: 254 }),
            phone: Type.String({ pattern: '^\\+91[6-9][0-9]{9}$', description: 'Indian mobile number, +91XXXXXXXXXX' }),
            state_code: Type.String({ pattern: '^[A-Z]{2}$' }),
            gstin: Type.Optional(
              Type.String({
                minLength: 15,
                maxLength: 15,
                description:
                  "A registered recipient's GSTIN (needs billing_address): their invoices carry it, with the place of supply of its state, and go to GSTR-1's B2B section",
              }),
            ),
            billing_address: Type.Optional(BillingAddressBody),
            test_clock: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 64,
                description:
                  'A test clock to create the customer on (`KOSH_TEST_CLOCKS`): all of theirs lives on its time',
              }),
            ),
          },
          {
            additionalProperties: false,
            examples: [
              {
                school_id: 'sch_Q7mX2kT9wR4p',
                name: 'Asha Rao',
                email: 'asha.rao@example.in',
                phone: '+919876543210',
                state_code: 'KA',
              },
            ],
          },
        ),
        response: responses({ 201: CustomerOut }),
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          tagged(reply, await createCustomer({ ...deps, testClocks: deps.config.testClocks === true }, request.body)),
        ),
  );
  app.patch(
    '/customers/:id',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'updateCustomer',
        summary: 'Update a customer',
        tags: ['customers'],
        params: CustomerParams,
        headers: IfMatchHeaders,
        body: Type.Object(
          { billing_address: Nullable(BillingAddressBody) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: responses({ 200: CustomerOut }, PRECONDITION_FAILED),
      },
    },
    async (request, reply) =>
      tagged(reply, await updateCustomer(deps, request.params.id, request.body, request.headers['if-match'])),
  );
  const Records = Type.Array(Type.Record(Type.String(), Type.Unknown()));
  app.get(
    '/customers/:id/export',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'exportCustomer',
        summary: "Export a customer's data",
        description:
          'Everything kosh holds about the customer (GDPR Art. 15/20, DPDP Act 2023): profile, billing address, payment methods (display data, never tokens), orders, payments, refunds, subscriptions, invoices and credit notes, emails sent.',
        tags: ['customers'],
        params: CustomerParams,
        response: responses({
          200: Type.Object({
            object: Type.Literal('customer_export'),
            exported_at: Timestamp,
            customer: CustomerOut,
            payment_methods: Records,
            orders: Records,
            payments: Records,
            refunds: Records,
            subscriptions: Records,
            invoices: Records,
            emails: Records,
          }),
        }),
      },
    },
    async (request) => exportCustomer(deps, request.params.id),
  );
  app.post(
    '/customers/:id/erase',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'eraseCustomer',
        summary: "Erase a customer's personal data",
        description:
          'Removes the personal data (name, email, phone, notes, address, payment method display data, payer device data, email addresses and bodies) and keeps, pseudonymised as "erased customer <id>", what the law requires: GST invoices and credit notes (CGST Act s. 36, Rule 56(16): 72 months from the due date of the annual return) and the ledger. Idempotent. Then the customer\'s saved cards and UPI mandates are deleted at Razorpay (`gateway_tokens`; a mandate is cancelled); the customer record at Razorpay is not deleted by kosh.',
        tags: ['customers'],
        params: CustomerParams,
        response: responses(
          {
            200: Type.Object({
              object: Type.Literal('customer_erasure'),
              customer_id: Type.String(),
              pseudonym: Type.String(),
              erased_at: Timestamp,
              erased: Type.Record(Type.String(), Type.Integer()),
              kept: Type.Array(Type.String()),
              gateway_tokens: Type.Optional(
                Type.Object(
                  { deleted: Type.Integer(), pending: Type.Integer() },
                  {
                    description:
                      'the customer’s saved cards and UPI mandates deleted at Razorpay in this call; pending ones were not answered for: erase again',
                  },
                ),
              ),
            }),
          },
          {
            409: 'A subscription is live, a dunning case is open or money is in flight (`customer_erasure_blocked`, with `blockers`)',
          },
        ),
      },
    },
    async (request) => eraseCustomer(deps, request.params.id),
  );
  app.get(
    '/customers',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listCustomers',
        summary: 'List customers',
        tags: ['customers'],
        querystring: Type.Object({ ...PageQuery, school_id: Type.Optional(Id('sch')) }),
        response: responses({ 200: pageOf(CustomerOut) }),
      },
    },
    async (request) => listCustomers(deps, request.query),
  );
  app.get(
    '/customers/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getCustomer',
        summary: 'Retrieve a customer',
        tags: ['customers'],
        params: CustomerParams,
        response: responses({ 200: CustomerOut }),
      },
    },
    async (request, reply) => tagged(reply, await getCustomer(deps, request.params.id)),
  );

  app.post(
    '/customers/:id/gateway-customer',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'createGatewayCustomer',
        tags: ['payment methods'],
        summary: "The customer's Razorpay customer, made when first needed",
        description:
          'Open the Razorpay checkout with this `customer_id` and `save: 1` to save a card: the token it leaves belongs to this customer, and `POST /customers/:id/payment-methods` accepts only such tokens. Calling again returns the same id.',
        params: CustomerParams,
        response: responses({
          200: Type.Object({
            object: Type.Literal('gateway_customer'),
            customer_id: Type.String(),
            gateway_customer_id: Type.String(),
          }),
        }),
      },
    },
    async (request) => ({
      object: 'gateway_customer' as const,
      customer_id: request.params.id,
      gateway_customer_id: await ensureGatewayCustomer(deps, request.params.id),
    }),
  );

  app.post(
    '/customers/:id/payment-methods',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'createPaymentMethod',
        summary: 'Attach a payment method to a customer',
        tags: ['payment methods'],
        params: CustomerParams,
        body: Type.Object(
          {
            type: Type.Union([
              Type.Literal('card'),
              Type.Literal('upi'),
              Type.Literal('netbanking'),
              Type.Literal('wallet'),
            ]),
            gateway_token: Type.String({
              minLength: 3,
              maxLength: 100,
              description: "The gateway's token; never a card number",
            }),
            card_network: Type.Optional(Type.String({ maxLength: 30 })),
            card_last4: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
            card_exp_month: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
            card_exp_year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })),
            upi_vpa: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9._-]{2,256}@[a-zA-Z]{2,64}$' })),
            bank: Type.Optional(Type.String({ maxLength: 60 })),
            wallet: Type.Optional(Type.String({ maxLength: 60 })),
            mandate_type: Type.Optional(
              Type.Union([Type.Literal('upi_autopay'), Type.Literal('emandate')], {
                description:
                  'A recurring-debit mandate behind the token; kosh then sends a pre-debit notice ≥ 24 h before each debit it initiates',
              }),
            ),
            is_default: Type.Optional(Type.Boolean()),
          },
          {
            additionalProperties: false,
            examples: [
              {
                type: 'card',
                gateway_token: 'token_Q7mX2kT9wR4pAb',
                card_network: 'Visa',
                card_last4: '1111',
                card_exp_month: 12,
                card_exp_year: 2029,
                is_default: true,
              },
            ],
          },
        ),
        response: responses({ 201: PaymentMethodSchema }),
      },
    },
    async (request, reply) => reply.code(201).send(await createPaymentMethod(deps, request.params.id, request.body)),
  );
  app.post(
    '/customers/:id/payment-methods/upi-autopay',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'registerUpiAutopay',
        summary: 'Register a UPI AutoPay mandate',
        tags: ['payment methods'],
        description:
          "Creates the Razorpay mandate registration (an authorisation order and a UPI intent payment of ₹1) and saves a `pending` method. Open `intent_url` (a `upi://mandate` link) on the parent's phone; when they approve in their UPI app, `token.confirmed` makes the method `active` (the default if they have none); `token.rejected` marks it `rejected`. A pending method is never charged.",
        params: CustomerParams,
        body: Type.Object(
          {
            max_amount: Type.Integer({
              minimum: 100,
              maximum: 1_500_000,
              description: 'paise: the most one debit may take',
            }),
            frequency: Type.Union([Type.Literal('as_presented'), Type.Literal('monthly')]),
            expire_at: Type.Optional(
              Type.String({ format: 'date-time', description: 'when the mandate ends; default 10 years' }),
            ),
            ip: Type.String({ minLength: 2, maxLength: 45, description: "the payer's IP address" }),
            referer: Type.String({ minLength: 1, maxLength: 2000 }),
            user_agent: Type.String({ minLength: 1, maxLength: 1000 }),
          },
          { additionalProperties: false },
        ),
        response: responses({
          201: Type.Composite([PaymentMethodSchema, Type.Object({ intent_url: Nullable(Type.String()) })]),
        }),
      },
    },
    async (request, reply) => {
      const { expire_at, ...rest } = request.body;
      const { method, intent_url } = await registerUpiAutopay(deps, request.params.id, {
        ...rest,
        ...(expire_at === undefined ? {} : { expire_at: new Date(expire_at) }),
      });
      return reply.code(201).send({ ...method, intent_url });
    },
  );
  app.post(
    '/customers/:id/payment-methods/emandate',
    {
      // The bank account number is sent to the gateway, never stored; the card guard would refuse the ~1 in 10
      // account numbers of 13+ digits that happen to pass Luhn. Every other field is tightly patterned.
      config: { scope: 'payments:write', cardGuard: false },
      schema: {
        operationId: 'registerEmandate',
        summary: 'Register an e-mandate (a registration link)',
        tags: ['payment methods'],
        description:
          "Creates a Razorpay registration link for an e-mandate on the parent's bank account and saves a `pending` method (type `netbanking`, mandate_type `emandate`) with the link (`registration_url`) and when it expires. The parent opens the link and authorises the mandate at their bank (net banking, debit card or Aadhaar); once the bank has verified it (T+1 or later) `token.confirmed` makes the method `active` (the default if they have none), `token.rejected` marks it `rejected`; a link that expires unused leaves it `expired`. Only the account's last 4 digits and IFSC are kept. A pending method is never charged; kosh emails its own pre-debit notice 24 h before each debit of an active e-mandate.",
        params: CustomerParams,
        body: Type.Object(
          {
            method: Type.Optional(
              Type.Union([Type.Literal('emandate'), Type.Literal('nach')], {
                description:
                  'emandate (default): authorised online at the bank; nach: paper NACH, a prefilled form (nach_form_url) the parent prints, signs and uploads at registration_url (auth_type physical)',
              }),
            ),
            auth_type: Type.Union([
              Type.Literal('netbanking'),
              Type.Literal('debitcard'),
              Type.Literal('aadhaar'),
              Type.Literal('physical'),
            ]),
            max_amount: Type.Integer({
              minimum: 500,
              maximum: 9_999_900,
              description: 'paise: the most one debit may take (Razorpay: ₹5 to ₹99,999)',
            }),
            bank_account: Type.Object(
              {
                beneficiary_name: Type.String({ pattern: "^[A-Za-z][A-Za-z .']{2,119}$" }),
                account_number: Type.String({
                  pattern: '^[0-9]{9,18}$',
                  description: 'sent to Razorpay, never stored',
                }),
                account_type: Type.Union([Type.Literal('savings'), Type.Literal('current')]),
                ifsc_code: Type.String({ pattern: '^[A-Z]{4}0[A-Z0-9]{6}$', description: 'e.g. HDFC0001233' }),
              },
              { additionalProperties: false },
            ),
            expire_at: Type.Optional(
              Type.String({ format: 'date-time', description: 'when the mandate ends; default 10 years' }),
            ),
          },
          {
            additionalProperties: false,
            examples: [
              {
                auth_type: 'netbanking',
                max_amount: 500_000,
                bank_account: {
                  beneficiary_name: 'Asha Rao',
                  account_number: '11214311215411',
                  account_type: 'savings',
                  ifsc_code: 'HDFC0001233',
                },
              },
            ],
          },
        ),
        response: responses({ 201: PaymentMethodSchema }),
      },
    },
    async (request, reply) => {
      const { expire_at, ...rest } = request.body;
      const method = await registerEmandate(deps, request.params.id, {
        ...rest,
        ...(expire_at === undefined ? {} : { expire_at: new Date(expire_at) }),
      });
      return reply.code(201).send(method);
    },
  );
  app.get(
    '/customers/:id/payment-methods',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listPaymentMethods',
        summary: "List a customer's payment methods",
        tags: ['payment methods'],
        params: CustomerParams,
        response: responses({
          200: Type.Object({
            object: Type.Literal('list'),
            data: Type.Array(PaymentMethodSchema),
            has_more: Type.Boolean(),
          }),
        }),
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: await listPaymentMethods(deps, request.params.id),
      has_more: false,
    }),
  );
  app.patch(
    '/customers/:id/payment-methods/:method_id',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'updatePaymentMethod',
        summary: 'Update a payment method',
        tags: ['payment methods'],
        params: MethodParams,
        body: Type.Object(
          {
            is_default: Type.Optional(Type.Boolean()),
            card_exp_month: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
            card_exp_year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: responses({ 200: PaymentMethodSchema }),
      },
    },
    async (request) => updatePaymentMethod(deps, request.params.id, request.params.method_id, request.body),
  );
  app.delete(
    '/customers/:id/payment-methods/:method_id',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'deletePaymentMethod',
        summary: 'Detach a payment method',
        description: 'Removes a method; when it was the default, the newest remaining one takes over.',
        tags: ['payment methods'],
        params: MethodParams,
        response: responses({ 200: PaymentMethodSchema }),
      },
    },
    async (request) => deletePaymentMethod(deps, request.params.id, request.params.method_id),
  );
}
