import { Type } from '@sinclair/typebox';
import { getDispute, listDisputes } from '../../payments-core/disputes/find-disputes.js';
import { acceptDispute, contestDispute } from '../../payments-core/disputes/respond-to-dispute.js';
import type { App, AppDeps } from '../app.js';
import { DisputeSchema, Id, PageQuery, PaymentId, pageOf, responses } from '../schemas.js';

const DisputeParams = Type.Object({ id: Id('dsp') });
const ANSWERED = {
  404: 'No such dispute',
  409: 'The dispute is not open (`dispute_not_open`)',
  502: 'The gateway refused (for one, past the respond-by date)',
  503: 'The gateway did not answer (`gateway_unavailable`)',
};

export function disputeRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/disputes',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listDisputes',
        summary: 'List disputes',
        description:
          "Chargebacks and other disputes parents' banks raised against captured payments, as Razorpay reported them (`payment.dispute.*` webhooks), newest first.",
        tags: ['disputes'],
        querystring: Type.Object({
          ...PageQuery,
          payment_id: Type.Optional(PaymentId),
          status: Type.Optional(
            Type.Union(['open', 'under_review', 'won', 'lost', 'closed'].map((s) => Type.Literal(s))),
          ),
        }),
        response: responses({ 200: pageOf(DisputeSchema) }),
      },
    },
    async (request) => listDisputes(deps, request.query as Parameters<typeof listDisputes>[1]),
  );
  app.get(
    '/disputes/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getDispute',
        summary: 'Retrieve a dispute',
        tags: ['disputes'],
        params: DisputeParams,
        response: responses({ 200: DisputeSchema }),
      },
    },
    async (request) => getDispute(deps, request.params.id),
  );
  app.post(
    '/disputes/:id/accept',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'acceptDispute',
        summary: 'Accept a dispute',
        description:
          'The school agrees the parent should have the money back: Razorpay deducts the disputed amount and the dispute is `lost`. The loss leaves the school payable once (journal kind `dispute_lost`). Irreversible; only an open dispute within its respond-by date.',
        tags: ['disputes'],
        params: DisputeParams,
        response: responses({ 200: DisputeSchema }, ANSWERED),
      },
    },
    async (request) => acceptDispute(deps, request.params.id),
  );
  app.post(
    '/disputes/:id/contest',
    {
      config: { scope: 'payments:write' },
      schema: {
        operationId: 'contestDispute',
        summary: 'Contest a dispute',
        description:
          "Submits the school's explanation (for example the meals served on those days) to Razorpay; the dispute is `under_review` until the bank decides. `amount` contests part of it.",
        tags: ['disputes'],
        params: DisputeParams,
        body: Type.Object(
          {
            summary: Type.String({ minLength: 1, maxLength: 1000 }),
            amount: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000_00 })),
          },
          {
            additionalProperties: false,
            examples: [{ summary: 'Lunch was served on all 22 school days of July; attendance register attached.' }],
          },
        ),
        response: responses(
          { 200: DisputeSchema },
          { ...ANSWERED, 422: 'The amount is more than the dispute (`contest_exceeds_dispute`)' },
        ),
      },
    },
    async (request) => contestDispute(deps, request.params.id, request.body),
  );
}
