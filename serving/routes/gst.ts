import { type TProperties, Type } from '@sinclair/typebox';
import { addGstRate } from '../../payments-core/gst-rates/add-gst-rate.js';
import { listGstRates } from '../../payments-core/gst-rates/list-gst-rates.js';
import { exportGstr1 } from '../../payments-core/gst-returns/export-gstr1.js';
import { INV01_GST_RATES } from '../../payments-core/invoices/build-e-invoice.js';
import type { App, AppDeps } from '../app.js';
import { Nullable, responses } from '../schemas.js';

const Rupees = Type.Number({ description: 'rupees, at most two decimals' });
const Rate = Type.Number({ description: 'GST rate in percent' });
const StateCode = Type.String({ pattern: '^[0-9]{2}$' });
const Obj = <T extends TProperties>(props: T) => Type.Object(props, { additionalProperties: false });
const ItemDetail = Obj({ txval: Rupees, rt: Rate, iamt: Rupees, camt: Rupees, samt: Rupees, csamt: Rupees });
const Items = Type.Array(Obj({ num: Type.Integer(), itm_det: ItemDetail }));
const Note = {
  ntty: Type.Literal('C'),
  nt_num: Type.String(),
  nt_dt: Type.String(),
  val: Rupees,
  pos: StateCode,
  itms: Items,
};

const Gstr1Schema = Type.Object({
  gstin: Type.String(),
  fp: Type.String({ description: 'MMYYYY' }),
  version: Type.String(),
  hash: Type.String(),
  b2b: Type.Optional(
    Type.Array(
      Obj({
        ctin: Type.String(),
        inv: Type.Array(
          Obj({
            inum: Type.String(),
            idt: Type.String({ description: 'dd-mm-yyyy' }),
            val: Rupees,
            pos: StateCode,
            rchrg: Type.Literal('N'),
            inv_typ: Type.Literal('R'),
            itms: Items,
          }),
        ),
      }),
    ),
  ),
  b2cl: Type.Optional(
    Type.Array(
      Obj({
        pos: StateCode,
        inv: Type.Array(Obj({ inum: Type.String(), idt: Type.String(), val: Rupees, itms: Items })),
      }),
    ),
  ),
  b2cs: Type.Optional(
    Type.Array(
      Obj({
        sply_ty: Type.Union([Type.Literal('INTRA'), Type.Literal('INTER')]),
        pos: StateCode,
        typ: Type.Literal('OE'),
        txval: Rupees,
        rt: Rate,
        iamt: Rupees,
        camt: Rupees,
        samt: Rupees,
        csamt: Rupees,
      }),
    ),
  ),
  cdnr: Type.Optional(
    Type.Array(
      Obj({
        ctin: Type.String(),
        nt: Type.Array(Obj({ ...Note, rchrg: Type.Literal('N'), inv_typ: Type.Literal('R') })),
      }),
    ),
  ),
  cdnur: Type.Optional(Type.Array(Obj({ ...Note, typ: Type.Literal('B2CL') }))),
  hsn: Obj({
    data: Type.Array(
      Obj({
        num: Type.Integer(),
        hsn_sc: Type.String(),
        desc: Type.String(),
        uqc: Type.String(),
        qty: Type.Number(),
        rt: Rate,
        txval: Rupees,
        iamt: Rupees,
        camt: Rupees,
        samt: Rupees,
        csamt: Rupees,
      }),
    ),
  }),
  nil: Type.Optional(
    Obj({
      inv: Type.Array(
        Obj({
          sply_ty: Type.Union([
            Type.Literal('INTRB2B'),
            Type.Literal('INTRAB2B'),
            Type.Literal('INTRB2C'),
            Type.Literal('INTRAB2C'),
          ]),
          expt_amt: Rupees,
          nil_amt: Rupees,
          ngsup_amt: Rupees,
        }),
      ),
    }),
  ),
  doc_issue: Obj({
    doc_det: Type.Array(
      Obj({
        doc_num: Type.Integer(),
        doc_typ: Type.String(),
        docs: Type.Array(
          Obj({
            num: Type.Integer(),
            from: Type.String(),
            to: Type.String(),
            totnum: Type.Integer(),
            cancel: Type.Integer(),
            net_issue: Type.Integer(),
          }),
        ),
      }),
    ),
  }),
});

