import { type Static, Type } from '@sinclair/typebox';
import { getInvoiceTemplate, listInvoiceTemplates } from '../../payments-core/invoice-templates/find-templates.js';
import { previewInvoiceTemplate } from '../../payments-core/invoice-templates/preview-template.js';
import {
  archiveInvoiceTemplate,
  createInvoiceTemplate,
  updateInvoiceTemplate,
} from '../../payments-core/invoice-templates/save-template.js';
import { buildEInvoice } from '../../payments-core/invoices/build-e-invoice.js';
import { markInvoiceUncollectible, voidInvoice } from '../../payments-core/invoices/change-invoice-status.js';
import { createCreditNote } from '../../payments-core/invoices/create-credit-note.js';
import { createManualInvoice } from '../../payments-core/invoices/create-manual-invoice.js';
import type { DraftInvoiceLine } from '../../payments-core/invoices/draft-lines.js';
import { finalizeInvoice, type InvoiceDeps } from '../../payments-core/invoices/finalize-invoice.js';
import { getInvoice, listInvoices } from '../../payments-core/invoices/find-invoices.js';
import { getInvoiceAnalytics } from '../../payments-core/invoices/get-invoice-analytics.js';
import { getInvoicePdf } from '../../payments-core/invoices/get-invoice-pdf.js';
import { recordInvoiceIrn } from '../../payments-core/invoices/record-invoice-irn.js';
import { updateDraftInvoice } from '../../payments-core/invoices/update-draft-invoice.js';
import type { App, AppDeps } from '../app.js';
import { tagged } from '../etag.js';
import { Id, IfMatchHeaders, Nullable, PageQuery, PRECONDITION_FAILED, pageOf, responses } from '../schemas.js';
import { EInvoiceSchema } from './gst.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const StatusSchema = Type.Union([
  Type.Literal('draft'),
  Type.Literal('finalized'),
  Type.Literal('paid'),
  Type.Literal('partially_paid'),
  Type.Literal('void'),
  Type.Literal('uncollectible'),
]);
const TaxCategorySchema = Type.Union([Type.Literal('gst_exempt_school_meals'), Type.Literal('gst')]);

const LineSchema = Type.Object({
  line_no: Type.Integer(),
  description: Type.String(),
  quantity: Type.Number(),
  unit_amount: Type.Integer(),
  amount: Type.Integer({ description: 'Taxable value in paise, before GST' }),
  tax_category: TaxCategorySchema,
  gst_rate_bp: Nullable(Type.Integer()),
  hsn_sac: Type.String(),
  uqc: Type.String({ description: "The quantity's unit, a GST UQC" }),
  cgst: Type.Integer(),
  sgst: Type.Integer(),
  igst: Type.Integer(),
  period_start: Nullable(Timestamp),
  period_end: Nullable(Timestamp),
});

export const InvoiceSchema = Type.Object({
  object: Type.Union([Type.Literal('invoice'), Type.Literal('credit_note')]),
  id: Type.String(),
  number: Nullable(Type.String({ description: 'Assigned at finalisation: INV/26-27/000123, BOS/…, CN/…' })),
  document_type: Type.Union([
    Type.Literal('tax_invoice'),
    Type.Literal('bill_of_supply'),
    Type.Literal('invoice_cum_bill_of_supply'),
    Type.Literal('credit_note'),
  ]),
  status: StatusSchema,
  source: Type.String(),
  source_ref: Type.String(),
  customer_id: Type.String(),
  school_id: Type.String(),
  subscription_id: Nullable(Type.String()),
  original_invoice_id: Nullable(Type.String()),
  currency: Type.String(),
  supply_type: Type.Union([Type.Literal('intra'), Type.Literal('inter')]),
  supplier_state_code: Type.String(),
  place_of_supply: Type.String(),
  customer_gstin: Nullable(Type.String()),
  taxable: Type.Integer(),
  exempt: Type.Integer(),
  cgst: Type.Integer(),
  sgst: Type.Integer(),
  igst: Type.Integer(),
  round_off: Type.Integer(),
  total: Type.Integer({ description: 'Payable in paise, rounded to the rupee' }),
  amount_paid: Type.Integer(),
  amount_credited: Type.Integer(),
  amount_due: Type.Integer(),
  auto_finalize: Type.Boolean(),
  memo: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  template_id: Nullable(Type.String()),
  template_version: Nullable(Type.Integer()),
  due_at: Nullable(Timestamp),
  finalized_at: Nullable(Timestamp),
  paid_at: Nullable(Timestamp),
  voided_at: Nullable(Timestamp),
  uncollectible_at: Nullable(Timestamp),
  irn: Nullable(Type.String({ description: "The IRP's Invoice Reference Number, once recorded (B2B e-invoices)" })),
  irn_ack_no: Nullable(Type.String()),
  irn_ack_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
  lines: Type.Array(LineSchema),
});

