import { Type } from '@sinclair/typebox';
import { cancelPlan } from '../../payments-core/installments/cancel-plan.js';
import { createPlan } from '../../payments-core/installments/create-plan.js';
import { getPlan } from '../../payments-core/installments/find-plans.js';
import { payoffPlan } from '../../payments-core/installments/payoff-plan.js';
import type { App, AppDeps } from '../app.js';
import { Amount, Id, Nullable, PaymentLinkStatusSchema, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });

export const InstallmentSchema = Type.Object({
  object: Type.Literal('installment'),
  id: Type.String(),
  plan_id: Type.String(),
  seq: Type.Integer(),
  kind: Type.Union([Type.Literal('scheduled'), Type.Literal('payoff')]),
  order_id: Type.String({ description: 'The kosh order this installment is charged through' }),
  amount: Type.Integer(),
  currency: Type.String(),
  due_at: Timestamp,
  status: Type.Union([
    Type.Literal('scheduled'),
    Type.Literal('processing'),
    Type.Literal('paid'),
    Type.Literal('retrying'),
    Type.Literal('requires_authentication'),
    Type.Literal('failed'),
    Type.Literal('cancelled'),
    Type.Literal('superseded'),
  ]),
  attempts: Type.Integer(),
  last_payment_id: Nullable(Type.String()),
  last_error_code: Nullable(Type.String()),
  paid_at: Nullable(Timestamp),
  payment_link_url: Nullable(
    Type.String({
      description:
        'While `requires_authentication` (above ₹15,000 kosh may not debit off-session): the Razorpay payment link the parent pays on',
    }),
  ),
  payment_link_status: Nullable(PaymentLinkStatusSchema),
});

export const InstallmentPlanSchema = Type.Object({
  object: Type.Literal('installment_plan'),
  id: Type.String(),
  order_id: Type.String(),
  customer_id: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  status: Type.Union([
    Type.Literal('scheduled'),
    Type.Literal('partially_paid'),
    Type.Literal('paid'),
    Type.Literal('past_due'),
    Type.Literal('suspended'),
    Type.Literal('cancelled'),
  ]),
  amount_paid: Type.Integer(),
  amount_remaining: Type.Integer(),
  installments: Type.Array(InstallmentSchema),
  created_at: Timestamp,
  cancelled_at: Nullable(Timestamp),
  paid_at: Nullable(Timestamp),
});

const PlanParams = Type.Object({ id: Id('ipl') });

export function installmentRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/orders/:id/installments',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'createInstallmentPlan',
        summary: 'Split an order into installments',
        tags: ['installments'],
        params: Type.Object({ id: Id('ord') }),
        body: Type.Object(
          {
            count: Type.Optional(
              Type.Integer({ minimum: 2, maximum: 24, description: 'Equal split into this many parts' }),
            ),
            first_due_at: Type.Optional(Type.String({ format: 'date-time' })),
            interval: Type.Optional(Type.Union([Type.Literal('week'), Type.Literal('month')], { default: 'month' })),
            installments: Type.Optional(
              Type.Array(
                Type.Object(
                  { amount: Amount, due_at: Type.String({ format: 'date-time' }) },
                  { additionalProperties: false },
                ),
                { minItems: 2, maxItems: 24, description: 'Custom split: amounts must sum to the order total' },
              ),
            ),
          },
          {
            additionalProperties: false,
            examples: [{ count: 3, first_due_at: '2026-07-01T00:00:00.000Z', interval: 'month' }],
          },
        ),
        response: responses({ 201: InstallmentPlanSchema }),
      },
    },
    async (request, reply) => reply.code(201).send(await createPlan(deps, request.params.id, request.body)),
  );
  app.get(
    '/installment-plans/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getInstallmentPlan',
        summary: 'Retrieve an installment plan',
        tags: ['installments'],
        params: PlanParams,
        response: responses({ 200: InstallmentPlanSchema }),
      },
    },
    async (request) => getPlan(deps, request.params.id),
  );
  app.post(
    '/installment-plans/:id/payoff',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'payOffInstallmentPlan',
        summary: 'Pay off the rest of an installment plan',
        description:
          'The customer pays everything still owed now, in one charge, with one of their methods (the default unless given). Once captured, the open installments are superseded and their retries cancelled; a declined payoff changes nothing else.',
        tags: ['installments'],
        params: PlanParams,
        body: Type.Optional(
          Type.Object({ payment_method_id: Type.Optional(Id('pm')) }, { additionalProperties: false }),
        ),
        response: responses(
          { 200: InstallmentPlanSchema },
          {
            409: 'The plan is cancelled (`plan_cancelled`) or paid (`plan_already_paid`), or one of its charges is in flight (`payment_in_progress`)',
            422: 'No such method for this customer (`unknown_payment_method`), or none given and no default (`payment_method_required`)',
          },
        ),
      },
    },
    async (request) => payoffPlan(deps, request.params.id, { payment_method_id: request.body?.payment_method_id }),
  );
  app.post(
    '/installment-plans/:id/cancel',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'cancelInstallmentPlan',
        summary: 'Cancel an installment plan',
        description:
          'Open installments are cancelled and their retries stopped; paid ones stay paid (money back is a refund). The order can then be paid directly again. Cancelling a cancelled plan returns it.',
        tags: ['installments'],
        params: PlanParams,
        response: responses(
          { 200: InstallmentPlanSchema },
          { 409: 'The plan is paid (`plan_already_paid`) or one of its charges is in flight (`payment_in_progress`)' },
        ),
      },
    },
    async (request) => cancelPlan(deps, request.params.id),
  );
}
