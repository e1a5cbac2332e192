import { describe, expect, it } from 'vitest';
import { exportGstr1 } from '../../../payments-core/gst-returns/export-gstr1.js';
import type { Gstr1 } from '../../../payments-core/gst-returns/types.js';
import { voidInvoice } from '../../../payments-core/invoices/change-invoice-status.js';
import { createCreditNote } from '../../../payments-core/invoices/create-credit-note.js';
import { createDraftInvoice } from '../../../payments-core/invoices/create-draft-invoice.js';
import { draft, gstLine, invoiceTests, mealLine } from '../invoices/support.js';

const setup = invoiceTests('kosh-gstr1-');

const KA_GSTIN = '29AAPFU0939F1ZR'; // registered in Karnataka, the supplier's state: intra-state
const MH_GSTIN = '27AAPFU0939F1ZV'; // registered in Maharashtra: inter-state

/** Σ over the items of a section, in paise (txval + taxes). */
const paise = (rupees: number) => Math.round(rupees * 100);
const itemSum = (d: { txval: number; iamt: number; camt: number; samt: number; csamt: number }) =>
  paise(d.txval) + paise(d.iamt) + paise(d.camt) + paise(d.samt) + paise(d.csamt);

/** The month's documents, all on 10 May 2026 (IST), finalised in this order. */
async function mayOfASchool() {
  const s = await setup();
  // 1. B2B intra (Karnataka GSTIN): exempt meals ₹3,000 + snacks ₹1,234.50 at 5 %.
  //    CGST = SGST = 1 234.50 × 2.5 % = 30.8625 → ₹30.86 each; gross 4 296.22 → total ₹4,296, round off −0.22.
  const b2bIntra = await s.issue(
    draft('m1', [mealLine(300_000), gstLine(123_450)], { customerGstin: KA_GSTIN, source: 'manual' }),
  );
  // 2. B2B inter (Maharashtra GSTIN): ₹2,000 at 18 % → IGST ₹360, total ₹2,360.
  const b2bInter = await s.issue(
    draft('m2', [gstLine(200_000, 1800)], {
      customerId: 'cus_mh',
      schoolId: 'sch_2',
      customerGstin: MH_GSTIN,
      source: 'manual',
    }),
  );
  // 3. B2C intra: ₹100.10 at 5 % → CGST = SGST = 2.5025 → ₹2.50; gross 105.10 → ₹105, round off −0.10.
  const b2cIntra = await s.issue(draft('m3', [gstLine(10_010)]));
  // 4. B2C inter (Maharashtra address, no GSTIN): ₹200 at 18 % → IGST ₹36, total ₹236.
  await s.issue(draft('m4', [gstLine(20_000, 1800)], { customerId: 'cus_mh', schoolId: 'sch_2' }));
  // 5. Exempt only (bill of supply, BOS series): ₹2,500.50 → total ₹2,501, round off +0.50.
  await s.issue(draft('m5', [mealLine(250_050)]));
  // 6. B2C intra ₹50 at 18 % (CGST = SGST = ₹4.50, total ₹59), then voided.
  const voided = await s.issue(draft('m6', [gstLine(5_000, 1800)]));
  await voidInvoice(s.deps, voided.id);
  // 7. Credit note on #1: ₹234.50 of snacks at 5 % (CGST = SGST = 5.8625 → ₹5.86) + ₹100 of exempt meals;
  //    gross 346.22 → ₹346, round off −0.22.
  const cn1 = await createCreditNote(s.deps, b2bIntra.id, {
    reason: 'adjustment',
    lines: [gstLine(23_450), mealLine(10_000)],
  });
  // 8. Credit note on #3 (unregistered): ₹20 at 5 % → CGST = SGST = ₹0.50, total ₹21.
  const cn2 = await createCreditNote(s.deps, b2cIntra.id, { reason: 'refund', lines: [gstLine(2_000)] });
  // Not in May: a draft (no number) and an invoice finalised on 5 June.
  await createDraftInvoice(s.db, draft('m9', [gstLine(77_700, 1800)]), s.clock);
  s.clock.set(new Date('2026-06-05T06:30:00Z'));
  await s.issue(draft('m10', [gstLine(88_800, 1800)], { customerGstin: KA_GSTIN, source: 'manual' }));
  return { s, b2bIntra, b2bInter, voided, cn1, cn2 };
}

