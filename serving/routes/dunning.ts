import { Type } from '@sinclair/typebox';
import { getDunningCase, listDunningCases } from '../../payments-core/dunning/find-dunning-cases.js';
import { getDunningAnalytics } from '../../payments-core/dunning/get-dunning-analytics.js';
import { getUpdateMethodPage } from '../../payments-core/dunning/get-update-method-page.js';
import { updateMethodFromLink } from '../../payments-core/dunning/update-method-from-link.js';
import { AppError } from '../../platform/errors.js';
import type { App, AppDeps } from '../app.js';
import { refuseWhileGuessing } from '../plugins/auth.js';
import { Id, IfMatchHeaders, Nullable, PageQuery, PRECONDITION_FAILED, pageOf, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const Paise = (description = 'paise') => Type.Integer({ description });
const Rate = Nullable(Type.Number({ minimum: 0, maximum: 1 }));

const DunningStatusSchema = Type.Union([
  Type.Literal('open'),
  Type.Literal('recovered'),
  Type.Literal('exhausted'),
  Type.Literal('cancelled'),
]);

const DunningStepSchema = Type.Object({
  object: Type.Literal('dunning_step'),
  step: Type.Integer({
    description: '0 = the failure that opened the case; for kosh cases, the charge attempt number',
  }),
  kind: Type.Union([
    Type.Literal('failure'),
    Type.Literal('scheduled'),
    Type.Literal('method_updated'),
    Type.Literal('razorpay_retry'),
  ]),
  planned_at: Timestamp,
  done_at: Nullable(Timestamp),
  outcome: Nullable(
    Type.Union([
      Type.Literal('failed'),
      Type.Literal('paid'),
      Type.Literal('unknown'),
      Type.Literal('awaiting_method'),
      Type.Literal('skipped'),
    ]),
  ),
  payment_method_id: Nullable(Type.String()),
  payment_id: Nullable(Type.String()),
  decline_code: Nullable(Type.String()),
  email_id: Nullable(Type.String()),
});

const DunningCaseSchema = Type.Object({
  object: Type.Literal('dunning_case'),
  id: Type.String(),
  collection: Type.Union([Type.Literal('kosh'), Type.Literal('razorpay')]),
  subscription_id: Type.String(),
  billing_record_id: Nullable(Type.String()),
  invoice_id: Nullable(
    Type.String({ description: "the always_invoice change's invoice the case collects, else null" }),
  ),
  customer_id: Type.String(),
  amount: Paise('the renewal being collected'),
  currency: Type.String(),
  status: DunningStatusSchema,
  decline_code: Nullable(Type.String()),
  decline_category: Type.Union([Type.Literal('hard'), Type.Literal('soft')]),
  last_decline_code: Nullable(Type.String()),
  awaiting_method: Type.Boolean({ description: 'a hard decline: no retry until another method is set' }),
  failed_at: Timestamp,
  next_step_at: Nullable(Timestamp),
  final_action: Nullable(
    Type.Union([Type.Literal('cancel'), Type.Literal('mark_unpaid'), Type.Literal('razorpay_halted')]),
  ),
  recovered_amount: Nullable(Type.Integer()),
  recovered_at: Nullable(Timestamp),
  recovered_step: Nullable(Type.Integer()),
  recovered_payment_id: Nullable(Type.String()),
  closed_at: Nullable(Timestamp),
  close_reason: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
  steps: Type.Optional(Type.Array(DunningStepSchema)),
});

const Counts = {
  opened: Type.Integer(),
  recovered: Type.Integer(),
  recovered_revenue: Paise(),
  recovery_rate: Rate,
};

const DunningAnalyticsSchema = Type.Object({
  object: Type.Literal('dunning_analytics'),
  from: Type.String(),
  to: Type.String(),
  currency: Type.String(),
  opened: Type.Integer({ description: 'cases opened (renewals failed) on IST days from..to' }),
  recovered: Type.Integer(),
  exhausted: Type.Integer(),
  cancelled: Type.Integer(),
  still_open: Type.Integer(),
  recovery_rate: Rate,
  at_risk: Paise('Σ amount of the cases opened'),
  recovered_revenue: Paise('Σ recovered amount of those cases'),
  by_step: Type.Array(
    Type.Object({
      step: Nullable(Type.Integer()),
      kind: Type.String(),
      recovered: Type.Integer(),
      recovered_revenue: Paise(),
    }),
  ),
  by_decline_category: Type.Array(Type.Object({ category: Type.String(), ...Counts })),
  by_decline_code: Type.Array(Type.Object({ decline_code: Type.String(), category: Type.String(), ...Counts })),
});

const Day = (description: string) => Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description }));

