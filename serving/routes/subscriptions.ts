import { Type } from '@sinclair/typebox';
import { updateSubscription } from '../../payments-core/billing/update-subscription.js';
import { archiveSubscriptionPlan } from '../../payments-core/subscription-plans/archive-plan.js';
import { createSubscriptionPlan } from '../../payments-core/subscription-plans/create-plan.js';
import { getSubscriptionPlan, listSubscriptionPlans } from '../../payments-core/subscription-plans/find-plans.js';
import { updateSubscriptionPlan } from '../../payments-core/subscription-plans/update-plan.js';
import { cancelSubscription } from '../../payments-core/subscriptions/cancel-subscription.js';
import { createSubscription } from '../../payments-core/subscriptions/create-subscription.js';
import {
  getSubscription,
  listSubscriptionEvents,
  listSubscriptions,
} from '../../payments-core/subscriptions/find-subscriptions.js';
import { pauseSubscription } from '../../payments-core/subscriptions/pause-subscription.js';
import { resumeSubscription } from '../../payments-core/subscriptions/resume-subscription.js';
import type { App, AppDeps } from '../app.js';
import { tagged } from '../etag.js';
import { Amount, Id, IfMatchHeaders, Nullable, PageQuery, PRECONDITION_FAILED, pageOf, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const Paise = Type.Integer({ minimum: 0, maximum: 100_000_000_00, description: 'Amount in paise (₹1 = 100)' });

const IntervalSchema = Type.Union([
  Type.Literal('weekly'),
  Type.Literal('monthly'),
  Type.Literal('quarterly'),
  Type.Literal('yearly'),
]);
const TaxCategorySchema = Type.Union([Type.Literal('gst_exempt_school_meals'), Type.Literal('gst')]);
const PlanStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('archived')]);
const SubscriptionStatusSchema = Type.Union([
  Type.Literal('created'),
  Type.Literal('authenticated'),
  Type.Literal('trialing'),
  Type.Literal('active'),
  Type.Literal('pending'),
  Type.Literal('halted'),
  Type.Literal('paused'),
  Type.Literal('cancelled'),
  Type.Literal('completed'),
  Type.Literal('expired'),
]);

const BillingTimingSchema = Type.Union([Type.Literal('in_advance'), Type.Literal('in_arrears')], {
  description: 'in_advance (default): each period is billed at its start; in_arrears: at its end',
});

export const SubscriptionPlanSchema = Type.Object({
  object: Type.Literal('subscription_plan'),
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  interval: IntervalSchema,
  interval_count: Type.Integer(),
  amount: Type.Integer({ description: 'Current per-unit price in paise' }),
  currency: Type.String(),
  price_version: Type.Integer(),
  trial_days: Type.Integer(),
  setup_fee: Type.Integer(),
  per_unit: Type.Boolean(),
  unit_label: Nullable(Type.String()),
  tax_category: TaxCategorySchema,
  gst_rate_bp: Nullable(Type.Integer()),
  billing_timing: BillingTimingSchema,
  hsn_sac: Type.String({ description: 'The HSN/SAC code of what the plan supplies (invoice lines, GSTR-1)' }),
  uqc: Type.String({ description: "The unit of the plan's quantity, a GST UQC" }),
  exemption_basis: Nullable(
    Type.String({ description: "An exempt plan's declared basis: the exemption entry the school relies on" }),
  ),
  status: PlanStatusSchema,
  created_at: Timestamp,
  updated_at: Timestamp,
  archived_at: Nullable(Timestamp),
});

export const SubscriptionChargeSchema = Type.Object({
  object: Type.Literal('subscription_charge'),
  id: Type.String(),
  change_id: Type.String(),
  kind: Type.Union(
    [Type.Literal('proration_credit'), Type.Literal('proration_charge'), Type.Literal('period_segment')],
    {
      description:
        'period_segment: days supplied under earlier terms; proration_credit/charge: an in-advance adjustment',
    },
  ),
  description: Type.String(),
  quantity: Type.Integer(),
  unit_amount: Nullable(Type.Integer()),
  tax_category: TaxCategorySchema,
  gst_rate_bp: Nullable(Type.Integer()),
  amount: Type.Integer({ description: 'Signed paise: a credit is negative' }),
  currency: Type.String(),
  period_index: Type.Integer(),
  period_start: Timestamp,
  period_end: Timestamp,
  bill_on: Type.Union([Type.Literal('now'), Type.Literal('next_invoice')]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('billed'), Type.Literal('void')]),
  created_at: Timestamp,
});