const LineInput = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 300 }),
    quantity: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100_000, default: 1 })),
    unit_amount: Type.Optional(Type.Integer({ minimum: -100_000_000_00, maximum: 100_000_000_00 })),
    amount: Type.Integer({ minimum: -100_000_000_00, maximum: 100_000_000_00, description: 'Taxable value in paise' }),
    tax_category: TaxCategorySchema,
    gst_rate_bp: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10_000 }))),
    hsn_sac: Type.Optional(Type.String({ pattern: '^[0-9]{4,8}$' })),
    uqc: Type.Optional(
      Type.String({ pattern: '^[A-Z]{3}$', description: "The quantity's unit: a GST UQC (NOS, PCS, KGS…, OTH)" }),
    ),
    period_start: Type.Optional(Type.String({ format: 'date-time' })),
    period_end: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
const Gstin = Type.String({
  minLength: 15,
  maxLength: 15,
  description: 'Recipient GSTIN (checked: format and check character)',
});

const toLines = (lines: Static<typeof LineInput>[]): DraftInvoiceLine[] =>
  lines.map((l) => ({
    description: l.description,
    quantity: l.quantity ?? 1,
    unitAmountMinor: l.unit_amount ?? Math.round(l.amount / (l.quantity ?? 1)),
    amountMinor: l.amount,
    taxCategory: l.tax_category,
    gstRateBp: l.gst_rate_bp ?? null,
    ...(l.hsn_sac === undefined ? {} : { hsnSac: l.hsn_sac }),
    ...(l.uqc === undefined ? {} : { uqc: l.uqc }),
    ...(l.period_start === undefined ? {} : { periodStart: new Date(l.period_start) }),
    ...(l.period_end === undefined ? {} : { periodEnd: new Date(l.period_end) }),
  }));

const ShowFields = Type.Object(
  {
    hsn_sac: Type.Optional(Type.Boolean()),
    service_period: Type.Optional(Type.Boolean()),
    customer_email: Type.Optional(Type.Boolean()),
    school: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const TemplateSchema = Type.Object({
  object: Type.Literal('invoice_template'),
  id: Type.String(),
  version: Type.Integer(),
  name: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('archived')]),
  is_default: Type.Boolean(),
  logo_base64: Nullable(Type.String()),
  primary_color: Type.String(),
  accent_color: Type.String(),
  header_text: Nullable(Type.String()),
  footer_text: Nullable(Type.String()),
  terms: Nullable(Type.String()),
  locale: Type.String(),
  show_fields: Type.Object({
    hsn_sac: Type.Boolean(),
    service_period: Type.Boolean(),
    customer_email: Type.Boolean(),
    school: Type.Boolean(),
  }),
  created_at: Timestamp,
});
const TemplateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    is_default: Type.Optional(Type.Boolean()),
    logo_base64: Type.Optional(
      Nullable(Type.String({ maxLength: 350_000, description: 'Base64 PNG or JPEG, ≤ 256 KiB' })),
    ),
    primary_color: Type.Optional(Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' })),
    accent_color: Type.Optional(Type.String({ pattern: '^#[0-9A-Fa-f]{6}$' })),
    header_text: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    footer_text: Type.Optional(Nullable(Type.String({ maxLength: 300 }))),
    terms: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    locale: Type.Optional(Type.Union([Type.Literal('en-IN'), Type.Literal('en-GB'), Type.Literal('en-US')])),
    show_fields: Type.Optional(ShowFields),
  },
  { additionalProperties: false },
);
const TemplateParams = Type.Object({ id: Id('tmpl') });