export function dunningRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/dunning/cases',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listDunningCases',
        summary: 'List dunning cases',
        tags: ['dunning'],
        querystring: Type.Object({
          ...PageQuery,
          status: Type.Optional(DunningStatusSchema),
          subscription_id: Type.Optional(Id('sub')),
        }),
        response: responses({ 200: pageOf(DunningCaseSchema) }),
      },
    },
    async (request) => listDunningCases(deps, request.query),
  );
  app.get(
    '/dunning/cases/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getDunningCase',
        summary: 'Retrieve a dunning case',
        tags: ['dunning'],
        params: Type.Object({ id: Id('dun') }),
        response: responses({ 200: DunningCaseSchema }),
      },
    },
    async (request) => getDunningCase(deps, request.params.id),
  );
  app.get(
    '/analytics/dunning',
    {
      config: { scope: 'analytics:read' },
      schema: {
        operationId: 'getDunningAnalytics',
        summary: 'Dunning analytics: recovery rate and time to recover',
        tags: ['dunning'],
        querystring: Type.Object(
          {
            from: Day('first IST day, YYYY-MM-DD; default: 29 days before to'),
            to: Day('last IST day (inclusive), YYYY-MM-DD; default: today'),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: DunningAnalyticsSchema }),
      },
    },
    async (request) => getDunningAnalytics(deps, request.query),
  );
}

const Token = Type.Object({ token: Type.String({ minLength: 1, maxLength: 100 }) });

/**
 * The public pages behind the links in dunning emails: no API key, the token is the credential. An unknown token
 * counts as a failed authentication of the client's address, like an unknown API key: past the limit the address
 * is refused (429 too_many_failed_authentications) until its window ends.
 */
export function dunningLinkRoutes(app: App, deps: AppDeps): void {
  const throttled = async <T>(ip: string, work: () => Promise<T>): Promise<T> => {
    if (deps.authFailures !== undefined) refuseWhileGuessing(deps.authFailures, ip, deps.clock.now());
    try {
      return await work();
    } catch (err) {
      if (err instanceof AppError && err.code === 'link_not_found')
        await deps.authFailures?.failed(ip, deps.clock.now());
      throw err;
    }
  };
  app.get(
    '/billing/update-method/:token',
    {
      schema: {
        operationId: 'getPaymentMethodUpdateLink',
        summary: 'Open a payment method update link',
        tags: ['dunning'],
        description: 'The page a dunning email links to: what failed, and the saved methods to choose from',
        security: [],
        params: Token,
        response: responses({ 200: Type.String() }),
      },
    },
    async (request, reply) => {
      const page = await throttled(request.ip, () => getUpdateMethodPage(deps, request.params.token));
      return reply
        .type('text/html; charset=utf-8')
        .header('etag', page.etag)
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; form-action 'self'",
        )
        .send(page.html);
    },
  );
  app.post(
    '/billing/update-method/:token',
    {
      schema: {
        operationId: 'updatePaymentMethodByLink',
        summary: 'Update a payment method through a dunning link',
        tags: ['dunning'],
        description:
          'Sets the subscription’s method to one of the customer’s saved methods and plans a retry now. The page’s form sends its `ETag` as `If-Match`: a page that no longer shows what stands (a method saved or removed, the case or the subscription’s method changed) gets 412.',
        security: [],
        params: Token,
        headers: IfMatchHeaders,
        body: Type.Object({ payment_method_id: Id('pm') }, { additionalProperties: false }),
        response: responses(
          {
            200: Type.Object({
              object: Type.Literal('dunning_method_update'),
              case_id: Type.String(),
              subscription_id: Type.String(),
              payment_method_id: Type.String(),
              retry_planned_at: Timestamp,
            }),
          },
          PRECONDITION_FAILED,
        ),
      },
    },
    async (request) =>
      throttled(request.ip, () =>
        updateMethodFromLink(deps, request.params.token, request.body, request.headers['if-match']),
      ),
  );
}
