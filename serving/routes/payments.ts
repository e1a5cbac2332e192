import { Type } from '@sinclair/typebox';
import { getBalances } from '../../payments-core/ledger/get-balances.js';
import { postAdjustment } from '../../payments-core/ledger/post-adjustment.js';
import { createOrder } from '../../payments-core/orders/create-order.js';
import { getOrder, listOrders } from '../../payments-core/orders/find-orders.js';
import { capturePayment } from '../../payments-core/payments/capture-payment.js';
import { createPayment } from '../../payments-core/payments/create-payment.js';
import { getPayment, listPayments } from '../../payments-core/payments/find-payments.js';
import { createRefund } from '../../payments-core/refunds/create-refund.js';
import { getRefund, listRefunds } from '../../payments-core/refunds/find-refunds.js';
import type { App, AppDeps } from '../app.js';
import {
  Amount,
  Id,
  LedgerBalancesSchema,
  OrderSchema,
  PageQuery,
  PaymentId,
  PaymentSchema,
  PaymentStatusSchema,
  pageOf,
  RefundSchema,
  responses,
} from '../schemas.js';

const Notes = Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 256 }), { maxProperties: 15 });

export function paymentRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/orders',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'createOrder',
        summary: 'Create an order',
        description:
          'An order is what a customer owes; payments settle it. Its Razorpay order is made with it, keyed by the kosh order id, so a retry never makes a second one.',
        tags: ['orders'],
        body: Type.Object(
          {
            customer_id: Id('cus'),
            amount: Amount,
            currency: Type.Optional(Type.Literal('INR')),
            description: Type.Optional(Type.String({ maxLength: 500 })),
            notes: Type.Optional(Notes),
          },
          {
            additionalProperties: false,
            examples: [
              {
                customer_id: 'cus_Q7mX2kT9wR4p',
                amount: 125000,
                description: 'School meals, July 2026',
                notes: { term: '2026-27 T1' },
              },
            ],
          },
        ),
        response: responses(
          { 201: OrderSchema },
          {
            422: 'The customer does not exist (`unknown_customer`) or the currency is not INR (`unsupported_currency`)',
          },
        ),
      },
    },
    async (request, reply) => reply.code(201).send(await createOrder(deps, request.body, request.recovery)),
  );
  app.get(
    '/orders',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listOrders',
        summary: 'List orders',
        tags: ['orders'],
        querystring: Type.Object({ ...PageQuery, customer_id: Type.Optional(Id('cus')) }),
        response: responses({ 200: pageOf(OrderSchema) }),
      },
    },
    async (request) => listOrders(deps, request.query),
  );
  app.get(
    '/orders/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getOrder',
        summary: 'Retrieve an order',
        tags: ['orders'],
        params: Type.Object({ id: Id('ord') }),
        response: responses({ 200: OrderSchema }),
      },
    },
    async (request) => getOrder(deps, request.params.id),
  );

  app.post(
    '/payments',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'createPayment',
        summary: 'Create a payment',
        description:
          "Charges the order's amount still due through Razorpay with a saved payment method (`payment_method_id`), or starts a one-time UPI payment by intent (`upi: {flow: \"intent\"}`, with the payer's `ip`, `referer` and `user_agent`). An intent answers 201 with the payment `created` and its `upi_link` (a `upi://pay` link the checkout opens as an app switch or shows as a QR) valid until `upi_link_expires_at`; the parent pays in their UPI app and the payment completes by Razorpay's webhooks (`captured` for `capture: auto`, or `failed`; poll `GET /v1/payments/:id`). UPI collect from a typed VPA (`vpa`) was withdrawn by NPCI on 28 Feb 2026: 422 `upi_collect_unavailable`, nothing stored. The fraud screen may hold the payment for review (`on_hold`; an approved UPI payment gets its link then) or refuse it (422 `payment_blocked_by_risk`, nothing charged). A retry with the same `Idempotency-Key` answers the same payment (and link) and never charges twice.",
        tags: ['payments'],
        body: Type.Object(
          {
            order_id: Id('ord'),
            payment_method_id: Type.Optional(Id('pm')),
            upi: Type.Optional(
              Type.Object(
                { flow: Type.Literal('intent') },
                {
                  additionalProperties: false,
                  description: 'A one-time UPI payment by intent: the answer carries `upi_link`.',
                },
              ),
            ),
            vpa: Type.Optional(
              Type.String({
                maxLength: 400,
                deprecated: true,
                description:
                  'UPI collect: refused with 422 `upi_collect_unavailable` (withdrawn by NPCI on 28 Feb 2026); use `upi`.',
              }),
            ),
            capture: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('manual')])),
            device_id: Type.Optional(Type.String({ maxLength: 100 })),
            ip: Type.Optional(
              Type.String({
                anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }],
                description: "The payer's browser IP, relayed by the caller. Required with `upi`.",
              }),
            ),
            referer: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 2000,
                description: "The payer's browser `Referer` header. Required with `upi`.",
              }),
            ),
            user_agent: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 1000,
                description: "The payer's browser `User-Agent` header. Required with `upi`.",
              }),
            ),
          },
          {
            additionalProperties: false,
            examples: [
              {
                order_id: 'ord_Q7mX2kT9wR4p',
                upi: { flow: 'intent' },
                ip: '117.217.74.98',
                referer: 'https://meals.example.in/pay',
                user_agent: 'Mozilla/5.0 (Linux; Android 14)',
              },
            ],
          },
        ),
        response: responses(
          { 201: PaymentSchema },
          {
            409: 'The order is paid (`order_already_paid`), is paid through an installment plan (`order_has_installment_plan`) or by its installments (`nothing_due`), or already has a payment in flight (`payment_in_progress`)',
            422: "No such order or payment method (`unknown_order`, `unknown_payment_method`), neither or both instruments (`instrument_required`), UPI without the payer's browser (`payer_required`), UPI collect (`upi_collect_unavailable`: a `vpa`, or a saved method that is a plain VPA), or refused by the fraud screen (`payment_blocked_by_risk`)",
            502: 'The gateway refused the request; its error code is in the problem',
            503: 'The gateway did not answer (`gateway_unavailable`) or has not shown the payment yet (`payment_outcome_unknown`): retry with the same Idempotency-Key',
          },
        ),
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createPayment(deps, { ...request.body, request_ip: request.ip }, request.recovery)),
  );
  app.get(
    '/payments',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listPayments',
        summary: 'List payments',
        tags: ['payments'],
        querystring: Type.Object({
          ...PageQuery,
          status: Type.Optional(PaymentStatusSchema),
          order_id: Type.Optional(Id('ord')),
          customer_id: Type.Optional(Id('cus')),
        }),
        response: responses({ 200: pageOf(PaymentSchema) }),
      },
    },
    async (request) => listPayments(deps, request.query),
  );
  app.get(
    '/payments/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getPayment',
        summary: 'Retrieve a payment',
        tags: ['payments'],
        params: Type.Object({ id: PaymentId }),
        response: responses({ 200: PaymentSchema }),
      },
    },
    async (request) => getPayment(deps, request.params.id),
  );
  app.post(
    '/payments/:id/capture',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'capturePayment',
        summary: 'Capture an authorized payment',
        description:
          'Only an `authorized` payment (made with `capture: manual`) can be captured, for its whole amount.',
        tags: ['payments'],
        params: Type.Object({ id: PaymentId }),
        body: Type.Optional(
          Type.Object(
            { amount: Type.Optional(Amount) },
            { additionalProperties: false, examples: [{ amount: 125000 }] },
          ),
        ),
        response: responses(
          { 200: PaymentSchema },
          {
            409: 'The payment is not `authorized` (`payment_not_capturable`)',
            422: '`amount` is not the authorised amount (`capture_amount_mismatch`)',
            502: 'The gateway refused the capture',
            503: 'The gateway did not answer (`gateway_unavailable`)',
          },
        ),
      },
    },
    async (request) => capturePayment(deps, { payment_id: request.params.id, amount: request.body?.amount }),
  );

  app.post(
    '/refunds',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'createRefund',
        summary: 'Create a refund',
        description:
          'Refunds a captured payment through the gateway (`amount` in paise for a partial refund). The refund is `pending` until the gateway reports it processed or failed.',
        tags: ['refunds'],
        body: Type.Object(
          {
            payment_id: PaymentId,
            amount: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000_00 })),
            reason: Type.Optional(Type.String({ maxLength: 200 })),
          },
          {
            additionalProperties: false,
            examples: [{ payment_id: 'pay_Q7mX2kT9wR4p', amount: 25000, reason: 'Two meal days cancelled' }],
          },
        ),
        response: responses(
          { 201: RefundSchema },
          {
            409: 'The payment has not reached the gateway (`payment_not_refundable`)',
            422: 'No such payment (`unknown_payment`)',
            502: 'The gateway refused the refund',
            503: 'The gateway did not answer (`gateway_unavailable`)',
          },
        ),
      },
    },
    async (request, reply) => reply.code(201).send(await createRefund(deps, request.body, request.recovery)),
  );
  app.get(
    '/refunds',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listRefunds',
        summary: 'List refunds',
        tags: ['refunds'],
        querystring: Type.Object({ ...PageQuery, payment_id: Type.Optional(PaymentId) }),
        response: responses({ 200: pageOf(RefundSchema) }),
      },
    },
    async (request) => listRefunds(deps, request.query),
  );
  app.get(
    '/refunds/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getRefund',
        summary: 'Retrieve a refund',
        tags: ['refunds'],
        params: Type.Object({ id: Id('rfd') }),
        response: responses({ 200: RefundSchema }),
      },
    },
    async (request) => getRefund(deps, request.params.id),
  );

  app.get(
    '/ledger/balances',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getLedgerBalances',
        summary: 'Ledger balances per account',
        tags: ['ledger'],
        response: responses({ 200: LedgerBalancesSchema }),
      },
    },
    async () => {
      const b = await getBalances(deps);
      return { accounts: b.accounts, totals: b.totals, balanced: b.balanced, unbalanced_entries: b.unbalancedEntries };
    },
  );

  app.post(
    '/ledger/adjustments',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'createLedgerAdjustment',
        summary: 'Post a manual ledger adjustment',
        description:
          'A manual correction by finance: moves `amount` (signed, debit > 0) onto one account against the `adjustments` account, balanced like every other entry; the memo keeps the reason.',
        tags: ['ledger'],
        body: Type.Object(
          {
            account: Type.String({ maxLength: 40 }),
            school_id: Type.Optional(Id('sch')),
            amount: Type.Integer({
              minimum: -100_000_000_00,
              maximum: 100_000_000_00,
              description: 'Signed paise; debit > 0',
            }),
            memo: Type.String({ minLength: 3, maxLength: 500 }),
          },
          {
            additionalProperties: false,
            examples: [
              {
                account: 'gateway_fees',
                school_id: 'sch_Q7mX2kT9wR4p',
                amount: 1180,
                memo: 'Razorpay fee on pay_Q7mX2kT9wR4p not in the settlement report',
              },
            ],
          },
        ),
        response: responses({
          201: Type.Object({
            id: Type.String(),
            account: Type.String(),
            school_id: Type.Union([Type.String(), Type.Null()]),
            amount: Type.Integer(),
            memo: Type.String(),
            created_at: Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' }),
          }),
        }),
      },
    },
    async (request, reply) => reply.code(201).send(await postAdjustment(deps, request.body)),
  );
}
