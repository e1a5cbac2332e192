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
const DAY = 86_400_000;
/** `n` days before AS_OF (negative: after it). */
const day = (n: number) => new Date(AS_OF.getTime() - n * DAY);

interface Doc {
  readonly id: string;
  readonly school?: string;
  /** The status today (the analytics must not read it for an earlier as_of). */
  readonly status: string;
  readonly total: number;
  readonly roundOff?: number;
  readonly fin: Date;
  readonly due: Date;
  readonly payments?: readonly { readonly at: Date; readonly amount: number }[];
  /** Credit notes against it: finalised at, total. */
  readonly credits?: readonly { readonly at: Date; readonly amount: number }[];
  readonly voidedAt?: Date;
  readonly uncollectibleAt?: Date;
}

const INSERT = `
INSERT INTO invoices (id, kind, document_type, status, source, source_ref, customer_id, school_id, original_invoice_id,
  currency, supply_type, supplier_state_code, place_of_supply, taxable_minor, exempt_minor, cgst_minor, sgst_minor,
  igst_minor, round_off_minor, total_minor, amount_paid_minor, amount_credited_minor, auto_finalize, due_at,
  finalized_at, paid_at, voided_at, uncollectible_at, created_at, updated_at)
VALUES ($id, $kind, $document_type, $status, 'manual', $id, 'cus_ka', $school, $original, 'INR', 'intra', '29', '29', 0,
  $exempt, 0, 0, 0, $round_off, $total, $paid, $credited, false, $due, $fin, $paid_at, $voided_at, $uncollectible_at,
  $fin, $fin)`;

/** Writes a document as it stands today: its payments (invoice_payments), credit notes and status stamps. */
async function insert(t: Db, d: Doc): Promise<void> {
  const paid = (d.payments ?? []).reduce((s, p) => s + p.amount, 0);
  const credited = (d.credits ?? []).reduce((s, c) => s + c.amount, 0);
  const settled = paid + credited >= d.total;
  const lastPayment = (d.payments ?? []).at(-1)?.at ?? null;
  await t.run(INSERT, {
    id: d.id,
    kind: 'invoice',
    document_type: 'bill_of_supply',
    status: d.status,
    school: d.school ?? 'sch_1',
    original: null,
    exempt: d.total - (d.roundOff ?? 0),
    round_off: d.roundOff ?? 0,
    total: d.total,
    paid,
    credited,
    due: d.due,
    fin: d.fin,
    paid_at: settled ? lastPayment : null,
    voided_at: d.voidedAt ?? null,
    uncollectible_at: d.uncollectibleAt ?? null,
  });
  for (const [i, p] of (d.payments ?? []).entries()) {
    await t.run(
      `INSERT INTO invoice_payments (payment_id, invoice_id, amount_minor, paid_at, created_at)
       VALUES ($pid, $id, $amount, $at, $at)`,
      { pid: `pay_${d.id}_${i}`, id: d.id, amount: p.amount, at: p.at },
    );
  }
  for (const [i, c] of (d.credits ?? []).entries()) {
    await t.run(INSERT, {
      id: `cn_${d.id}_${i}`,
      kind: 'credit_note',
      document_type: 'credit_note',
      status: 'finalized',
      school: d.school ?? 'sch_1',
      original: d.id,
      exempt: c.amount,
      round_off: 0,
      total: c.amount,
      paid: 0,
      credited: 0,
      due: null,
      fin: c.at,
      paid_at: null,
      voided_at: null,
      uncollectible_at: null,
    });
  }
}

