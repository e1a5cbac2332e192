import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { buildEInvoice, type EInvoice } from '../../../payments-core/invoices/build-e-invoice.js';
import { voidInvoice } from '../../../payments-core/invoices/change-invoice-status.js';
import { createCreditNote } from '../../../payments-core/invoices/create-credit-note.js';
import { createDraftInvoice } from '../../../payments-core/invoices/create-draft-invoice.js';
import { EInvoiceSchema } from '../../../serving/routes/gst.js';
import { draft, gstLine, invoiceTests, mealLine } from './support.js';

const setup = invoiceTests('kosh-einv-');

/** Every schema error of a payload, as `path: message`. */
const schemaErrors = (payload: unknown): string[] =>
  [...Value.Errors(EInvoiceSchema, payload)].map((e) => `${e.path}: ${e.message}`);
const twoDecimals = (x: number) => Math.round(x * 100) / 100 === x;

const SELLER = {
  Gstin: '29AABCK0510K1ZR',
  LglNm: 'Kosh School Meals Private Limited (demo)',
  Addr1: '12 Residency Road',
  Loc: 'Bengaluru',
  Pin: 560025,
  Stcd: '29',
  Em: 'billing@kosh.example',
};
const NO_CESS = {
  CesRt: 0,
  CesAmt: 0,
  CesNonAdvlAmt: 0,
  StateCesRt: 0,
  StateCesAmt: 0,
  StateCesNonAdvlAmt: 0,
  OthChrg: 0,
};