export const SubscriptionSchema = Type.Object({
  object: Type.Literal('subscription'),
  id: Type.String(),
  customer_id: Type.String(),
  plan_id: Type.String(),
  plan_price_version: Type.Integer(),
  status: SubscriptionStatusSchema,
  collection: Type.Union([Type.Literal('kosh'), Type.Literal('razorpay')]),
  gateway_subscription_id: Nullable(Type.String()),
  quantity: Type.Integer(),
  unit_amount: Type.Integer({ description: 'The per-unit price this subscription was sold at' }),
  amount: Type.Integer({ description: 'unit_amount × quantity per period, before tax' }),
  currency: Type.String(),
  interval: IntervalSchema,
  interval_count: Type.Integer(),
  setup_fee: Type.Integer(),
  tax_category: TaxCategorySchema,
  gst_rate_bp: Nullable(Type.Integer()),
  billing_timing: BillingTimingSchema,
  terms_from: Nullable(Timestamp),
  payment_method_id: Nullable(Type.String()),
  start_at: Timestamp,
  trial_end: Nullable(Timestamp),
  billing_anchor: Timestamp,
  period_index: Type.Integer(),
  current_period_start: Timestamp,
  current_period_end: Timestamp,
  cancel_at_period_end: Type.Boolean(),
  paused_at: Nullable(Timestamp),
  cancelled_at: Nullable(Timestamp),
  ended_at: Nullable(Timestamp),
  pending_charges: Type.Array(SubscriptionChargeSchema),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const SubscriptionEventSchema = Type.Object({
  object: Type.Literal('subscription_event'),
  id: Type.String(),
  subscription_id: Type.String(),
  seq: Type.Integer(),
  type: Type.String(),
  from_status: Nullable(SubscriptionStatusSchema),
  to_status: Nullable(SubscriptionStatusSchema),
  source: Type.Union([Type.Literal('api'), Type.Literal('webhook'), Type.Literal('system')]),
  data: Nullable(Type.Record(Type.String(), Type.Unknown())),
  created_at: Timestamp,
});

const PlanParams = Type.Object({ id: Id('splan') });
const SubscriptionParams = Type.Object({ id: Id('sub') });

export function subscriptionRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/subscription-plans',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'createPlan',
        summary: 'Create a subscription plan',
        tags: ['subscriptions'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            interval: IntervalSchema,
            interval_count: Type.Optional(Type.Integer({ minimum: 1, maximum: 12, default: 1 })),
            amount: Amount,
            currency: Type.Optional(Type.Literal('INR')),
            trial_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
            setup_fee: Type.Optional(Paise),
            per_unit: Type.Optional(Type.Boolean({ description: 'Priced per unit, e.g. per student' })),
            unit_label: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
            tax_category: TaxCategorySchema,
            gst_rate_bp: Type.Optional(
              Nullable(Type.Integer({ minimum: 0, maximum: 10_000, description: 'GST in basis points: 500 = 5 %' })),
            ),
            billing_timing: Type.Optional(BillingTimingSchema),
            hsn_sac: Type.Optional(
              Type.String({ pattern: '^[0-9]{4,8}$', description: 'HSN/SAC code (default 996337, contract catering)' }),
            ),
            uqc: Type.Optional(
              Type.String({ pattern: '^[A-Z]{3}$', description: "The quantity's unit, a GST UQC (default NOS)" }),
            ),
            exemption_basis: Type.Optional(
              Type.String({
                minLength: 10,
                maxLength: 300,
                description:
                  "Exempt plans only: the school's declaration of the entry relied on (default: Notification 12/2017-CT(Rate) entry 66(b)(ii), catering to a school)",
              }),
            ),
          },
          {
            additionalProperties: false,
            examples: [
              {
                name: 'Lunch, weekdays',
                interval: 'monthly',
                amount: 110000,
                per_unit: true,
                unit_label: 'student',
                tax_category: 'gst_exempt_school_meals',
              },
            ],
          },
        ),
        response: responses({ 201: SubscriptionPlanSchema }),
      },
    },
    async (request, reply) => reply.code(201).send(tagged(reply, await createSubscriptionPlan(deps, request.body))),
  );
  app.get(
    '/subscription-plans',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listPlans',
        summary: 'List subscription plans',
        tags: ['subscriptions'],
        querystring: Type.Object({ ...PageQuery, status: Type.Optional(PlanStatusSchema) }),
        response: responses({ 200: pageOf(SubscriptionPlanSchema) }),
      },
    },
    async (request) => listSubscriptionPlans(deps, request.query),
  );
  app.get(
    '/subscription-plans/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getPlan',
        summary: 'Retrieve a subscription plan',
        tags: ['subscriptions'],
        params: PlanParams,
        response: responses({ 200: SubscriptionPlanSchema }),
      },
    },
    async (request, reply) => tagged(reply, await getSubscriptionPlan(deps, request.params.id)),
  );
  app.patch(
    '/subscription-plans/:id',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'updatePlan',
        summary: 'Update a subscription plan',
        description:
          "A new `amount` becomes a new price version for new subscribers; existing subscriptions keep the price they were sold at. The interval and the tax category are fixed for a plan's life: make a new plan instead.",
        tags: ['subscriptions'],
        params: PlanParams,
        headers: IfMatchHeaders,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
            unit_label: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 50 }))),
            trial_days: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
            setup_fee: Type.Optional(Paise),
            amount: Type.Optional({ ...Amount, description: 'A new price version; existing subscribers keep theirs' }),
          },
          { additionalProperties: false },
        ),
        response: responses(
          { 200: SubscriptionPlanSchema },
          { 409: 'The plan is archived (`subscription_plan_archived`)', ...PRECONDITION_FAILED },
        ),
      },
    },
    async (request, reply) =>
      tagged(reply, await updateSubscriptionPlan(deps, request.params.id, request.body, request.headers['if-match'])),
  );
  app.post(
    '/subscription-plans/:id/archive',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'archivePlan',
        summary: 'Archive a subscription plan',
        description: 'No new subscribers; existing subscriptions keep going. Archiving twice returns the plan.',
        tags: ['subscriptions'],
        params: PlanParams,
        response: responses({ 200: SubscriptionPlanSchema }),
      },
    },
    async (request) => archiveSubscriptionPlan(deps, request.params.id),
  );

  app.post(
    '/subscriptions',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'createSubscription',
        summary: 'Create a subscription',
        description:
          "At the plan's current price, kept on the subscription. Collected by kosh: `trialing` when the plan has trial days, else `active` from `start_at` (default now), or `created` while `start_at` is in the future. Collected by Razorpay (`collection: razorpay`): `created` until Razorpay's `subscription.*` webhooks move it.",
        tags: ['subscriptions'],
        body: Type.Object(
          {
            customer_id: Id('cus'),
            plan_id: Id('splan'),
            quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            payment_method_id: Type.Optional(Id('pm')),
            start_at: Type.Optional(Type.String({ format: 'date-time' })),
            collection: Type.Optional(
              Type.Union([Type.Literal('kosh'), Type.Literal('razorpay')], { default: 'kosh' }),
            ),
            gateway_subscription_id: Type.Optional(Id('sub')),
          },
          {
            additionalProperties: false,
            examples: [
              {
                customer_id: 'cus_Q7mX2kT9wR4p',
                plan_id: 'splan_Q7mX2kT9wR4p',
                quantity: 1,
                payment_method_id: 'pm_Q7mX2kT9wR4p',
                start_at: '2026-07-01T00:00:00.000Z',
              },
            ],
          },
        ),
        response: responses({ 201: SubscriptionSchema }),
      },
    },
    async (request, reply) => reply.code(201).send(tagged(reply, await createSubscription(deps, request.body))),
  );
  app.get(
    '/subscriptions',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listSubscriptions',
        summary: 'List subscriptions',
        tags: ['subscriptions'],
        querystring: Type.Object({
          ...PageQuery,
          customer_id: Type.Optional(Id('cus')),
          status: Type.Optional(SubscriptionStatusSchema),
        }),
        response: responses({ 200: pageOf(SubscriptionSchema) }),
      },
    },
    async (request) => listSubscriptions(deps, request.query),
  );
  app.get(
    '/subscriptions/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getSubscription',
        summary: 'Retrieve a subscription',
        tags: ['subscriptions'],
        params: SubscriptionParams,
        response: responses({ 200: SubscriptionSchema }),
      },
    },
    async (request, reply) => tagged(reply, await getSubscription(deps, request.params.id)),
  );
  app.get(
    '/subscriptions/:id/events',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listSubscriptionEvents',
        summary: "List a subscription's events",
        tags: ['subscriptions'],
        params: SubscriptionParams,
        response: responses({ 200: pageOf(SubscriptionEventSchema) }),
      },
    },
    async (request) => ({
      object: 'list' as const,
      data: await listSubscriptionEvents(deps, request.params.id),
      has_more: false,
    }),
  );
  app.patch(
    '/subscriptions/:id',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'updateSubscription',
        summary: 'Update a subscription',
        headers: IfMatchHeaders,
        description:
          'Changes the quantity and/or the plan of a kosh-collected subscription. The new plan must be active and bill on the same interval and timing. The current period bills each set of terms for the days it was in force; `proration_behavior: always_invoice` bills the adjustment now; `none` keeps the old terms to the end of the period.',
        tags: ['subscriptions'],
        params: SubscriptionParams,
        body: Type.Object(
          {
            plan_id: Type.Optional(Id('splan')),
            quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            proration_behavior: Type.Optional(
              Type.Union([Type.Literal('create_prorations'), Type.Literal('always_invoice'), Type.Literal('none')], {
                default: 'create_prorations',
                description:
                  "create_prorations: each set of terms is billed for the days it was in force, on the next invoice; always_invoice: the same now, on an invoice of its own charged to the saved method (a net credit at a GST rate as a credit note against the period's invoice); none: the current period keeps its terms",
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: SubscriptionSchema }, PRECONDITION_FAILED),
      },
    },
    async (request, reply) =>
      tagged(
        reply,
        await updateSubscription(
          { ...deps, objects: deps.objects, settings: deps.invoicing },
          request.params.id,
          request.body,
          request.headers['if-match'],
        ),
      ),
  );
  app.post(
    '/subscriptions/:id/pause',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'pauseSubscription',
        summary: 'Pause a subscription',
        description:
          'Stops billing until resumed; the period so far is accrued. Allowed from `trialing`, `active`, `pending` and `halted`; pausing a paused subscription changes nothing.',
        tags: ['subscriptions'],
        params: SubscriptionParams,
        headers: IfMatchHeaders,
        response: responses(
          { 200: SubscriptionSchema },
          {
            409: 'The subscription cannot move to `paused` from its status (`invalid_subscription_transition`), or it is collected by Razorpay (`subscription_collected_by_razorpay`)',
            ...PRECONDITION_FAILED,
          },
        ),
      },
    },
    async (request, reply) =>
      tagged(reply, await pauseSubscription(deps, request.params.id, request.headers['if-match'])),
  );
  app.post(
    '/subscriptions/:id/resume',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'resumeSubscription',
        summary: 'Resume a paused subscription',
        description:
          'A paused subscription becomes `active` again. Its anchor does not move: billing picks up at the period holding the resume instant, and its terms accrue from the resume. Resuming an active one returns it unchanged.',
        tags: ['subscriptions'],
        params: SubscriptionParams,
        headers: IfMatchHeaders,
        response: responses(
          { 200: SubscriptionSchema },
          {
            409: 'The subscription cannot become active from its status (`invalid_subscription_transition`), or it is collected by Razorpay (`subscription_collected_by_razorpay`)',
            ...PRECONDITION_FAILED,
          },
        ),
      },
    },
    async (request, reply) =>
      tagged(reply, await resumeSubscription(deps, request.params.id, request.headers['if-match'])),
  );
  app.post(
    '/subscriptions/:id/cancel',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'cancelSubscription',
        summary: 'Cancel a subscription',
        description:
          'Cancels now (the period so far is accrued), or with `at_period_end: true` at the end of the current period. A cancelled, completed or expired subscription cannot be cancelled.',
        tags: ['subscriptions'],
        params: SubscriptionParams,
        headers: IfMatchHeaders,
        body: Type.Object(
          { at_period_end: Type.Optional(Type.Boolean({ default: false })) },
          { additionalProperties: false, examples: [{ at_period_end: true }] },
        ),
        response: responses(
          { 200: SubscriptionSchema },
          {
            409: 'The subscription has ended (`invalid_subscription_transition`), or it is collected by Razorpay (`subscription_collected_by_razorpay`)',
            ...PRECONDITION_FAILED,
          },
        ),
      },
    },
    async (request, reply) =>
      tagged(reply, await cancelSubscription(deps, request.params.id, request.body, request.headers['if-match'])),
  );
}
