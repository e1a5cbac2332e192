import { rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { exportReconciliationItems } from '../../payments-core/reconciliation/export-reconciliation-items.js';
import {
  getReconciliationRun,
  listReconciliationItems,
  listReconciliationRuns,
} from '../../payments-core/reconciliation/find-reconciliation-runs.js';
import { reconcileGatewayDay } from '../../payments-core/reconciliation/reconcile-gateway-day.js';
import { reconcileSettlementReport } from '../../payments-core/reconciliation/reconcile-settlement-report.js';
import { resolveReconciliationItem } from '../../payments-core/reconciliation/resolve-reconciliation-item.js';
import { MANUAL_RESOLUTIONS, RECON_RESOLUTIONS, RECON_STATUSES } from '../../payments-core/reconciliation/types.js';
import type { App, AppDeps } from '../app.js';
import { type Upload, uploadToFile } from '../plugins/upload-to-file.js';
import { Id, Nullable, PageQuery, pageOf, responses } from '../schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** A streamed upload's temporary file, removed once the answer is sent. */
    upload: Upload | null;
  }
}

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const Paise = (description: string) => Type.Integer({ minimum: 0, maximum: 10_000_000_00, description });
const StatusSchema = Type.Union(RECON_STATUSES.map((s) => Type.Literal(s)));
const ResolutionSchema = Type.Union(RECON_RESOLUTIONS.map((r) => Type.Literal(r)));

const ReconRunSchema = Type.Object({
  object: Type.Literal('reconciliation_run'),
  id: Type.String(),
  source: Type.Union([Type.Literal('upload'), Type.Literal('gateway')]),
  report_date: Nullable(Type.String()),
  amount_unit: Type.Union([Type.Literal('paise'), Type.Literal('rupees')]),
  window_start: Nullable(Timestamp),
  window_end: Nullable(Timestamp),
  fee_tolerance: Type.Integer(),
  amount_tolerance: Type.Integer(),
  report_lines: Type.Integer(),
  created_at: Timestamp,
});

const ReconRunDetailSchema = Type.Object({
  ...ReconRunSchema.properties,
  summary: Type.Array(
    Type.Object({
      status: StatusSchema,
      items: Type.Integer(),
      auto_adjusted: Type.Integer(),
      open: Type.Integer(),
      resolved: Type.Integer(),
      report_amount: Type.Integer(),
      kosh_amount: Type.Integer(),
      amount_difference: Type.Integer(),
      fee_difference: Type.Integer(),
    }),
  ),
  journal_entries: Type.Integer(),
  unmatched_webhook_events: Type.Integer(),
  settlements_booked: Type.Array(
    Type.Object({
      id: Type.String(),
      utr: Nullable(Type.String()),
      amount: Type.Integer(),
      currency: Type.String(),
      journal_entry_id: Type.String(),
    }),
    { description: 'gateway settlements this run booked to the bank (Dr bank, Cr gateway_clearing)' },
  ),
});

const ReconItemSchema = Type.Object({
  object: Type.Literal('reconciliation_item'),
  id: Type.String(),
  run_id: Type.String(),
  line_no: Nullable(Type.Integer()),
  status: StatusSchema,
  resolution: ResolutionSchema,
  entity_type: Type.String(),
  entity_id: Type.String(),
  kosh_id: Nullable(Type.String()),
  school_id: Nullable(Type.String()),
  currency: Type.String(),
  report_amount: Nullable(Type.Integer()),
  kosh_amount: Nullable(Type.Integer()),
  report_fee: Nullable(Type.Integer()),
  kosh_fee: Nullable(Type.Integer()),
  report_tax: Nullable(Type.Integer()),
  kosh_tax: Nullable(Type.Integer()),
  journal_entry_id: Nullable(Type.String()),
  settlement_id: Nullable(Type.String()),
  settlement_utr: Nullable(Type.String()),
  settled_at: Nullable(Timestamp),
  webhook_event_ids: Type.Array(Type.String()),
  note: Nullable(Type.String()),
  resolved_at: Nullable(Timestamp),
  resolved_by: Nullable(Type.String()),
  resolution_note: Nullable(Type.String()),
  created_at: Timestamp,
});