const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'An IST calendar day, YYYY-MM-DD' });
const GstRateSchema = Type.Object({
  object: Type.Literal('gst_rate'),
  id: Type.String(),
  hsn_sac: Nullable(Type.String({ description: 'null: a slab any GST line may carry' })),
  rate_bp: Type.Integer({ description: 'basis points: 500 = 5 %' }),
  effective_from: Day,
  effective_until: Nullable(Day),
  basis: Type.String(),
  created_at: Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' }),
});

export function gstRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/gst/rates',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'listGstRates',
        summary: 'The GST rate table',
        tags: ['invoices'],
        description:
          "Slabs (hsn_sac null: the rates a GST line may carry on a supply day) and the rate of each HSN/SAC code from its effective day; a plan that pins no rate bills at its code's rate on each supply day.",
        response: responses({ 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(GstRateSchema) }) }),
      },
    },
    async () => ({ object: 'list' as const, data: await listGstRates(deps) }),
  );
  app.post(
    '/gst/rates',
    {
      config: { scope: 'billing:admin' },
      schema: {
        operationId: 'addGstRate',
        summary: 'Add a GST rate with its effective day',
        tags: ['invoices'],
        description:
          "A change in law is a row: supplies from `effective_from` bill at it, earlier ones keep theirs. A code's rate must be a slab in force on that day; a slab may end (`effective_until`). Rows are never edited.",
        body: Type.Object(
          {
            hsn_sac: Type.Optional(Type.String({ description: 'HSN/SAC, 4 to 8 digits; omitted for a slab' })),
            rate_bp: Type.Integer({ description: 'basis points: 500 = 5 %' }),
            effective_from: Type.String({ description: 'First IST day, YYYY-MM-DD' }),
            effective_until: Type.Optional(
              Type.String({ description: 'Slabs only: the first day it no longer applies' }),
            ),
            basis: Type.String({ description: 'The notification the rate follows' }),
          },
          {
            additionalProperties: false,
            examples: [
              {
                hsn_sac: '1905',
                rate_bp: 500,
                effective_from: '2025-09-22',
                basis: 'Notification 9/2025-Central Tax (Rate)',
              },
            ],
          },
        ),
        response: responses(
          { 201: GstRateSchema },
          { 409: 'The table has a row for this code (or slab) and day already (`gst_rate_exists`)' },
        ),
      },
    },
    async (request, reply) => reply.code(201).send(await addGstRate(deps, request.body)),
  );
  app.get(
    '/gst/gstr1',
    {
      config: { scope: 'payments:read' },
      schema: {
        operationId: 'getGstr1',
        summary: 'GSTR-1 return data for a month',
        tags: ['invoices'],
        description:
          "GSTR-1 of an IST month in the GST portal's offline-tool JSON: B2B, B2CL, B2CS, CDNR, CDNUR, HSN summary, nil/exempt and documents issued, from the documents finalised in the month (voided ones only as cancelled). Reads only.",
        querystring: Type.Object(
          { period: Type.String({ description: 'The return month, YYYY-MM (Asia/Kolkata)', maxLength: 7 }) },
          { additionalProperties: false },
        ),
        response: responses({ 200: Gstr1Schema }),
      },
    },
    async (request) => exportGstr1(deps, { period: request.query.period }),
  );
}

/*
 * The e-invoice JSON, NIC schema INV-01 version 1.1, as published for the IRP (fields, patterns and limits as listed in
 * ClearTax's "E-Invoice Object", https://docs.cleartax.in/cleartax-docs/e-invoicing-api/e-invoicing-api-reference/resources-and-master/e-invoice-object,
 * and the INV-01 1.1 notes of https://pub.dev/documentation/gst_einvoice/0.1.0/): the response schema of
 * GET /v1/invoices/:id/e-invoice, and the schema tests/payments-core/invoices/e-invoice.test.ts validates payloads
 * against. Only the blocks kosh fills are declared (no PayDtls, RefDtls, ExpDtls, EwbDtls, DispDtls, ShipDtls).
 */