/** Hand-built invoices, as finalised, paid, credited, written off and voided by AS_OF. */
const DOCS: Doc[] = [
  { id: 'i1', status: 'finalized', total: 10_000, fin: day(5), due: day(-10) }, // not yet due → current
  // 25 days late → 1–30, due 20 000 − 5 000 = 15 000
  {
    id: 'i2',
    status: 'partially_paid',
    total: 20_000,
    fin: day(40),
    due: day(25),
    payments: [{ at: day(30), amount: 5_000 }],
  },
  // 65 days late → 61–90, due 30 000 − 10 000 credited = 20 000
  {
    id: 'i3',
    status: 'finalized',
    total: 30_000,
    fin: day(80),
    due: day(65),
    credits: [{ at: day(70), amount: 10_000 }],
  },
  { id: 'i4', school: 'sch_2', status: 'finalized', total: 40_000, fin: day(200), due: day(185) }, // 90+, outside the window
  // paid 5 days before due → on time
  {
    id: 'i5',
    school: 'sch_2',
    status: 'paid',
    total: 50_000,
    fin: day(30),
    due: day(15),
    payments: [{ at: day(20), amount: 50_000 }],
  },
  // paid 5 days after due: later than the 3-day grace → late
  {
    id: 'i6',
    school: 'sch_2',
    status: 'paid',
    total: 60_000,
    fin: day(60),
    due: day(45),
    payments: [{ at: day(40), amount: 60_000 }],
  },
  // written off, outside the window
  {
    id: 'i7',
    school: 'sch_2',
    status: 'uncollectible',
    total: 70_000,
    fin: day(120),
    due: day(105),
    uncollectibleAt: day(100),
  },
  { id: 'i8', school: 'sch_2', status: 'void', total: 80_000, fin: day(10), due: day(0), voidedAt: day(5) }, // void: ignored
  { id: 'i9', status: 'finalized', total: 5_000, fin: day(50), due: day(35) }, // 35 days late → 31–60
];