describe('GSTR-1 export', () => {
  it('when a month has B2B, B2C, exempt, credited and voided documents → the offline-tool JSON, tied to the invoices', async () => {
    const { s, voided } = await mayOfASchool();
    const r: Gstr1 = await exportGstr1(s.deps, { period: '2026-05' });

    expect(r).toMatchObject({ gstin: '29AABCK0510K1ZR', fp: '052026' });
    expect(r.b2b).toEqual([
      {
        ctin: MH_GSTIN,
        inv: [
          {
            inum: 'INV/26-27/000002',
            idt: '10-05-2026',
            val: 2360,
            pos: '27',
            rchrg: 'N',
            inv_typ: 'R',
            itms: [{ num: 1, itm_det: { txval: 2000, rt: 18, iamt: 360, camt: 0, samt: 0, csamt: 0 } }],
          },
        ],
      },
      {
        ctin: KA_GSTIN,
        inv: [
          {
            inum: 'INV/26-27/000001',
            idt: '10-05-2026',
            val: 4296, // the whole invoice value, exempt part included
            pos: '29',
            rchrg: 'N',
            inv_typ: 'R',
            itms: [{ num: 1, itm_det: { txval: 1234.5, rt: 5, iamt: 0, camt: 30.86, samt: 30.86, csamt: 0 } }],
          },
        ],
      },
    ]);
    // B2CS by place of supply and rate, net of the B2C credit note:
    //   Maharashtra 18 %: ₹200, IGST ₹36; Karnataka 5 %: 100.10 − 20 = ₹80.10, CGST = SGST = 2.50 − 0.50 = ₹2.00.
    expect(r.b2cs).toEqual([
      { sply_ty: 'INTER', pos: '27', typ: 'OE', txval: 200, rt: 18, iamt: 36, camt: 0, samt: 0, csamt: 0 },
      { sply_ty: 'INTRA', pos: '29', typ: 'OE', txval: 80.1, rt: 5, iamt: 0, camt: 2, samt: 2, csamt: 0 },
    ]);
    expect(r.b2cl).toBeUndefined();
    expect(r.cdnur).toBeUndefined();
    expect(r.cdnr).toEqual([
      {
        ctin: KA_GSTIN,
        nt: [
          {
            ntty: 'C',
            nt_num: 'CN/26-27/000001',
            nt_dt: '10-05-2026',
            val: 346,
            pos: '29',
            rchrg: 'N',
            inv_typ: 'R',
            itms: [{ num: 1, itm_det: { txval: 234.5, rt: 5, iamt: 0, camt: 5.86, samt: 5.86, csamt: 0 } }],
          },
        ],
      },
    ]);
    // Exempt: B2B intra 3 000 − 100 (credit note) = ₹2,900; B2C intra ₹2,500.50 (the bill of supply).
    expect(r.nil).toEqual({
      inv: [
        { sply_ty: 'INTRAB2B', expt_amt: 2900, nil_amt: 0, ngsup_amt: 0 },
        { sply_ty: 'INTRAB2C', expt_amt: 2500.5, nil_amt: 0, ngsup_amt: 0 },
      ],
    });
    // HSN (every line is SAC 996337), per rate, net of credit notes:
    //   exempt: 3 000 − 100 + 2 500.50 = ₹5,400.50
    //   5 %: 1 234.50 + 100.10 − 234.50 − 20 = ₹1,080.10; CGST = SGST = 30.86 + 2.50 − 5.86 − 0.50 = ₹27.00
    //   18 %: 2 000 + 200 = ₹2,200; IGST 360 + 36 = ₹396
    const row = { hsn_sc: '996337', desc: 'Other contract food services', uqc: 'NA', qty: 0, csamt: 0 };
    expect(r.hsn.data).toEqual([
      { num: 1, ...row, rt: 0, txval: 5400.5, iamt: 0, camt: 0, samt: 0 },
      { num: 2, ...row, rt: 5, txval: 1080.1, iamt: 0, camt: 27, samt: 27 },
      { num: 3, ...row, rt: 18, txval: 2200, iamt: 396, camt: 0, samt: 0 },
    ]);
    // Documents issued: INV 1–5 with #5 voided, BOS 1, CN 1–2; no gaps (totnum = last − first + 1).
    expect(r.doc_issue.doc_det).toEqual([
      {
        doc_num: 1,
        doc_typ: 'Invoices for outward supply',
        docs: [
          { num: 1, from: 'INV/26-27/000001', to: 'INV/26-27/000005', totnum: 5, cancel: 1, net_issue: 4 },
          { num: 2, from: 'BOS/26-27/000001', to: 'BOS/26-27/000001', totnum: 1, cancel: 0, net_issue: 1 },
        ],
      },
      {
        doc_num: 5,
        doc_typ: 'Credit Note',
        docs: [{ num: 1, from: 'CN/26-27/000001', to: 'CN/26-27/000002', totnum: 2, cancel: 0, net_issue: 2 }],
      },
    ]);
    for (const d of r.doc_issue.doc_det.flatMap((x) => x.docs)) {
      const seq = (n: string) => Number(n.split('/')[2]);
      expect(d.totnum).toBe(seq(d.to) - seq(d.from) + 1);
    }

    // The voided invoice is in no section but the documents issued.
    expect(voided.number).toBe('INV/26-27/000005');
    const { doc_issue: _docs, ...sections } = r;
    expect(JSON.stringify(sections)).not.toContain(voided.number as string);

    // Totals tie to the invoices: Σ (total − round off) of the live invoices less that of the credit notes
    //   invoices 4 296.22 + 2 360 + 105.10 + 236 + 2 500.50 = ₹9,497.82; credit notes 346.22 + 21 = ₹367.22
    //   → ₹9,130.60.
    const docs = await s.db.all<{ kind: string; total_minor: number; round_off_minor: number }>(
      `SELECT kind, total_minor, round_off_minor FROM invoices
       WHERE status <> 'void' AND number IS NOT NULL AND finalized_at < '2026-05-31T18:30:00Z'`,
    );
    const net = docs.reduce((a, d) => a + (d.kind === 'credit_note' ? -1 : 1) * (d.total_minor - d.round_off_minor), 0);
    expect(net).toBe(949_782 - 36_722);
    const reported =
      (r.b2b ?? []).flatMap((c) => c.inv.flatMap((i) => i.itms)).reduce((a, i) => a + itemSum(i.itm_det), 0) +
      (r.b2cs ?? []).reduce((a, row) => a + itemSum(row), 0) +
      (r.nil?.inv ?? []).reduce((a, n) => a + paise(n.expt_amt) + paise(n.nil_amt) + paise(n.ngsup_amt), 0) -
      (r.cdnr ?? []).flatMap((c) => c.nt.flatMap((n) => n.itms)).reduce((a, i) => a + itemSum(i.itm_det), 0);
    expect(reported).toBe(net);
    expect(r.hsn.data.reduce((a, h) => a + itemSum(h), 0)).toBe(net);
    // The invoice values (val) are the printed totals, round-off included.
    expect(r.b2b?.flatMap((c) => c.inv.map((i) => paise(i.val)))).toEqual([236_000, 429_600]);

    // June holds only the invoice finalised on 5 June.
    const june = await exportGstr1(s.deps, { period: '2026-06' });
    expect(june.b2b?.[0]?.inv.map((i) => i.inum)).toEqual(['INV/26-27/000006']);
    expect(june.doc_issue.doc_det).toEqual([
      {
        doc_num: 1,
        doc_typ: 'Invoices for outward supply',
        docs: [{ num: 1, from: 'INV/26-27/000006', to: 'INV/26-27/000006', totnum: 1, cancel: 0, net_issue: 1 }],
      },
    ]);
  });

  it('when an inter-state invoice to an unregistered recipient exceeds ₹1 lakh → B2CL, and its credit note CDNUR', async () => {
    const s = await setup();
    // ₹1,00,000 at 18 % to a Maharashtra family without GSTIN: IGST ₹18,000, total ₹1,18,000 > ₹1,00,000.
    const big = await s.issue(draft('l1', [gstLine(10_000_000, 1800)], { customerId: 'cus_mh', schoolId: 'sch_2' }));
    // A credit note of ₹1,000 at 18 % on it: IGST ₹180, total ₹1,180.
    await createCreditNote(s.deps, big.id, { reason: 'refund', lines: [gstLine(100_000, 1800)] });
    const r = await exportGstr1(s.deps, { period: '2026-05' });
    const itm = (txval: number, iamt: number) => [
      { num: 1, itm_det: { txval, rt: 18, iamt, camt: 0, samt: 0, csamt: 0 } },
    ];
    expect(r.b2cl).toEqual([
      { pos: '27', inv: [{ inum: 'INV/26-27/000001', idt: '10-05-2026', val: 118_000, itms: itm(100_000, 18_000) }] },
    ]);
    expect(r.cdnur).toEqual([
      {
        ntty: 'C',
        nt_num: 'CN/26-27/000001',
        nt_dt: '10-05-2026',
        val: 1180,
        typ: 'B2CL',
        pos: '27',
        itms: itm(1000, 180),
      },
    ]);
    expect(r.b2cs).toBeUndefined();
    expect(r.b2b).toBeUndefined();
  });

  it('when goods are sold by the pack → the HSN summary reports their HSN, unit and quantity; services stay NA, 0', async () => {
    const s = await setup();
    s.clock.set(new Date('2026-06-05T06:30:00Z'));
    // 12 packs of biscuits (HSN 1905) at ₹50 and 5 %: ₹600, CGST = SGST = ₹15; a ₹100 service at 18 %: ₹9 + ₹9.
    const biscuits = { description: 'Biscuit packs', hsnSac: '1905', uqc: 'PAC', quantity: 12, unitAmountMinor: 5_000 };
    await s.issue(draft('g1', [gstLine(60_000, 500, biscuits), gstLine(10_000, 1800)]));
    const r = await exportGstr1(s.deps, { period: '2026-06' });
    expect(r.hsn.data).toEqual([
      {
        num: 1,
        hsn_sc: '1905',
        desc: 'Biscuit packs',
        uqc: 'PAC',
        qty: 12,
        rt: 5,
        txval: 600,
        iamt: 0,
        camt: 15,
        samt: 15,
        csamt: 0,
      },
      {
        num: 2,
        hsn_sc: '996337',
        desc: 'Other contract food services',
        uqc: 'NA',
        qty: 0,
        rt: 18,
        txval: 100,
        iamt: 0,
        camt: 9,
        samt: 9,
        csamt: 0,
      },
    ]);
  });

  it('when the period is not a month → 422 invalid_period naming /period, nothing read', async () => {
    const s = await setup();
    for (const period of ['2026-13', '2026-5', 'May 2026', '2016-12']) {
      await expect(exportGstr1(s.deps, { period })).rejects.toMatchObject({
        kind: 'invalid',
        code: 'invalid_period',
        fields: [{ field: '/period', code: 'invalid_period' }],
      });
    }
  });
});