describe('e-invoice (NIC INV-01 v1.1)', () => {
  it('when a mixed intra-state B2B invoice is finalised → the INV-01 payload, valid against the schema, tied to the invoice', async () => {
    const s = await setup();
    // Exempt meals ₹3,000 + snacks ₹1,234.50 at 5 %: CGST = SGST = 30.8625 → ₹30.86; gross 4 296.22 → ₹4,296.
    const inv = await s.issue(
      draft('e1', [mealLine(300_000), gstLine(123_450, 500, { uqc: 'PCS' })], {
        customerGstin: '29AAPFU0939F1ZR',
        source: 'manual',
      }),
    );
    const e: EInvoice = await buildEInvoice(s.db, inv.id);
    expect(e).toEqual({
      Version: '1.1',
      TranDtls: { TaxSch: 'GST', SupTyp: 'B2B', RegRev: 'N', EcmGstin: null, IgstOnIntra: 'N' },
      DocDtls: { Typ: 'INV', No: 'INV/26-27/000001', Dt: '10/05/2026' },
      SellerDtls: SELLER,
      BuyerDtls: {
        Gstin: '29AAPFU0939F1ZR',
        LglNm: 'Asha Rao',
        Pos: '29',
        Addr1: '12, 4th Cross, Indiranagar',
        Loc: 'Bengaluru',
        Pin: 560038,
        Stcd: '29',
        Em: 'asha@example.com',
      },
      ItemList: [
        {
          SlNo: '1',
          PrdDesc: 'School lunch plan, May 2026',
          IsServc: 'Y',
          HsnCd: '996337',
          Qty: 1,
          Unit: 'NOS', // the default unit
          UnitPrice: 3000,
          TotAmt: 3000,
          Discount: 0,
          AssAmt: 3000,
          GstRt: 0, // exempt (entry 66): in at rate 0
          IgstAmt: 0,
          CgstAmt: 0,
          SgstAmt: 0,
          ...NO_CESS,
          TotItemVal: 3000,
        },
        {
          SlNo: '2',
          PrdDesc: 'Snack add-on (taxable)',
          IsServc: 'Y',
          HsnCd: '996337',
          Qty: 1,
          Unit: 'PCS', // the line's own
          UnitPrice: 1234.5,
          TotAmt: 1234.5,
          Discount: 0,
          AssAmt: 1234.5,
          GstRt: 5,
          IgstAmt: 0,
          CgstAmt: 30.86,
          SgstAmt: 30.86,
          ...NO_CESS,
          TotItemVal: 1296.22, // 1 234.50 + 30.86 + 30.86
        },
      ],
      ValDtls: {
        AssVal: 4234.5, // 3 000 + 1 234.50
        CgstVal: 30.86,
        SgstVal: 30.86,
        IgstVal: 0,
        CesVal: 0,
        StCesVal: 0,
        Discount: 0,
        OthChrg: 0,
        RndOffAmt: -0.22,
        TotInvVal: 4296, // 4 234.50 + 61.72 − 0.22
      },
    });
    expect(schemaErrors(e)).toEqual([]);
    // The IRP's arithmetic: each item's total and the invoice total from its parts, to the paisa.
    const p = (x: number) => Math.round(x * 100);
    for (const i of e.ItemList) {
      expect(p(i.TotItemVal)).toBe(p(i.AssAmt) + p(i.CgstAmt) + p(i.SgstAmt) + p(i.IgstAmt));
      for (const x of [i.UnitPrice, i.AssAmt, i.CgstAmt, i.SgstAmt, i.TotItemVal]) expect(twoDecimals(x)).toBe(true);
    }
    const v = e.ValDtls;
    expect(p(v.AssVal)).toBe(e.ItemList.reduce((a, i) => a + p(i.AssAmt), 0));
    expect(p(v.TotInvVal)).toBe(p(v.AssVal) + p(v.CgstVal) + p(v.SgstVal) + p(v.IgstVal) + p(v.RndOffAmt));
    expect(p(v.TotInvVal)).toBe(inv.total);
  });

  it('when the B2B invoice is inter-state → IGST, place of supply from the GSTIN, and the schema still holds', async () => {
    const s = await setup();
    // ₹2,000 at 18 % to a Maharashtra GSTIN → IGST ₹360, total ₹2,360.
    const inv = await s.issue(
      draft('e2', [gstLine(200_000, 1800)], {
        customerId: 'cus_mh',
        schoolId: 'sch_2',
        customerGstin: '27AAPFU0939F1ZV',
        source: 'manual',
      }),
    );
    const e = await buildEInvoice(s.db, inv.id);
    expect(e.BuyerDtls).toMatchObject({
      Gstin: '27AAPFU0939F1ZV',
      Pos: '27',
      Stcd: '27',
      Addr2: 'Bandra West',
      Pin: 400050,
    });
    expect(e.ItemList[0]).toMatchObject({ GstRt: 18, IgstAmt: 360, CgstAmt: 0, SgstAmt: 0, TotItemVal: 2360 });
    expect(e.ValDtls).toMatchObject({ AssVal: 2000, IgstVal: 360, RndOffAmt: 0, TotInvVal: 2360 });
    expect(schemaErrors(e)).toEqual([]);
  });

  it('when the schema is given a payload that breaks INV-01 → it names the fields (the test schema bites)', async () => {
    const s = await setup();
    const inv = await s.issue(
      draft('e3', [gstLine(10_000, 1800)], { customerGstin: '29AAPFU0939F1ZR', source: 'manual' }),
    );
    const e = await buildEInvoice(s.db, inv.id);
    const broken = {
      ...e,
      DocDtls: { ...e.DocDtls, No: 'inv/26-27/0000001', Dt: '2026-05-10' },
      SellerDtls: { ...e.SellerDtls, Pin: 56002 },
      ItemList: [{ ...e.ItemList[0], GstRt: 2, HsnCd: '99' }],
      ValDtls: { ...e.ValDtls, RndOffAmt: 100 },
    };
    const errors = schemaErrors(broken).join('\n');
    for (const field of [
      '/DocDtls/No',
      '/DocDtls/Dt',
      '/SellerDtls/Pin',
      '/ItemList/0/GstRt',
      '/ItemList/0/HsnCd',
      '/ValDtls/RndOffAmt',
    ]) {
      expect(errors).toContain(field);
    }
    const { ValDtls: _v, ...missing } = e;
    expect(schemaErrors(missing).join('\n')).toContain('/ValDtls');
  });

  it('when the document is not a finalised B2B invoice → 422 naming why, for B2C, bill of supply, credit note, draft and void', async () => {
    const s = await setup();
    const b2c = await s.issue(draft('n1', [gstLine(10_000, 1800)]));
    await expect(buildEInvoice(s.db, b2c.id)).rejects.toMatchObject({
      kind: 'invalid',
      code: 'not_b2b_invoice',
      fields: [{ field: '/customer_gstin' }],
    });
    const bos = await s.issue(draft('n2', [mealLine(10_000)], { customerGstin: '29AAPFU0939F1ZR', source: 'manual' }));
    await expect(buildEInvoice(s.db, bos.id)).rejects.toMatchObject({
      code: 'not_b2b_invoice',
      fields: [{ field: '/document_type' }],
    });
    const b2b = await s.issue(
      draft('n3', [gstLine(50_000, 1800)], { customerGstin: '29AAPFU0939F1ZR', source: 'manual' }),
    );
    const cn = await createCreditNote(s.deps, b2b.id, { reason: 'refund', lines: [gstLine(10_000, 1800)] });
    await expect(buildEInvoice(s.db, cn.id)).rejects.toMatchObject({ code: 'not_b2b_invoice' });
    const d = await createDraftInvoice(
      s.db,
      draft('n4', [gstLine(10_000, 1800)], { customerGstin: '29AAPFU0939F1ZR' }),
      s.clock,
    );
    await expect(buildEInvoice(s.db, d.id)).rejects.toMatchObject({ code: 'invoice_not_final' });
    const v = await s.issue(
      draft('n5', [gstLine(10_000, 1800)], { customerGstin: '29AAPFU0939F1ZR', source: 'manual' }),
    );
    await voidInvoice(s.deps, v.id);
    await expect(buildEInvoice(s.db, v.id)).rejects.toMatchObject({ code: 'invoice_voided' });
    await expect(buildEInvoice(s.db, 'inv_nope')).rejects.toMatchObject({ kind: 'not_found' });
  });
});