describe('invoice analytics on hand-built data', () => {
  it('when invoices are current, late, paid on time and late, written off and void → the documented figures', async () => {
    const t = await invoiceDb();
    db = t.db;
    for (const d of DOCS) await insert(t.db, d);
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
      // eligible: settled (i5, i6) or past due + 3 days' grace (i2, i3, i9) → 5; on time: i5
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

  it('when auto-paid renewals settle 256 ms after their due time → on time within the grace window (default 3 days)', async () => {
    const t = await invoiceDb();
    db = t.db;
    const due = day(20);
    const lateBy = (ms: number) => new Date(due.getTime() + ms);
    for (const d of [
      // the auto-charged renewal: paid 256 ms after the due instant → on time with any grace
      { id: 'r1', total: 118_000, payments: [{ at: lateBy(256), amount: 118_000 }] },
      { id: 'r2', total: 50_000, payments: [{ at: lateBy(2 * DAY), amount: 50_000 }] }, // 2 days late: within 3
      { id: 'r3', total: 30_000, payments: [{ at: lateBy(4 * DAY), amount: 30_000 }] }, // 4 days late: late
      { id: 'r5', total: 20_000 }, // unpaid, 20 days past due → eligible, late
    ] as const) {
      await insert(t.db, { ...d, status: 'payments' in d ? 'paid' : 'finalized', fin: day(25), due });
    }
    // due 2 days ago, unpaid: still inside the grace window, so not yet judged
    await insert(t.db, { id: 'r4', status: 'finalized', total: 10_000, fin: day(5), due: day(2) });

    const a = await getInvoiceAnalytics(t.db, { as_of: AS_OF });
    // eligible: r1, r2, r3 (settled) and r5 (due 20 days ago > 3) = 4; on time: r1, r2 → 2 / 4
    expect(a.overall).toMatchObject({ on_time_count: 2, on_time_eligible: 4, on_time_rate: 0.5 });
    const strict = await getInvoiceAnalytics(t.db, { as_of: AS_OF, grace_days: 0 });
    // no grace: r4 is past due too (5 eligible), and even the 256 ms renewal is late → 0 / 5
    expect(strict.overall).toMatchObject({ on_time_count: 0, on_time_eligible: 5, on_time_rate: 0 });
  });

  it('when payments, credit notes, a void and a write-off come after as_of → the figures as they stood at as_of', async () => {
    const t = await invoiceDb();
    db = t.db;
    // Today's states all come later than AS_OF; at AS_OF each of p1–p4 and p6 was still open.
    const docs: Doc[] = [
      // not yet due at AS_OF; paid the day after → current 100 000
      {
        id: 'p1',
        status: 'paid',
        total: 100_000,
        fin: day(10),
        due: day(-5),
        payments: [{ at: day(-1), amount: 100_000 }],
      },
      // voided 2 days after AS_OF; at AS_OF 25 days late → 1–30: 40 000
      { id: 'p2', status: 'void', total: 40_000, fin: day(40), due: day(25), voidedAt: day(-2) },
      // credited in full the day after AS_OF; at AS_OF 35 days late → 31–60: 60 000
      {
        id: 'p3',
        status: 'paid',
        total: 60_000,
        fin: day(50),
        due: day(35),
        credits: [{ at: day(-1), amount: 60_000 }],
      },
      // written off 3 days after AS_OF; at AS_OF 85 days late → 61–90: 25 000 (outstanding, not uncollectible)
      { id: 'p4', status: 'uncollectible', total: 25_000, fin: day(100), due: day(85), uncollectibleAt: day(-3) },
      // finalised after AS_OF: not there yet
      { id: 'p5', status: 'finalized', total: 999_000, fin: day(-1), due: day(-16) },
      // 10 000 paid before AS_OF, 20 000 after; 5 days late → 1–30: 20 000
      {
        id: 'p6',
        status: 'paid',
        total: 30_000,
        fin: day(20),
        due: day(5),
        payments: [
          { at: day(15), amount: 10_000 },
          { at: day(-1), amount: 20_000 },
        ],
      },
    ];
    for (const d of docs) await insert(t.db, d);
    const a = await getInvoiceAnalytics(t.db, { as_of: AS_OF, window_days: 90 });
    // outstanding 100 000 + 40 000 + 60 000 + 25 000 + 20 000 = 245 000 over 5 invoices
    // billed in the window (finalised after day 90): p1 100 000 + p2 40 000 + p3 60 000 + p6 30 000 = 230 000
    // collected by AS_OF: p6's 10 000. On time: none settled; past due + grace: p2, p3, p6 → 0 / 3
    expect(a.overall).toEqual({
      outstanding: 245_000,
      outstanding_count: 5,
      uncollectible: 0,
      aging: { current: 100_000, d1_30: 60_000, d31_60: 60_000, d61_90: 25_000, d90_plus: 0 },
      billed: 230_000,
      collected: 10_000,
      dso_days: 95.9, // 245 000 / 230 000 × 90 = 95.87
      collection_rate: 0.0435, // 10 000 / 230 000 = 0.04348
      on_time_rate: 0,
      on_time_count: 0,
      on_time_eligible: 3,
    });
    // And the day after everything: p1, p3, p6 settled; p2 void; p4 written off (25 000).
    const later = await getInvoiceAnalytics(t.db, { as_of: day(-4), window_days: 90 });
    expect(later.overall).toMatchObject({ outstanding: 999_000, uncollectible: 25_000 });
  });

  it('when a statement rounded up to the rupee is paid its exact paise → no 50-paise receivable, settled on time', async () => {
    const t = await invoiceDb();
    db = t.db;
    // ₹123.50 of meals → total ₹124.00 (round off +0.50); the family paid ₹123.50 (the orders), so the invoice
    // stays partially_paid with 50 paise "due": a rounding artefact, not a receivable.
    await insert(t.db, {
      id: 's1',
      status: 'partially_paid',
      total: 12_400,
      roundOff: 50,
      fin: day(5),
      due: day(-10),
      payments: [{ at: day(6), amount: 12_350 }],
    });
    // ₹123.40 → ₹123.00 (round off −0.40), paid ₹123.00: settled as well.
    await insert(t.db, {
      id: 's2',
      status: 'paid',
      total: 12_300,
      roundOff: -40,
      fin: day(5),
      due: day(-10),
      payments: [{ at: day(6), amount: 12_300 }],
    });
    // A real shortfall keeps its paise: ₹124.00 (round off +0.50), paid ₹100.00 → 2 350 paise due (₹123.50 − ₹100).
    await insert(t.db, {
      id: 's3',
      status: 'partially_paid',
      total: 12_400,
      roundOff: 50,
      fin: day(5),
      due: day(-10),
      payments: [{ at: day(6), amount: 10_000 }],
    });
    const a = await getInvoiceAnalytics(t.db, { as_of: AS_OF });
    expect(a.overall).toMatchObject({
      outstanding: 2_350,
      outstanding_count: 1,
      aging: { current: 2_350, d1_30: 0, d31_60: 0, d61_90: 0, d90_plus: 0 },
      on_time_count: 2,
      on_time_eligible: 2,
      on_time_rate: 1,
    });
  });
});