const Tolerances = {
  fee_tolerance: Type.Optional(Paise('Largest fee (and fee GST) difference auto-adjusted, in paise; default 100')),
  amount_tolerance: Type.Optional(Paise('Largest amount difference auto-adjusted, in paise; default 0 (never)')),
  from: Type.Optional(
    Type.String({ format: 'date-time', description: 'Window start; default: first payment in the report' }),
  ),
  to: Type.Optional(
    Type.String({ format: 'date-time', description: 'Window end; default: last payment in the report' }),
  ),
};

const tolerances = (q: { fee_tolerance?: number | undefined; amount_tolerance?: number | undefined }) => ({
  ...(q.fee_tolerance === undefined ? {} : { feeToleranceMinor: q.fee_tolerance }),
  ...(q.amount_tolerance === undefined ? {} : { amountToleranceMinor: q.amount_tolerance }),
});
const date = (s: string | undefined) => (s === undefined ? undefined : new Date(s));

/** Settlement reconciliation: upload a report (text/csv) or fetch a day's from the gateway; runs and items. */
export function reconciliationRoutes(parent: App, deps: AppDeps): void {
  // Its own plugin, so the text/csv parser exists for these routes only.
  void parent.register(async (plugin) => {
    const app = plugin.withTypeProvider<TypeBoxTypeProvider>();
    app.decorateRequest('upload', null);
    const uploadLimit = deps.config.uploadLimitBytes ?? 256 * 1024 * 1024;
    // The report streams to a temporary file (never whole in memory) and is refused as soon as it passes the limit.
    app.addContentTypeParser('text/csv', (request, payload, done) => {
      uploadToFile(payload, {
        limit: uploadLimit,
        scanCards: request.routeOptions.config.cardGuard !== false,
        declaredLength: request.headers['content-length'],
      })
        .then((upload) => {
          request.upload = upload;
          // What the idempotency store compares: the body's digest, not its text.
          request.rawBody = `sha256:${upload.sha256}`;
          done(null, '');
        })
        .catch((err: Error) => done(err, undefined));
    });
    app.addHook('onResponse', async (request) => {
      if (request.upload !== null) rmSync(request.upload.path, { force: true });
    });

    app.post(
      '/reconciliation/runs',
      {
        config: { scope: 'billing:admin' },
        bodyLimit: uploadLimit,
        schema: {
          operationId: 'createReconciliationRun',
          summary: 'Reconcile a settlement report',
          tags: ['reconciliation'],
          description:
            'Reconciles a Razorpay Settlement Recon report sent as the body (Content-Type: text/csv, amounts in paise unless amount_unit=rupees).',
          consumes: ['text/csv'],
          querystring: Type.Object(
            {
              ...Tolerances,
              amount_unit: Type.Optional(Type.Union([Type.Literal('paise'), Type.Literal('rupees')])),
            },
            { additionalProperties: false },
          ),
          body: Type.String({ description: 'the CSV report, header line first' }),
          response: responses({ 201: ReconRunDetailSchema }),
        },
      },
      async (request, reply) =>
        reply.code(201).send(
          await reconcileSettlementReport(deps, {
            source: 'upload',
            report: request.upload === null || request.upload.blank ? { csv: '' } : { path: request.upload.path },
            unit: request.query.amount_unit,
            tolerances: tolerances(request.query),
            windowStart: date(request.query.from),
            windowEnd: date(request.query.to),
          }),
        ),
    );
    app.post(
      '/reconciliation/runs/from-gateway',
      {
        config: { scope: 'billing:admin' },
        schema: {
          operationId: 'createReconciliationRunFromGateway',
          summary: 'Reconcile the settlements fetched from the gateway',
          tags: ['reconciliation'],
          description: "Fetches the gateway's Settlement Recon report for one IST day and reconciles it.",
          body: Type.Object(
            { date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), ...Tolerances },
            { additionalProperties: false },
          ),
          response: responses({ 201: ReconRunDetailSchema }),
        },
      },
      async (request, reply) =>
        reply.code(201).send(
          await reconcileGatewayDay(deps, {
            date: request.body.date,
            tolerances: tolerances(request.body),
            windowStart: date(request.body.from),
            windowEnd: date(request.body.to),
          }),
        ),
    );
    app.get(
      '/reconciliation/runs',
      {
        config: { scope: 'billing:admin' },
        schema: {
          operationId: 'listReconciliationRuns',
          summary: 'List reconciliation runs',
          tags: ['reconciliation'],
          querystring: Type.Object(PageQuery),
          response: responses({ 200: pageOf(ReconRunSchema) }),
        },
      },
      async (request) => listReconciliationRuns(deps, request.query),
    );
    app.get(
      '/reconciliation/runs/:id',
      {
        config: { scope: 'billing:admin' },
        schema: {
          operationId: 'getReconciliationRun',
          summary: 'Retrieve a reconciliation run',
          tags: ['reconciliation'],
          params: Type.Object({ id: Id('rcn') }),
          response: responses({ 200: ReconRunDetailSchema }),
        },
      },
      async (request) => getReconciliationRun(deps, request.params.id),
    );
    app.get(
      '/reconciliation/runs/:id/items',
      {
        config: { scope: 'billing:admin' },
        schema: {
          operationId: 'listReconciliationItems',
          summary: "List a reconciliation run's items",
          tags: ['reconciliation'],
          params: Type.Object({ id: Id('rcn') }),
          querystring: Type.Object({
            ...PageQuery,
            status: Type.Optional(StatusSchema),
            resolution: Type.Optional(ResolutionSchema),
          }),
          response: responses({ 200: pageOf(ReconItemSchema) }),
        },
      },
      async (request) => listReconciliationItems(deps, request.params.id, request.query),
    );
    app.post(
      '/reconciliation/items/:id/resolve',
      {
        config: { scope: 'billing:admin' },
        schema: {
          operationId: 'resolveReconciliationItem',
          summary: 'Resolve a reconciliation item',
          tags: ['reconciliation'],
          description:
            'Resolves an open item with a reason: adjust or write_off books its difference in the ledger, matched_manually moves no money. 409 item_not_open when it is not open.',
          params: Type.Object({ id: Id('rci') }),
          body: Type.Object(
            {
              resolution: Type.Union(MANUAL_RESOLUTIONS.map((r) => Type.Literal(r))),
              // Checked by the use case (422 naming /note), not here (a 400).
              note: Type.Optional(Type.String({ description: 'why, 3–500 characters (required)' })),
              kosh_id: Type.Optional(
                Type.String({
                  minLength: 3,
                  maxLength: 64,
                  description: 'matched_manually of a missing_in_kosh line: the kosh payment (or refund) it is',
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: responses({ 200: ReconItemSchema }),
        },
      },
      async (request) =>
        resolveReconciliationItem(deps, {
          itemId: request.params.id,
          resolution: request.body.resolution,
          note: request.body.note,
          koshId: request.body.kosh_id,
          resolvedBy: request.apiKey?.id ?? 'unknown',
        }),
    );
    app.get(
      '/reconciliation/runs/:id/items.csv',
      {
        config: { scope: 'billing:admin' },
        schema: {
          operationId: 'exportReconciliationItems',
          summary: "Download a reconciliation run's items as CSV",
          tags: ['reconciliation'],
          params: Type.Object({ id: Id('rcn') }),
          produces: ['text/csv'],
          response: responses({ 200: Type.String({ description: 'the items as CSV, amounts in paise' }) }),
        },
      },
      async (request, reply) => {
        const csv = await exportReconciliationItems(deps, request.params.id);
        return (
          reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${request.params.id}-items.csv"`)
            // A stream bypasses the serializer; the schema above documents what it carries.
            .send(Readable.from(csv) as unknown as string)
        );
      },
    );
  });
}
