import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { getPayable, getPayout, listSchoolPayouts } from '../../payments-core/payouts/find-payouts.js';
import { recordPayout } from '../../payments-core/payouts/record-payout.js';
import { reversePayout } from '../../payments-core/payouts/reverse-payout.js';
import { PAYOUT_STATUSES } from '../../payments-core/payouts/types.js';
import type { App, AppDeps } from '../app.js';
import { Id, Nullable, PageQuery, pageOf, responses, Timestamp } from '../schemas.js';

const Day = Type.String({ description: 'a calendar date, YYYY-MM-DD' });

const PayoutSchema = Type.Object({
  object: Type.Literal('school_payout'),
  id: Type.String(),
  school_id: Type.String(),
  amount: Type.Integer({ description: 'paise' }),
  currency: Type.Literal('INR'),
  utr: Type.String({ description: "the bank transfer's reference (UTR), upper-cased" }),
  paid_on: Day,
  period_from: Nullable(Day),
  period_to: Nullable(Day),
  note: Nullable(Type.String()),
  created_by: Type.String({ description: 'the API key that recorded it' }),
  created_at: Timestamp,
  journal_entry_id: Type.String(),
  status: Type.Union(PAYOUT_STATUSES.map((s) => Type.Literal(s))),
  reversed_at: Nullable(Timestamp),
  reversal_journal_entry_id: Nullable(Type.String()),
  reversal_reason: Nullable(Type.String()),
});

const PayableSchema = Type.Object({
  object: Type.Literal('school_payable'),
  school_id: Type.String(),
  currency: Type.Literal('INR'),
  earned: Type.Integer({ description: 'credited to the school: captures net of refunds (and adjustments), paise' }),
  paid_out: Type.Integer({ description: 'paid to the school by payouts net of reversed ones, paise' }),
  owed: Type.Integer({ description: 'earned − paid_out: still owed to the school now, paise' }),
  as_of: Timestamp,
});

const SchoolParams = Type.Object({ id: Id('sch') });

/** School payouts recorded by finance (bank transfers made outside kosh) and what the ledger says is owed. */
export function payoutRoutes(parent: App, deps: AppDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/schools/:id/payouts',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'createSchoolPayout',
        summary: 'Record a payout to a school',
        tags: ['payouts'],
        description:
          'Records a bank transfer (NEFT, RTGS or IMPS) finance made to the school outside kosh, and posts it to the ledger: Dr school_payable (the school), Cr bank. Refused with 422 `payout_exceeds_owed` (naming /amount) when it is more than the ledger says is owed to the school at that moment; 409 `duplicate_utr` when the UTR is already recorded for the school. Every bad field is a 422 naming it, and nothing is written.',
        params: SchoolParams,
        body: Type.Object(
          {
            // Values are checked by the use case (422 naming the field), types here (a 400).
            amount: Type.Integer({ description: 'paise, above 0, at most what is owed' }),
            utr: Type.String({
              maxLength: 64,
              description: "the bank's reference: 16 (NEFT) to 22 (RTGS) letters and digits, or a 12-digit IMPS RRN",
            }),
            paid_on: Type.String({
              maxLength: 10,
              description: 'YYYY-MM-DD, the IST day the bank sent it; not later than today',
            }),
            period_from: Type.Optional(
              Type.String({ maxLength: 10, description: 'YYYY-MM-DD: first day of the settlement period it covers' }),
            ),
            period_to: Type.Optional(
              Type.String({ maxLength: 10, description: 'YYYY-MM-DD: last day of the period (with period_from)' }),
            ),
            note: Type.Optional(Type.String({ description: 'at most 500 characters' })),
          },
          {
            additionalProperties: false,
            examples: [
              {
                amount: 4_500_000,
                utr: 'HDFCN52026120812345',
                paid_on: '2026-12-08',
                period_from: '2026-11-01',
                period_to: '2026-11-30',
                note: 'November meals',
              },
            ],
          },
        ),
        response: responses(
          { 201: PayoutSchema },
          {
            409: 'The UTR is already recorded for this school (`duplicate_utr`)',
            422: 'A bad field, or more than is owed to the school (`payout_exceeds_owed`)',
          },
        ),
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await recordPayout(deps, {
          schoolId: request.params.id,
          amount: request.body.amount,
          utr: request.body.utr,
          paidOn: request.body.paid_on,
          periodFrom: request.body.period_from,
          periodTo: request.body.period_to,
          note: request.body.note,
          createdBy: request.apiKey?.id ?? 'unknown',
        }),
      ),
  );
  app.post(
    '/payouts/:id/reverse',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'reverseSchoolPayout',
        summary: 'Reverse a payout (a bounced transfer)',
        tags: ['payouts'],
        description:
          'The transfer bounced: posts the reverse entry (Dr bank, Cr school_payable), so the amount is owed to the school again. Once only: a second reversal is a 409 `payout_already_reversed`.',
        params: Type.Object({ id: Id('pout') }),
        body: Type.Object(
          { reason: Type.Optional(Type.String({ description: 'why, 3–500 characters (required)' })) },
          { additionalProperties: false, examples: [{ reason: 'Returned by the bank: account closed' }] },
        ),
        response: responses({ 200: PayoutSchema }, { 409: 'Already reversed (`payout_already_reversed`)' }),
      },
    },
    async (request) => reversePayout(deps, { payoutId: request.params.id, reason: request.body.reason }),
  );
  app.get(
    '/schools/:id/payouts',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'listSchoolPayouts',
        summary: "List a school's payouts",
        tags: ['payouts'],
        params: SchoolParams,
        querystring: Type.Object(PageQuery),
        response: responses({ 200: pageOf(PayoutSchema) }),
      },
    },
    async (request) => listSchoolPayouts(deps, request.params.id, request.query),
  );
  app.get(
    '/payouts/:id',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'getSchoolPayout',
        summary: 'Retrieve a payout',
        tags: ['payouts'],
        params: Type.Object({ id: Id('pout') }),
        response: responses({ 200: PayoutSchema }),
      },
    },
    async (request) => getPayout(deps, request.params.id),
  );
  app.get(
    '/schools/:id/payable',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'getSchoolPayable',
        summary: 'What is owed to a school',
        tags: ['payouts'],
        description:
          "From the ledger's school_payable account of the school: earned (captures net of refunds, and adjustments), paid out (payouts net of reversals) and owed now (earned − paid_out), in paise.",
        params: SchoolParams,
        response: responses({ 200: PayableSchema }),
      },
    },
    async (request) => getPayable(deps, request.params.id),
  );
}