const Figures = Type.Object({
  outstanding: Type.Integer(),
  outstanding_count: Type.Integer(),
  uncollectible: Type.Integer(),
  aging: Type.Object({
    current: Type.Integer(),
    d1_30: Type.Integer(),
    d31_60: Type.Integer(),
    d61_90: Type.Integer(),
    d90_plus: Type.Integer(),
  }),
  billed: Type.Integer(),
  collected: Type.Integer(),
  dso_days: Nullable(Type.Number()),
  collection_rate: Nullable(Type.Number()),
  on_time_rate: Nullable(Type.Number()),
  on_time_count: Type.Integer(),
  on_time_eligible: Type.Integer(),
});
const AnalyticsSchema = Type.Object({
  object: Type.Literal('invoice_analytics'),
  as_of: Timestamp,
  window_days: Type.Integer(),
  overall: Figures,
  by_school: Type.Array(Type.Intersect([Type.Object({ school_id: Type.String() }), Figures])),
});

const InvoiceParams = Type.Object({ id: Type.String({ pattern: '^(inv|cn)_[A-Za-z0-9]+$', maxLength: 64 }) });

export function invoiceRoutes(app: App, deps: AppDeps): void {
  const inv: InvoiceDeps = {
    db: deps.db,
    clock: deps.clock,
    objects: deps.objects,
    log: deps.log,
    settings: deps.invoicing,
  };
  app.get(
    '/invoices',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listInvoices',
        summary: 'List invoices and credit notes',
        tags: ['invoices'],
        querystring: Type.Object({
          ...PageQuery,
          customer_id: Type.Optional(Id('cus')),
          school_id: Type.Optional(Id('sch')),
          status: Type.Optional(StatusSchema),
          kind: Type.Optional(Type.Union([Type.Literal('invoice'), Type.Literal('credit_note')])),
        }),
        response: responses({ 200: pageOf(InvoiceSchema) }),
      },
    },
    async (request) => listInvoices(deps.db, request.query),
  );
  app.get(
    '/invoices/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getInvoice',
        summary: 'Retrieve an invoice or credit note',
        tags: ['invoices'],
        params: InvoiceParams,
        response: responses({ 200: InvoiceSchema }),
      },
    },
    async (request, reply) => tagged(reply, await getInvoice(deps.db, request.params.id)),
  );
  app.get(
    '/invoices/:id/pdf',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getInvoicePdf',
        summary: 'Download an invoice as PDF',
        tags: ['invoices'],
        params: InvoiceParams,
        produces: ['application/pdf'],
      },
    },
    async (request, reply) => {
      const pdf = await getInvoicePdf(inv, request.params.id);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${pdf.filename}"`)
        .send(Buffer.from(pdf.bytes.buffer, pdf.bytes.byteOffset, pdf.bytes.byteLength));
    },
  );
  app.get(
    '/invoices/:id/e-invoice',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getEInvoice',
        summary: 'The e-invoice JSON of an invoice',
        tags: ['invoices'],
        description:
          'The e-invoice JSON (NIC schema INV-01, version 1.1) of a finalised B2B invoice, ready for an IRP. kosh holds no IRP credentials: this is a prepared payload, with no IRN or signed QR. 422 for a credit note, a bill of supply, an unregistered recipient, a draft or a voided invoice.',
        params: InvoiceParams,
        response: responses({ 200: EInvoiceSchema }),
      },
    },
    async (request) => buildEInvoice(deps.db, request.params.id),
  );
  app.post(
    '/invoices',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'createInvoice',
        summary: 'Create a draft invoice',
        tags: ['invoices'],
        body: Type.Object(
          {
            customer_id: Id('cus'),
            lines: Type.Array(LineInput, { minItems: 1, maxItems: 200 }),
            customer_gstin: Type.Optional(Gstin),
            memo: Type.Optional(Type.String({ maxLength: 500 })),
            due_at: Type.Optional(Type.String({ format: 'date-time' })),
            template_id: Type.Optional(Id('tmpl')),
            auto_finalize: Type.Optional(Type.Boolean({ default: false })),
          },
          {
            additionalProperties: false,
            examples: [
              {
                customer_id: 'cus_Q7mX2kT9wR4p',
                lines: [
                  {
                    description: 'School meals, July 2026 (22 days)',
                    quantity: 22,
                    unit_amount: 5000,
                    amount: 110000,
                    tax_category: 'gst_exempt_school_meals',
                    uqc: 'NOS',
                  },
                ],
                memo: 'July 2026',
              },
            ],
          },
        ),
        response: responses({ 201: InvoiceSchema }),
      },
    },
    async (request, reply) => {
      const b = request.body;
      const invoice = await createManualInvoice(inv, {
        customerId: b.customer_id,
        lines: toLines(b.lines),
        ...(b.customer_gstin === undefined ? {} : { customerGstin: b.customer_gstin }),
        ...(b.memo === undefined ? {} : { memo: b.memo }),
        ...(b.due_at === undefined ? {} : { dueAt: new Date(b.due_at) }),
        ...(b.template_id === undefined ? {} : { templateId: b.template_id }),
        ...(b.auto_finalize === undefined ? {} : { autoFinalize: b.auto_finalize }),
      });
      return reply.code(201).send(tagged(reply, invoice));
    },
  );
  app.patch(
    '/invoices/:id',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'updateInvoice',
        summary: 'Update a draft invoice',
        description:
          'Changes a draft: lines (totals recomputed), GSTIN, memo, due date, template. A finalised document never changes: correct it with a credit note.',
        tags: ['invoices'],
        params: InvoiceParams,
        headers: IfMatchHeaders,
        body: Type.Object(
          {
            lines: Type.Optional(Type.Array(LineInput, { minItems: 1, maxItems: 200 })),
            customer_gstin: Type.Optional(Nullable(Gstin)),
            memo: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
            due_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
            template_id: Type.Optional(Nullable(Id('tmpl'))),
            auto_finalize: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: responses(
          { 200: InvoiceSchema },
          { 409: 'The invoice is not a draft (`invoice_not_draft`)', ...PRECONDITION_FAILED },
        ),
      },
    },
    async (request, reply) => {
      const b = request.body;
      const patch = {
        lines: b.lines === undefined ? undefined : toLines(b.lines),
        customerGstin: b.customer_gstin,
        memo: b.memo,
        dueAt: b.due_at === undefined ? undefined : b.due_at === null ? null : new Date(b.due_at),
        templateId: b.template_id,
        autoFinalize: b.auto_finalize,
      };
      return tagged(reply, await updateDraftInvoice(inv, request.params.id, patch, request.headers['if-match']));
    },
  );
  for (const [action, run, operationId, summary, description, conflicts] of [
    [
      'finalize',
      finalizeInvoice,
      'finalizeInvoice',
      'Finalize a draft invoice',
      'Assigns the next gapless number of its series (INV/, BOS/) and freezes the lines. Only a draft can be finalised.',
      { 409: 'The invoice is not a draft (`invoice_not_draft`)' },
    ],
    [
      'void',
      voidInvoice,
      'voidInvoice',
      'Void an invoice',
      'An invoice with nothing paid or credited becomes `void`; its number stays used and unsent emails are withdrawn. One with payments or credit notes needs a (further) credit note instead.',
      {
        409: 'The invoice has payments (`invoice_has_payments`) or credit notes (`invoice_has_credit_notes`), or its status cannot become void (`invalid_invoice_transition`)',
      },
    ],
    [
      'mark-uncollectible',
      markInvoiceUncollectible,
      'markInvoiceUncollectible',
      'Mark an invoice uncollectible',
      'A finalised or partly paid invoice is written off as `uncollectible`; a payment that arrives later still marks it paid.',
      { 409: 'The invoice status cannot become uncollectible (`invalid_invoice_transition`)' },
    ],
  ] as const) {
    app.post(
      `/invoices/:id/${action}`,
      {
        config: { scope: 'billing:admin' },
        schema: {
          operationId,
          summary,
          description,
          tags: ['invoices'],
          params: InvoiceParams,
          headers: IfMatchHeaders,
          response: responses({ 200: InvoiceSchema }, { ...conflicts, ...PRECONDITION_FAILED }),
        },
      },
      async (request, reply) => tagged(reply, await run(inv, request.params.id, request.headers['if-match'])),
    );
  }
  app.post(
    '/invoices/:id/irn',
    {
      // The body is what an IRP answered (a hex IRN, a numeric AckNo, a date, a signed JWT): a 15-digit AckNo passes
      // Luhn one time in ten, and no field here can carry card data.
      config: { scope: 'billing:admin', cardGuard: false },
      schema: {
        operationId: 'recordInvoiceIrn',
        summary: "Record an e-invoice's IRN from the IRP",
        description:
          'kosh holds no IRP credentials: an operator registers the e-invoice payload (GET /v1/invoices/:id/e-invoice) at an IRP and records its answer here, for a finalised B2B invoice only. The PDF is stored again with the IRN, the acknowledgement and the signed QR code. Once recorded it never changes: the same answer again returns the invoice, another is 409. `If-Match` takes the `ETag` of the invoice: an invoice changed since gets 412 and nothing is recorded.',
        tags: ['invoices'],
        params: InvoiceParams,
        body: Type.Object(
          {
            irn: Type.String({ maxLength: 64, description: '64 hexadecimal digits' }),
            ack_no: Type.Union([Type.String({ maxLength: 20 }), Type.Integer({ minimum: 0 })], {
              description: "The IRP's AckNo",
            }),
            ack_date: Type.String({
              maxLength: 40,
              description: "The IRP's AckDt, `YYYY-MM-DD HH:mm:ss` in IST (or an RFC 3339 instant)",
            }),
            signed_qr_code: Type.String({ maxLength: 8000, description: "The IRP's SignedQRCode (a JWT)" }),
          },
          {
            additionalProperties: false,
            examples: [
              {
                irn: 'a5c12dca80e743321740b001fd70953e8738d109865d28ba4013750f2046f229',
                ack_no: 112010036563310,
                ack_date: '2026-05-12 13:06:00',
                signed_qr_code: 'eyJhbGciOiJSUzI1NiJ9.eyJkYXRhIjoie30ifQ.c2lnbmF0dXJl',
              },
            ],
          },
        ),
        headers: IfMatchHeaders,
        response: responses(
          { 200: InvoiceSchema },
          {
            409: 'Not a finalised B2B invoice (`invoice_not_e_invoiced`), or another IRN is recorded (`irn_already_recorded`)',
            ...PRECONDITION_FAILED,
          },
        ),
      },
    },
    async (request, reply) =>
      tagged(reply, await recordInvoiceIrn(inv, request.params.id, request.body, request.headers['if-match'])),
  );
  app.post(
    '/invoices/:id/credit-notes',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'createCreditNote',
        summary: 'Issue a credit note against an invoice',
        description:
          "Issues a credit note against a finalised invoice (CGST rule 53) in its own gapless CN/ series, at the invoice's supply type and rates; the credit reduces what the invoice still asks for. Without `lines` the whole invoice is credited; once part of it is credited, `lines` are required. `If-Match` takes the invoice's `ETag`: an invoice changed since (paid, credited, voided) gets 412 and no credit note is issued.",
        tags: ['invoices'],
        params: InvoiceParams,
        body: Type.Object(
          {
            reason: Type.Union([
              Type.Literal('refund'),
              Type.Literal('adjustment'),
              Type.Literal('order_change'),
              Type.Literal('other'),
            ]),
            lines: Type.Optional(Type.Array(LineInput, { minItems: 1, maxItems: 200 })),
            memo: Type.Optional(Type.String({ maxLength: 500 })),
          },
          {
            additionalProperties: false,
            examples: [
              {
                reason: 'order_change',
                lines: [
                  {
                    description: 'Meals not served, 2 days',
                    quantity: 2,
                    unit_amount: 5000,
                    amount: 10000,
                    tax_category: 'gst_exempt_school_meals',
                  },
                ],
              },
            ],
          },
        ),
        headers: IfMatchHeaders,
        response: responses(
          { 201: InvoiceSchema },
          {
            409: 'The invoice is a draft or void (`invoice_not_finalized`), or changed meanwhile (`invoice_changed`)',
            ...PRECONDITION_FAILED,
            422: '`lines` are required after a first credit (`credit_lines_required`), or the credit exceeds what is left (`credit_exceeds_invoice`)',
          },
        ),
      },
    },
    async (request, reply) => {
      const b = request.body;
      const cn = await createCreditNote(
        inv,
        request.params.id,
        { reason: b.reason, lines: b.lines === undefined ? undefined : toLines(b.lines), memo: b.memo },
        request.headers['if-match'],
      );
      return reply.code(201).send(cn);
    },
  );

  app.get(
    '/invoice-templates',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listInvoiceTemplates',
        summary: 'List invoice templates',
        tags: ['invoices'],
        response: responses({ 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(TemplateSchema) }) }),
      },
    },
    async () => ({ object: 'list' as const, data: await listInvoiceTemplates(deps.db) }),
  );
  app.get(
    '/invoice-templates/:id',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getInvoiceTemplate',
        summary: 'Retrieve an invoice template',
        tags: ['invoices'],
        params: TemplateParams,
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: responses({ 200: TemplateSchema }),
      },
    },
    async (request, reply) =>
      tagged(reply, await getInvoiceTemplate(deps.db, request.params.id, request.query.version)),
  );
  app.post(
    '/invoice-templates',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'createInvoiceTemplate',
        summary: 'Create an invoice template',
        tags: ['invoices'],
        body: TemplateBody,
        response: responses({ 201: TemplateSchema }),
      },
    },
    async (request, reply) => reply.code(201).send(tagged(reply, await createInvoiceTemplate(deps, request.body))),
  );
  app.patch(
    '/invoice-templates/:id',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'updateInvoiceTemplate',
        summary: 'Update an invoice template (a new version)',
        tags: ['invoices'],
        params: TemplateParams,
        headers: IfMatchHeaders,
        body: TemplateBody,
        response: responses({ 200: TemplateSchema }, PRECONDITION_FAILED),
      },
    },
    async (request, reply) =>
      tagged(reply, await updateInvoiceTemplate(deps, request.params.id, request.body, request.headers['if-match'])),
  );
  app.delete(
    '/invoice-templates/:id',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'archiveInvoiceTemplate',
        summary: 'Archive an invoice template',
        tags: ['invoices'],
        params: TemplateParams,
        headers: IfMatchHeaders,
        response: responses({ 200: TemplateSchema }, PRECONDITION_FAILED),
      },
    },
    async (request, reply) =>
      tagged(reply, await archiveInvoiceTemplate(deps, request.params.id, request.headers['if-match'])),
  );
  app.post(
    '/invoice-templates/:id/preview',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'previewInvoiceTemplate',
        summary: 'Preview an invoice template as PDF',
        tags: ['invoices'],
        params: TemplateParams,
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }),
        produces: ['application/pdf'],
      },
    },
    async (request, reply) => {
      const pdf = await previewInvoiceTemplate(deps.db, request.params.id, request.query.version);
      return reply.type('application/pdf').send(pdf);
    },
  );

  app.get(
    '/analytics/invoices',
    {
      config: { scope: 'analytics:read' },
      schema: {
        operationId: 'getInvoiceAnalytics',
        summary: 'Invoice analytics: outstanding, aging, DSO',
        tags: ['invoices', 'analytics'],
        querystring: Type.Object({
          as_of: Type.Optional(Type.String({ format: 'date-time' })),
          window_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 730, default: 90 })),
          school_id: Type.Optional(Id('sch')),
        }),
        response: responses({ 200: AnalyticsSchema }),
      },
    },
    async (request) =>
      getInvoiceAnalytics(deps.db, {
        as_of: request.query.as_of === undefined ? deps.clock.now() : new Date(request.query.as_of),
        window_days: request.query.window_days,
        school_id: request.query.school_id,
      }),
  );
}