const Amount = (max = 999_999_999_999.99, min = 0) => Type.Number({ minimum: min, maximum: max });
const GstinPattern = '^[0-9]{2}[0-9A-Z]{13}$';
const Party = {
  Gstin: Type.String({ minLength: 15, maxLength: 15, pattern: GstinPattern }),
  LglNm: Type.String({ minLength: 3, maxLength: 100 }),
  TrdNm: Type.Optional(Type.String({ minLength: 3, maxLength: 100 })),
  Addr1: Type.String({ minLength: 1, maxLength: 100 }),
  Addr2: Type.Optional(Type.String({ minLength: 3, maxLength: 100 })),
  Loc: Type.String({ minLength: 3, maxLength: 50 }),
  Pin: Type.Integer({ minimum: 100_000, maximum: 999_999 }),
  Stcd: Type.String({ minLength: 1, maxLength: 2, pattern: '^[0-9]{1,2}$' }),
  Ph: Type.Optional(Type.String({ minLength: 6, maxLength: 12 })),
  Em: Type.Optional(Type.String({ minLength: 6, maxLength: 100 })),
};
export const EInvoiceSchema = Obj({
  Version: Type.String({ minLength: 1, maxLength: 6 }),
  TranDtls: Obj({
    TaxSch: Type.Literal('GST'),
    SupTyp: Type.Union(['B2B', 'SEZWP', 'SEZWOP', 'EXPWP', 'EXPWOP', 'DEXP'].map((t) => Type.Literal(t))),
    RegRev: Type.Optional(Type.Union([Type.Literal('Y'), Type.Literal('N')])),
    EcmGstin: Type.Optional(Type.Union([Type.String({ pattern: GstinPattern }), Type.Null()])),
    IgstOnIntra: Type.Optional(Type.Union([Type.Literal('Y'), Type.Literal('N')])),
  }),
  DocDtls: Obj({
    Typ: Type.Union([Type.Literal('INV'), Type.Literal('CRN'), Type.Literal('DBN')]),
    No: Type.String({ minLength: 1, maxLength: 16, pattern: '^[A-Z1-9][A-Z0-9/-]{0,15}$' }),
    Dt: Type.String({ pattern: '^[0-3][0-9]/[0-1][0-9]/20[1-9][0-9]$', description: 'dd/mm/yyyy' }),
  }),
  SellerDtls: Obj(Party),
  BuyerDtls: Obj({ ...Party, Pos: Type.String({ minLength: 1, maxLength: 2, pattern: '^[0-9]{1,2}$' }) }),
  ItemList: Type.Array(
    Obj({
      SlNo: Type.String({ minLength: 1, maxLength: 6 }),
      PrdDesc: Type.Optional(Type.String({ minLength: 3, maxLength: 300 })),
      IsServc: Type.Union([Type.Literal('Y'), Type.Literal('N')]),
      HsnCd: Type.String({ minLength: 4, maxLength: 8, pattern: '^[0-9]{4,8}$' }),
      Qty: Type.Optional(Amount(9_999_999_999.999)),
      Unit: Type.Optional(Type.String({ minLength: 3, maxLength: 8 })),
      UnitPrice: Amount(999_999_999_999.999),
      TotAmt: Amount(),
      Discount: Type.Optional(Amount()),
      AssAmt: Amount(),
      GstRt: Type.Union(INV01_GST_RATES.map((r) => Type.Literal(r))),
      IgstAmt: Type.Optional(Amount()),
      CgstAmt: Type.Optional(Amount()),
      SgstAmt: Type.Optional(Amount()),
      CesRt: Type.Optional(Amount(100)),
      CesAmt: Type.Optional(Amount()),
      CesNonAdvlAmt: Type.Optional(Amount()),
      StateCesRt: Type.Optional(Amount(100)),
      StateCesAmt: Type.Optional(Amount()),
      StateCesNonAdvlAmt: Type.Optional(Amount()),
      OthChrg: Type.Optional(Amount()),
      TotItemVal: Amount(),
    }),
    { minItems: 1, maxItems: 1000 },
  ),
  ValDtls: Obj({
    AssVal: Amount(),
    CgstVal: Type.Optional(Amount()),
    SgstVal: Type.Optional(Amount()),
    IgstVal: Type.Optional(Amount()),
    CesVal: Type.Optional(Amount()),
    StCesVal: Type.Optional(Amount()),
    Discount: Type.Optional(Amount()),
    OthChrg: Type.Optional(Amount()),
    RndOffAmt: Type.Optional(Amount(99.99, -99.99)),
    TotInvVal: Amount(),
  }),
});
