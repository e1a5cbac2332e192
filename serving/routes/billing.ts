import { Type } from '@sinclair/typebox';
import { getBillingRecord, listBillingRecords } from '../../payments-core/billing/find-billing-records.js';
import { runBilling } from '../../payments-core/billing/run-billing.js';
import type { App, AppDeps } from '../app.js';
import { Nullable, PageQuery, PaymentLinkStatusSchema, pageOf, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const StatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('charging'),
  Type.Literal('paid'),
  Type.Literal('failed'),
  Type.Literal('unknown'),
  Type.Literal('skipped'),
  Type.Literal('uncollectible'),
]);

export const BillingRecordSchema = Type.Object({
  object: Type.Literal('billing_record'),
  id: Type.String(),
  subscription_id: Type.String(),
  customer_id: Type.String(),
  school_id: Type.String(),
  period_index: Type.Integer(),
  period_start: Timestamp,
  period_end: Timestamp,
  plan_amount: Type.Integer({ description: 'Unit price × quantity for the period, paise (0 in a trial)' }),
  setup_fee: Type.Integer(),
  charges: Type.Integer({ description: 'Prorations billed with this period, signed paise' }),
  amount: Type.Integer({ description: 'What is charged: the invoice total, paise' }),
  currency: Type.String(),
  invoice_id: Nullable(Type.String()),
  order_id: Type.String(),
  payment_method_id: Nullable(Type.String()),
  mandate_type: Nullable(Type.String()),
  idempotency_key: Type.String(),
  status: StatusSchema,
  payment_id: Nullable(Type.String()),
  decline_code: Nullable(Type.String()),
  attempts: Type.Integer(),
  not_before: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
  requires_action: Type.Boolean({
    description:
      'The parent must pay on-session: kosh may not debit off-session (above ₹15,000) or the method declined hard; `payment_link_url` is the page',
  }),
  payment_link_id: Nullable(Type.String({ description: 'Razorpay payment link (plink_…) offered for this record' })),
  payment_link_url: Nullable(Type.String()),
  payment_link_status: Nullable(PaymentLinkStatusSchema),
});

const RunSummarySchema = Type.Object({
  run_id: Type.String(),
  due: Type.Integer(),
  records_created: Type.Integer(),
  charged: Type.Integer(),
  paid: Type.Integer(),
  failed: Type.Integer(),
  unknown: Type.Integer(),
  skipped: Type.Integer(),
  deferred: Type.Integer(),
  recovered: Type.Integer(),
  advanced: Type.Integer(),
  cancelled: Type.Integer(),
  notices: Type.Integer(),
  cancel_credits: Type.Integer({ description: 'In-advance periods cancelled now whose unused days were credited' }),
  change_invoices: Type.Integer({
    description:
      'always_invoice changes billed now that an earlier request left unbilled (crash, draft period invoice)',
  }),
  ledger_entries: Type.Integer(),
  elapsed_ms: Type.Integer(),
});

export function billingRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/billing/records',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listBillingRecords',
        summary: 'List billing records',
        tags: ['billing'],
        querystring: Type.Object({
          ...PageQuery,
          subscription_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          status: Type.Optional(StatusSchema),
        }),
        response: responses({ 200: pageOf(BillingRecordSchema) }),
      },
    },
    async (request) => listBillingRecords(deps, request.query),
  );
  app.get(
    '/billing/records/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getBillingRecord',
        summary: 'Retrieve a billing record',
        tags: ['billing'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: responses({ 200: BillingRecordSchema }),
      },
    },
    async (request) => getBillingRecord(deps, request.params.id),
  );
  app.post(
    '/billing/runs',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'runBilling',
        summary: 'Run billing now',
        tags: ['billing'],
        response: responses({ 200: RunSummarySchema }),
      },
    },
    async () => runBilling(deps, { now: deps.clock.now() }),
  );
}
