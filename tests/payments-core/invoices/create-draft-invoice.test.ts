import { afterEach, describe, expect, it } from 'vitest';
import { createDraftInvoice, createDraftInvoices } from '../../../payments-core/invoices/create-draft-invoice.js';
import { recordInvoicePayment } from '../../../payments-core/invoices/record-invoice-payment.js';
import type { Db } from '../../../platform/db.js';
import { draft, gstLine, invoiceDb, mealLine, T0 } from './support.js';

let db: Db | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

describe('createDraftInvoice', () => {
  it('when the lines are exempt school meals → a bill of supply with no tax, total rounded to the rupee', async () => {
    const t = await invoiceDb();
    db = t.db;
    const r = await createDraftInvoice(t.db, draft('br_1', [mealLine(250_050)]), t.clock);
    expect(r).toMatchObject({ created: true, totalMinor: 250_100 });
    const row = await t.db.one<Record<string, unknown>>('SELECT * FROM invoices WHERE id = $id', { id: r.id });
    expect(row).toMatchObject({
      status: 'draft',
      document_type: 'bill_of_supply',
      number: null,
      exempt_minor: 250_050,
      taxable_minor: 0,
      cgst_minor: 0,
      igst_minor: 0,
      round_off_minor: 50,
      total_minor: 250_100,
      supply_type: 'intra',
      place_of_supply: '29',
    });
  });

  it('when a gst line is intra-state → CGST and SGST halves, each rounded half-even to the paisa', async () => {
    const t = await invoiceDb();
    db = t.db;
    // 1 234.50 × 2.5 % = 30.8625 → 30.86 each; gross 1 296.22 → total 1 296.00, round-off −0.22
    const r = await createDraftInvoice(t.db, draft('br_2', [gstLine(123_450)]), t.clock);
    expect(r.totalMinor).toBe(129_600);
    const row = await t.db.one<Record<string, unknown>>('SELECT * FROM invoices WHERE id = $id', { id: r.id });
    expect(row).toMatchObject({ cgst_minor: 3086, sgst_minor: 3086, igst_minor: 0, round_off_minor: -22 });
  });

  it('when the same source ref comes twice, alone or in a batch → one invoice, created only the first time', async () => {
    const t = await invoiceDb();
    db = t.db;
    const first = await createDraftInvoice(t.db, draft('br_3', [mealLine(100_000)]), t.clock);
    const batch = await createDraftInvoices(
      t.db,
      [
        draft('br_4', [gstLine(10_000)], { customerId: 'cus_mh', schoolId: 'sch_2' }),
        draft('br_3', [mealLine(1)]),
        draft('br_4', [gstLine(1)]),
      ],
      t.clock,
    );
    expect(batch[1]).toEqual({ ...first, created: false });
    expect(batch[0]?.created).toBe(true);
    expect(batch[2]).toEqual(batch[0]);
    expect(batch[0]?.totalMinor).toBe(10_500);
    expect(await t.db.one('SELECT count(*) AS n FROM invoices')).toEqual({ n: 2 });
    const inter = await t.db.one<Record<string, unknown>>('SELECT * FROM invoices WHERE id = $id', {
      id: batch[0]?.id,
    });
    expect(inter).toMatchObject({ supply_type: 'inter', igst_minor: 500, cgst_minor: 0, place_of_supply: '27' });
  });

  it('when a line has a bad rate or an exempt line carries one → 422 naming the field, nothing written', async () => {
    const t = await invoiceDb();
    db = t.db;
    await expect(createDraftInvoice(t.db, draft('br_5', [gstLine(100, 700)]), t.clock)).rejects.toMatchObject({
      kind: 'invalid',
      fields: [{ field: '/lines/0/gst_rate_bp' }],
    });
    await expect(
      createDraftInvoice(t.db, draft('br_5', [mealLine(100, { gstRateBp: 500 })]), t.clock),
    ).rejects.toMatchObject({ kind: 'invalid' });
    expect(await t.db.one('SELECT count(*) AS n FROM invoices')).toEqual({ n: 0 });
  });

  it('when a payment is recorded twice on a draft → applied once; status waits for finalisation', async () => {
    const t = await invoiceDb();
    db = t.db;
    const r = await createDraftInvoice(t.db, draft('br_6', [mealLine(50_000)]), t.clock);
    const pay = { invoiceId: r.id, paymentId: 'pay_1', amountMinor: 50_000, paidAt: T0 };
    await t.db.transaction(async (tx) => {
      await recordInvoicePayment(tx, pay, t.clock);
      await recordInvoicePayment(tx, pay, t.clock);
    });
    expect(await t.db.one('SELECT status, amount_paid_minor FROM invoices')).toEqual({
      status: 'draft',
      amount_paid_minor: 50_000,
    });
  });

  it('when 2 000 drafts are created in one call → a handful of statements, well above 500 per second', async () => {
    const t = await invoiceDb();
    db = t.db;
    const inputs = Array.from({ length: 2000 }, (_, i) => draft(`bulk_${i}`, [mealLine(150_000 + i), gstLine(2000)]));
    const started = performance.now();
    const out = await t.db.transaction((tx) => createDraftInvoices(tx, inputs, t.clock));
    const ms = performance.now() - started;
    expect(out).toHaveLength(2000);
    expect(await t.db.one('SELECT count(*) AS n FROM invoice_lines')).toEqual({ n: 4000 });
    expect(2000 / (ms / 1000)).toBeGreaterThan(500);
  });
});
