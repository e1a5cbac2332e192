import { afterEach, describe, expect, it } from 'vitest';
import { getInvoiceAnalytics } from '../../../payments-core/invoices/get-invoice-analytics.js';
import type { Db } from '../../../platform/db.js';
import { invoiceDb } from './support.js';

let db: Db | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

const AS_OF = new Date('2026-09-30T06:30:00Z');
const day = (n: number) => new Date(AS_OF.getTime() - n * 86_400_000);

/** Hand-built invoices: (school, status, total, paid, credited, finalised days ago, due days ago, paid days ago). */
const ROWS: [string, string, string, number, number, number, number, number, number | null][] = [
  ['i1', 'sch_1', 'finalized', 10_000, 0, 0, 5, -10, null], // not yet due → current
  ['i2', 'sch_1', 'partially_paid', 20_000, 5_000, 0, 40, 25, null], // 25 days late → 1–30, due 15 000
  ['i3', 'sch_1', 'finalized', 30_000, 0, 10_000, 80, 65, null], // 65 days late → 61–90, due 20 000
  ['i4', 'sch_2', 'finalized', 40_000, 0, 0, 200, 185, null], // 185 late → 90+ (outside the window)
  ['i5', 'sch_2', 'paid', 50_000, 50_000, 0, 30, 15, 20], // paid 5 days before due → on time
  ['i6', 'sch_2', 'paid', 60_000, 60_000, 0, 60, 45, 40], // paid 5 days after due → late
  ['i7', 'sch_2', 'uncollectible', 70_000, 0, 0, 120, 105, null], // written off, outside the window
  ['i8', 'sch_2', 'void', 80_000, 0, 0, 10, 0, null], // void: ignored
  ['i9', 'sch_1', 'finalized', 5_000, 0, 0, 50, 35, null], // 35 days late → 31–60
];

describe('invoice analytics on hand-built data', () => {
  it('when invoices are current, late, paid on time and late, written off and void → the documented figures', async () => {
    const t = await invoiceDb();
    db = t.db;
    for (const [id, school, status, total, paid, credited, fin, due, paidAgo] of ROWS) {
      await t.db.run(
        `INSERT INTO invoices (id, kind, document_type, status, source, source_ref, customer_id, school_id, currency,
           supply_type, supplier_state_code, place_of_supply, taxable_minor, exempt_minor, cgst_minor, sgst_minor, igst_minor,
           round_off_minor, total_minor, amount_paid_minor, amount_credited_minor, auto_finalize, due_at, finalized_at,
           paid_at, created_at, updated_at)
         VALUES ($id, 'invoice', 'bill_of_supply', $status, 'manual', $id, 'cus_ka', $school, 'INR', 'intra', '29', '29', 0,
           $total, 0, 0, 0, 0, $total, $paid, $credited, false, $due, $fin, $paid_at, $fin, $fin)`,
        {
          id,
          status,
          school,
          total,
          paid,
          credited,
          due: day(due),
          fin: day(fin),
          paid_at: paidAgo === null ? null : day(paidAgo),
        },
      );
    }
    const a = await getInvoiceAnalytics(t.db, { as_of: AS_OF, window_days: 90 });
    expect(a.overall).toEqual({
      outstanding: 10_000 + 15_000 + 20_000 + 40_000 + 5_000,
      outstanding_count: 5,
      uncollectible: 70_000,
      aging: { current: 10_000, d1_30: 15_000, d31_60: 5_000, d61_90: 20_000, d90_plus: 40_000 },
      // window (90 days): i1, i2, i3, i5, i6, i9 → billed 10 + 20 + 20 + 50 + 60 + 5 = 165 thousand paise
      billed: 165_000,
      collected: 5_000 + 50_000 + 60_000,
      dso_days: Math.round((90_000 / 165_000) * 90 * 10) / 10,
      collection_rate: Math.round((115_000 / 165_000) * 10_000) / 10_000,
      // eligible: paid (i5, i6) or past due (i2, i3, i9) → 5; on time: i5
      on_time_rate: 0.2,
      on_time_count: 1,
      on_time_eligible: 5,
    });
    const sch2 = a.by_school.find((s) => s.school_id === 'sch_2');
    expect(sch2).toMatchObject({
      outstanding: 40_000,
      billed: 110_000,
      collected: 110_000,
      collection_rate: 1,
      on_time_rate: 0.5,
    });
    const only1 = await getInvoiceAnalytics(t.db, { as_of: AS_OF, school_id: 'sch_1' });
    expect(only1.overall.outstanding).toBe(50_000);
    expect(only1.by_school).toHaveLength(1);
  });
});
