import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { runBilling } from '../../../payments-core/billing/run-billing.js';
import { updateSubscription } from '../../../payments-core/billing/update-subscription.js';
import { addGstRate } from '../../../payments-core/gst-rates/add-gst-rate.js';
import { exportGstr1 } from '../../../payments-core/gst-returns/export-gstr1.js';
import { finalizeDueInvoices } from '../../../payments-core/invoices/finalize-due-invoices.js';
import { createSubscriptionPlan, type PlanInput } from '../../../payments-core/subscription-plans/create-plan.js';
import { cancelSubscription } from '../../../payments-core/subscriptions/cancel-subscription.js';
import { changeSubscription } from '../../../payments-core/subscriptions/change-subscription.js';
import { createSubscription } from '../../../payments-core/subscriptions/create-subscription.js';
import { pauseSubscription } from '../../../payments-core/subscriptions/pause-subscription.js';
import { resumeSubscription } from '../../../payments-core/subscriptions/resume-subscription.js';
import { createLog } from '../../../platform/log.js';
import { type BillingEnv, billingEnv } from './support.js';

/**
 * What a period bills after plan and quantity changes, pauses and cancels, through the real billing run. Every
 * amount is computed by hand in the comment beside it. December 2026 has 31 IST days (1 December 00:00 IST =
 * 30 November 18:30 UTC); a change at 09:30 IST on day d leaves 32 − d days at the new terms.
 */
const DEC_1 = new Date('2026-11-30T19:00:00Z'); // 1 December 00:30 IST
const DEC_END = new Date('2026-12-31T18:30:00Z'); // 1 January 00:00 IST
const JAN_END = new Date('2027-01-31T18:30:00Z');
const dec = (day: number) => new Date(Date.UTC(2026, 11, day, 4, 0)); // 09:30 IST on that December day
const HOUR = 3_600_000;

let env: BillingEnv;
afterEach(async () => env?.close());

interface Line {
  amount_minor: number;
  tax_category: string;
  gst_rate_bp: number | null;
  cgst_minor: number;
  sgst_minor: number;
}

async function setup(plans: Record<string, Partial<PlanInput>>) {
  env = await billingEnv(DEC_1);
  // A school, a parent and a saved card, from the billing fixture; its own subscription is cancelled out of the way.
  const { ids } = await env.seed({ count: 1, startAt: DEC_1 });
  const seeded = await env.db.one<{ customer_id: string }>('SELECT customer_id FROM subscriptions WHERE id = $id', {
    id: ids[0],
  });
  await env.db.run("UPDATE subscriptions SET status = 'cancelled' WHERE id = $id", { id: ids[0] });
  const deps = env.deps();
  const made: Record<string, string> = {};
  for (const [key, p] of Object.entries(plans)) {
    const plan = await createSubscriptionPlan(deps, {
      name: key,
      interval: 'monthly',
      amount: 120_000,
      per_unit: true,
      tax_category: 'gst_exempt_school_meals',
      ...p,
    });
    made[key] = plan.id;
  }
  const subscribe = async (plan: string, quantity = 1) =>
    (
      await createSubscription(deps, {
        customer_id: seeded?.customer_id ?? '',
        plan_id: made[plan] ?? '',
        quantity,
        start_at: DEC_1,
      })
    ).id;
  const at = (when: Date) => {
    env.clock.set(when);
    return deps;
  };
  return { plans: made, subscribe, at, deps };
}

const bill = (at: Date) => {
  env.clock.set(at);
  return runBilling(env.deps({ billing: { chunkSize: 50 } }), { now: at });
};
const records = (subscriptionId: string) =>
  env.db.all<{ period_index: number; amount_minor: number; status: string; invoice_id: string | null }>(
    'SELECT period_index, amount_minor, status, invoice_id FROM billing_records WHERE subscription_id = $id ORDER BY period_index',
    { id: subscriptionId },
  );
const lines = (invoiceId: string | null) =>
  env.db.all<Line>(
    `SELECT amount_minor, tax_category, gst_rate_bp, cgst_minor, sgst_minor FROM invoice_lines
     WHERE invoice_id = $id ORDER BY line_no`,
    { id: invoiceId },
  );
const amounts = (ls: readonly Line[]) => ls.map((l) => [l.amount_minor, l.tax_category, l.gst_rate_bp]);

describe('billing in arrears after a change', () => {
  it('when 1 → 3 units at ₹1,200 + 18 % GST with 18 of 31 days left → 1 unit for 13 days and 3 for 18, ₹3,060', async () => {
    const s = await setup({ snacks: { tax_category: 'gst', gst_rate_bp: 1800, billing_timing: 'in_arrears' } });
    const id = await s.subscribe('snacks');
    await changeSubscription(s.at(dec(14)), id, { quantity: 3 });
    await bill(new Date(DEC_END.getTime() + HOUR));
    const [december] = await records(id);
    // 1 × ₹1,200 × 13/31 = ₹503.2258 → ₹503.23; 3 × ₹1,200 × 18/31 = ₹2,090.3226 → ₹2,090.32.
    const ls = await lines(december?.invoice_id ?? null);
    expect(amounts(ls)).toEqual([
      [209_032, 'gst', 1800],
      [50_323, 'gst', 1800],
    ]);
    // CGST = SGST = 9 %: ₹18,812.88 → 18,813 and ₹4,529.07 → 4,529 paise; ₹2,593.55 + ₹466.84 = ₹3,060.39 → ₹3,060.
    expect(ls.map((l) => [l.cgst_minor, l.sgst_minor])).toEqual([
      [18_813, 18_813],
      [4_529, 4_529],
    ]);
    expect(december?.amount_minor).toBe(306_000);
    expect(december?.status).toBe('paid');
  });

  it('when an exempt ₹3,000 plan becomes ₹4,500 at 5 % on 10 December → each part taxed as it was supplied', async () => {
    const s = await setup({
      lunch: { amount: 300_000, billing_timing: 'in_arrears' },
      lunch_plus: { amount: 450_000, tax_category: 'gst', gst_rate_bp: 500, billing_timing: 'in_arrears' },
    });
    const id = await s.subscribe('lunch');
    await changeSubscription(s.at(dec(10)), id, { plan_id: s.plans['lunch_plus'] });
    await bill(new Date(DEC_END.getTime() + HOUR));
    const [december] = await records(id);
    // Exempt ₹3,000 × 9/31 = ₹870.9677 → ₹870.97; ₹4,500 × 22/31 = ₹3,193.5484 → ₹3,193.55 at 5 %
    // (CGST = SGST = ₹79.84); ₹870.97 + ₹3,193.55 + ₹159.68 = ₹4,224.20 → ₹4,224.
    expect(amounts(await lines(december?.invoice_id ?? null))).toEqual([
      [319_355, 'gst', 500],
      [87_097, 'gst_exempt_school_meals', null],
    ]);
    expect(december?.amount_minor).toBe(422_400);
  });

  it('when ₹4,500 at 5 % is downgraded to ₹3,000 exempt with 7 days left → 24 days taxed, 7 exempt, ₹4,335', async () => {
    const s = await setup({
      lunch_plus: { amount: 450_000, tax_category: 'gst', gst_rate_bp: 500, billing_timing: 'in_arrears' },
      lunch: { amount: 300_000, billing_timing: 'in_arrears' },
    });
    const id = await s.subscribe('lunch_plus');
    await changeSubscription(s.at(dec(25)), id, { plan_id: s.plans['lunch'] });
    await bill(new Date(DEC_END.getTime() + HOUR));
    const [december] = await records(id);
    // ₹3,000 × 7/31 = ₹677.4194 → ₹677.42 exempt; ₹4,500 × 24/31 = ₹3,483.8710 → ₹3,483.87 at 5 % (₹87.10 each
    // for CGST and SGST); ₹677.42 + ₹3,483.87 + ₹174.20 = ₹4,335.49 → ₹4,335.
    expect(amounts(await lines(december?.invoice_id ?? null))).toEqual([
      [67_742, 'gst_exempt_school_meals', null],
      [348_387, 'gst', 500],
    ]);
    expect(december?.amount_minor).toBe(433_500);
  });

  it('when a change asks for no proration → December stays at 1 unit and January bills 3', async () => {
    const s = await setup({ snacks: { billing_timing: 'in_arrears' } });
    const id = await s.subscribe('snacks');
    await changeSubscription(s.at(dec(14)), id, { quantity: 3, proration_behavior: 'none' });
    await bill(new Date(DEC_END.getTime() + HOUR));
    await bill(new Date(JAN_END.getTime() + HOUR));
    // December: the whole month at 1 × ₹1,200 (as a segment of the old terms); January: 3 × ₹1,200.
    expect((await records(id)).map((r) => r.amount_minor)).toEqual([120_000, 360_000]);
  });

  it('when cancelled now on 22 December → the 21 days used are billed once, and nothing after', async () => {
    const s = await setup({ lunch: { amount: 300_000, billing_timing: 'in_arrears' } });
    const id = await s.subscribe('lunch');
    await cancelSubscription(s.at(dec(22)), id);
    await bill(dec(22));
    await bill(new Date(DEC_END.getTime() + HOUR));
    await bill(new Date(JAN_END.getTime() + HOUR));
    // ₹3,000 × 21/31 = ₹2,032.2581 → ₹2,032.26 → ₹2,032 payable (exempt, rounded to the rupee).
    expect((await records(id)).map((r) => [r.amount_minor, r.status])).toEqual([[203_200, 'paid']]);
  });

  it('when paused from 11 to 21 December → the 10 paused days are not billed', async () => {
    const s = await setup({ lunch: { amount: 310_000, billing_timing: 'in_arrears' } });
    const id = await s.subscribe('lunch');
    await pauseSubscription(s.at(dec(11)), id);
    await resumeSubscription(s.at(dec(21)), id);
    await bill(new Date(DEC_END.getTime() + HOUR));
    // ₹100 a day: 1–10 December (10 days) + 21–31 December (11 days) = ₹2,100.
    expect((await records(id)).map((r) => r.amount_minor)).toEqual([210_000]);
  });
});

describe('billing in advance', () => {
  it('when billed at the start and 1 → 2 units on 22 December → the unused days are credited and recharged in January', async () => {
    const s = await setup({ lunch: { amount: 310_000 } });
    const id = await s.subscribe('lunch');
    await bill(new Date(DEC_1.getTime() + HOUR));
    expect((await records(id)).map((r) => r.amount_minor)).toEqual([310_000]);
    // Billed once: a second run in December bills nothing more.
    await bill(dec(15));
    expect(await records(id)).toHaveLength(1);
    await changeSubscription(s.at(dec(22)), id, { quantity: 2 });
    await bill(new Date(DEC_END.getTime() + HOUR));
    // 22–31 December is 10 days at ₹100 a unit: −₹1,000 credit at 1 unit, +₹2,000 at 2; January: 2 × ₹3,100.
    const january = (await records(id))[1];
    expect(amounts(await lines(january?.invoice_id ?? null))).toEqual([
      [620_000, 'gst_exempt_school_meals', null],
      [-100_000, 'gst_exempt_school_meals', null],
      [200_000, 'gst_exempt_school_meals', null],
    ]);
    expect(january?.amount_minor).toBe(720_000);
  });

  it('when paused on 22 December and resumed on 27 → January credits the 5 paused days', async () => {
    const s = await setup({ lunch: { amount: 310_000 } });
    const id = await s.subscribe('lunch');
    await bill(new Date(DEC_1.getTime() + HOUR));
    await pauseSubscription(s.at(dec(22)), id);
    await resumeSubscription(s.at(dec(27)), id);
    await bill(new Date(DEC_END.getTime() + HOUR));
    // −₹1,000 (22–31 December) + ₹500 (27–31 December) on January's ₹3,100.
    expect((await records(id)).map((r) => r.amount_minor)).toEqual([310_000, 260_000]);
  });

  it('when a subscription is created in advance → a run at the period end bills the next period, not two', async () => {
    const s = await setup({ lunch: { amount: 310_000 } });
    const id = await s.subscribe('lunch');
    await bill(new Date(DEC_END.getTime() + HOUR));
    // The run missed 1 December: it bills December (late) and January (due now), one record each.
    expect((await records(id)).map((r) => [r.period_index, r.amount_minor])).toEqual([
      [0, 310_000],
      [1, 310_000],
    ]);
    await bill(new Date(DEC_END.getTime() + 2 * HOUR));
    expect(await records(id)).toHaveLength(2);
  });
});

describe('cancelling an in-advance period now', () => {
  const finalize = (at: Date) => {
    env.clock.set(at);
    return finalizeDueInvoices({ db: env.db, clock: env.clock, log: createLog({ level: 'silent' }) }, { now: at });
  };

  it('when paid for December and cancelled on 22 December → a credit note for the 10 unused days, refunded once', async () => {
    const s = await setup({ lunch: { amount: 310_000 } });
    const id = await s.subscribe('lunch');
    await bill(new Date(DEC_1.getTime() + HOUR));
    await finalize(new Date(DEC_1.getTime() + 3 * HOUR));
    await cancelSubscription(s.at(dec(22)), id);
    const first = await bill(dec(22));
    // 22–31 December: 10 days at ₹100 = ₹1,000, exempt, credited against December's invoice and refunded.
    expect(first.cancel_credits).toBe(1);
    const [december] = await records(id);
    const notes = await env.db.all<{ id: string; total_minor: number; status: string }>(
      "SELECT id, total_minor, status FROM invoices WHERE original_invoice_id = $id AND kind = 'credit_note'",
      { id: december?.invoice_id },
    );
    expect(notes.map((n) => n.total_minor)).toEqual([100_000]);
    expect(amounts(await lines(notes[0]?.id ?? null))).toEqual([[100_000, 'gst_exempt_school_meals', null]]);
    const refunds = await env.db.all<{ amount_minor: number }>(
      'SELECT r.amount_minor FROM refunds r JOIN billing_records b ON b.payment_id = r.payment_id WHERE b.subscription_id = $id',
      { id },
    );
    expect(refunds.map((r) => r.amount_minor)).toEqual([100_000]);
    // A rerun finds nothing left: no second credit note, no second refund, no final record.
    expect((await bill(dec(23))).cancel_credits).toBe(0);
    await bill(new Date(DEC_END.getTime() + HOUR));
    expect(await records(id)).toHaveLength(1);
    expect(
      await env.db.one<{ n: number }>(
        "SELECT count(*)::int AS n FROM invoices WHERE original_invoice_id = $id AND kind = 'credit_note'",
        { id: december?.invoice_id },
      ),
    ).toEqual({ n: 1 });
  });

  it('when 1 → 3 units billed now (always_invoice) on 5 December, paid, then cancelled on 12 → the unused days credited across both invoices, none pending, ledger = invoices = GSTR-1', async () => {
    const s = await setup({ snacks: { amount: 310_000, tax_category: 'gst', gst_rate_bp: 1800 } });
    const id = await s.subscribe('snacks');
    const other = await s.subscribe('snacks');
    await bill(new Date(DEC_1.getTime() + HOUR));
    await finalize(new Date(DEC_1.getTime() + 3 * HOUR));
    // December: ₹3,100 + 18 % (₹279 + ₹279) = ₹3,658, paid. On 5 December 1 → 3 units, 27 days left, billed now:
    // 2 × ₹3,100 × 27/31 = ₹5,400 + 18 % = ₹6,372 on an invoice of its own, paid.
    await updateSubscription(s.at(dec(5)), id, { quantity: 3, proration_behavior: 'always_invoice' });
    const [change] = await env.db.all<{ id: string; total_minor: number; status: string }>(
      "SELECT id, total_minor, status FROM invoices WHERE subscription_id = $id AND source = 'subscription_change'",
      { id },
    );
    expect([change?.total_minor, change?.status]).toEqual([637_200, 'paid']);
    // Cancelled on 12 December: 20 unused days × 3 units × ₹100 = ₹6,000 at 18 %. December's invoice has ₹3,100 left
    // at 18 %: it takes all of it (₹3,100 + ₹558 = ₹3,658); the change's invoice the other ₹2,900 (+ ₹522 = ₹3,422).
    // `other`, 1 unit: 20 × ₹100 = ₹2,000 (+ ₹360 = ₹2,360) on its December invoice alone.
    await cancelSubscription(s.at(dec(12)), id);
    await cancelSubscription(s.at(dec(12)), other);
    expect((await bill(dec(12))).cancel_credits).toBe(2);
    const pending = await env.db.one<{ n: number }>(
      "SELECT count(*)::int AS n FROM subscription_charges WHERE status = 'pending'",
    );
    expect(pending).toEqual({ n: 0 });
    const [december] = await records(id);
    const notes = await env.db.all<{ against: string; total_minor: number; amount_minor: number; cgst: number }>(
      `SELECT n.original_invoice_id AS against, n.total_minor, l.amount_minor, l.cgst_minor AS cgst
       FROM invoices n JOIN invoices o ON o.id = n.original_invoice_id JOIN invoice_lines l ON l.invoice_id = n.id
       WHERE n.kind = 'credit_note' AND o.subscription_id = $id ORDER BY n.number`,
      { id },
    );
    expect(notes).toEqual([
      { against: december?.invoice_id, total_minor: 365_800, amount_minor: 310_000, cgst: 27_900 },
      { against: change?.id, total_minor: 342_200, amount_minor: 290_000, cgst: 26_100 },
    ]);
    // Credited at 18 %: exactly the 20 unused days of 3 units.
    expect(notes.reduce((a, n) => a + n.amount_minor, 0)).toBe(600_000);
    // Each note refunded from the payment that paid its invoice, once.
    const refunds = await env.db.all<{ payment_id: string; amount_minor: number; invoice_id: string }>(
      `SELECT r.payment_id, r.amount_minor, ip.invoice_id FROM refunds r JOIN invoice_payments ip ON ip.payment_id = r.payment_id
       JOIN invoices i ON i.id = ip.invoice_id WHERE i.subscription_id = $id ORDER BY r.amount_minor DESC`,
      { id },
    );
    expect(refunds.map((r) => [r.invoice_id, r.amount_minor])).toEqual([
      [december?.invoice_id, 365_800],
      [change?.id, 342_200],
    ]);
    // A rerun credits and refunds nothing more.
    expect((await bill(dec(13))).cancel_credits).toBe(0);
    expect(
      await env.db.one<{ n: number }>("SELECT count(*)::int AS n FROM invoices WHERE kind = 'credit_note'"),
    ).toEqual({ n: 3 });
    // Ledger = invoices = GSTR-1 for December: what the documents ask, net of credit notes, is what was collected
    // (captures less refunds to the school's payable), and GSTR-1's sections sum to the same.
    const docs = await env.db.all<{ kind: string; total_minor: number; round_off_minor: number; paid: number }>(
      `SELECT kind, total_minor, round_off_minor, amount_paid_minor AS paid FROM invoices WHERE number IS NOT NULL
       AND status <> 'void'`,
    );
    const sign = (d: { kind: string }) => (d.kind === 'credit_note' ? -1 : 1);
    const net = docs.reduce((a, d) => a + sign(d) * d.total_minor, 0);
    const unpaid = docs.filter((d) => d.kind === 'invoice').reduce((a, d) => a + d.total_minor - d.paid, 0);
    const ledger = await env.db.one<{ amount: number }>(
      `SELECT -coalesce(sum(l.amount_minor), 0)::bigint AS amount FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
       WHERE l.account = 'school_payable' AND e.kind IN ('capture', 'refund_initiated')`,
    );
    // ₹3,658 × 2 + ₹6,372 − ₹3,658 − ₹3,422 − ₹2,360 = ₹4,248: nothing is left unpaid.
    expect([net, unpaid, Number(ledger?.amount)]).toEqual([424_800, 0, 424_800]);
    const r = await exportGstr1({ db: env.db }, { period: '2026-12' });
    const paise = (rupees: number) => Math.round(rupees * 100);
    const item = (d: { txval: number; iamt: number; camt: number; samt: number; csamt: number }) =>
      paise(d.txval) + paise(d.iamt) + paise(d.camt) + paise(d.samt) + paise(d.csamt);
    const reported =
      (r.b2cs ?? []).reduce((a, row) => a + item(row), 0) -
      (r.cdnur ?? []).flatMap((n) => n.itms).reduce((a, i) => a + item(i.itm_det), 0);
    expect([r.b2b ?? [], r.cdnr ?? [], reported]).toEqual([
      [],
      [],
      net - docs.reduce((a, d) => a + sign(d) * d.round_off_minor, 0),
    ]);
  });

  it('when 1 → 4 units on 10 December and cancelled on 20 → the net owed is billed on a final record', async () => {
    const s = await setup({ lunch: { amount: 310_000 } });
    const id = await s.subscribe('lunch');
    await bill(new Date(DEC_1.getTime() + HOUR));
    await changeSubscription(s.at(dec(10)), id, { quantity: 4 });
    await cancelSubscription(s.at(dec(20)), id);
    await bill(dec(20));
    // Supplied: 9 days × ₹100 + 10 days × ₹400 = ₹4,900; billed ₹3,100 on 1 December: ₹1,800 still owed
    // (−₹2,200 + ₹8,800 at the change, −₹4,800 for 20–31 December at 4 units).
    expect((await records(id)).map((r) => [r.period_index, r.amount_minor, r.status])).toEqual([
      [0, 310_000, 'paid'],
      [1, 180_000, 'paid'],
    ]);
    await bill(new Date(DEC_END.getTime() + HOUR));
    expect(await records(id)).toHaveLength(2);
  });
});

describe('the integral of price × quantity', () => {
  it('when any sequence of changes falls in a period → the period bills the integral within a paisa per line', async () => {
    const s = await setup({
      a: { amount: 310_000, billing_timing: 'in_arrears' },
      b: { amount: 465_000, tax_category: 'gst', gst_rate_bp: 500, billing_timing: 'in_arrears' },
      c: { amount: 310_000 },
      d: { amount: 465_000, tax_category: 'gst', gst_rate_bp: 500 },
    });
    const PRICE: Record<string, number> = { a: 310_000, b: 465_000, c: 310_000, d: 465_000 };
    const step = fc.record({
      day: fc.integer({ min: 2, max: 31 }),
      plan: fc.boolean(),
      quantity: fc.integer({ min: 1, max: 4 }),
      none: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(step, { minLength: 1, maxLength: 4 }), async (advance, raw) => {
        const [first, second] = advance ? ['c', 'd'] : ['a', 'b'];
        env.clock.set(DEC_1);
        const id = await s.subscribe(first ?? '');
        await env.db.run("UPDATE subscriptions SET status = 'cancelled' WHERE id <> $id AND status = 'active'", { id });
        if (advance) await bill(new Date(DEC_1.getTime() + HOUR));
        const steps = [...raw].sort((x, y) => x.day - y.day);
        // Per day of December, the per-period amount in force (the price per day is amount / 31).
        const daily: number[] = Array.from({ length: 31 }, () => PRICE[first ?? ''] ?? 0);
        let plan = first ?? '';
        let quantity = 1;
        let frozenUntil = 0; // `none` keeps the terms in force to the end of December
        for (const st of steps) {
          const nextPlan = st.plan ? (plan === first ? second : first) : plan;
          await changeSubscription(s.at(dec(st.day)), id, {
            plan_id: s.plans[nextPlan ?? ''],
            quantity: st.quantity,
            proration_behavior: st.none ? 'none' : 'create_prorations',
          });
          plan = nextPlan ?? plan;
          quantity = st.quantity;
          if (frozenUntil === 0) {
            if (st.none) frozenUntil = 32;
            else for (let d = st.day; d <= 31; d++) daily[d - 1] = (PRICE[plan] ?? 0) * quantity;
          }
        }
        await bill(new Date(DEC_END.getTime() + HOUR));
        const recs = await records(id);
        // Arrears: December's record holds it all. Advance: December's record plus January's adjustments.
        const december = recs[0];
        const decLines = await lines(december?.invoice_id ?? null);
        let billed = decLines.reduce((sum, l) => sum + l.amount_minor, 0);
        let count = decLines.length;
        if (advance) {
          const jan = await lines(recs[1]?.invoice_id ?? null);
          const janPlan = (PRICE[plan] ?? 0) * quantity;
          billed += jan.reduce((sum, l) => sum + l.amount_minor, 0) - janPlan;
          count += jan.length - 1;
        }
        const integral = daily.reduce((sum, a) => sum + a / 31, 0);
        expect(Math.abs(billed - integral)).toBeLessThanOrEqual(count * 0.5 + 1e-6);
        await cancelSubscription(s.at(new Date(DEC_END.getTime() + 2 * HOUR)), id);
      }),
      { numRuns: 12, seed: 7 },
    );
  });
});

describe('proration_behavior always_invoice', () => {
  const finalize = (at: Date) => {
    env.clock.set(at);
    return finalizeDueInvoices({ db: env.db, clock: env.clock, log: createLog({ level: 'silent' }) }, { now: at });
  };
  const changeInvoices = (subscriptionId: string) =>
    env.db.all<{ id: string; status: string; total_minor: number; amount_paid_minor: number }>(
      `SELECT id, status, total_minor, amount_paid_minor FROM invoices
       WHERE subscription_id = $id AND source = 'subscription_change' ORDER BY created_at`,
      { id: subscriptionId },
    );

  it('when 1 → 2 units on 22 December of a paid in-advance month → ₹1,000 invoiced and charged now, once', async () => {
    const s = await setup({ lunch: { amount: 310_000 } });
    const id = await s.subscribe('lunch');
    await bill(new Date(DEC_1.getTime() + HOUR));
    // The change's lines are stored first, as if the process died before billing them: the next run bills them.
    await changeSubscription(s.at(dec(22)), id, { quantity: 2, proration_behavior: 'always_invoice' });
    expect(await changeInvoices(id)).toEqual([]);
    expect((await bill(dec(22))).change_invoices).toBe(1);
    // 22–31 December is 10 days at ₹100 a unit: −₹1,000 at 1 unit, +₹2,000 at 2, exempt: ₹1,000 now, paid.
    const [now] = await changeInvoices(id);
    expect(now).toMatchObject({ status: 'paid', total_minor: 100_000, amount_paid_minor: 100_000 });
    expect(amounts(await lines(now?.id ?? null))).toEqual([
      [-100_000, 'gst_exempt_school_meals', null],
      [200_000, 'gst_exempt_school_meals', null],
    ]);
    // A retry of the request and later runs bill nothing more; January is 2 × ₹3,100 with no adjustment on it.
    await updateSubscription(s.at(dec(22)), id, { quantity: 2, proration_behavior: 'always_invoice' });
    await bill(new Date(DEC_END.getTime() + HOUR));
    expect(await changeInvoices(id)).toHaveLength(1);
    expect((await records(id)).map((r) => r.amount_minor)).toEqual([310_000, 620_000]);
    const keys = [...env.capturedAtGateway()].filter(([k]) => k.startsWith('bill_chg_'));
    expect(keys.map(([, n]) => n)).toEqual([1]);
  });

  it('when ₹4,650 at 5 % becomes ₹3,100 exempt on 22 December → a 5 % credit note refunded and an exempt invoice now', async () => {
    const s = await setup({
      plus: { amount: 465_000, tax_category: 'gst', gst_rate_bp: 500 },
      lunch: { amount: 310_000 },
    });
    const id = await s.subscribe('plus');
    await bill(new Date(DEC_1.getTime() + HOUR));
    await finalize(new Date(DEC_1.getTime() + 3 * HOUR));
    await updateSubscription(s.at(dec(22)), id, { plan_id: s.plans['lunch'], proration_behavior: 'always_invoice' });
    // Unused 10 days at the old terms: ₹4,650 × 10/31 = ₹1,500 at 5 % (CGST = SGST = ₹37.50): a credit note of
    // ₹1,575 against December's invoice, refunded. The same days at the new terms: ₹3,100 × 10/31 = ₹1,000 exempt,
    // on an invoice of its own, paid now. Never one negative invoice netting the two.
    const [december] = await records(id);
    const notes = await env.db.all<{ id: string; total_minor: number }>(
      "SELECT id, total_minor FROM invoices WHERE original_invoice_id = $id AND kind = 'credit_note'",
      { id: december?.invoice_id },
    );
    expect(notes.map((n) => n.total_minor)).toEqual([157_500]);
    expect(amounts(await lines(notes[0]?.id ?? null))).toEqual([[150_000, 'gst', 500]]);
    const refunds = await env.db.all<{ amount_minor: number }>(
      'SELECT r.amount_minor FROM refunds r JOIN billing_records b ON b.payment_id = r.payment_id WHERE b.subscription_id = $id',
      { id },
    );
    expect(refunds.map((r) => r.amount_minor)).toEqual([157_500]);
    const [now] = await changeInvoices(id);
    expect(now).toMatchObject({ status: 'paid', total_minor: 100_000 });
    expect(amounts(await lines(now?.id ?? null))).toEqual([[100_000, 'gst_exempt_school_meals', null]]);
    // January: ₹3,100 exempt, nothing carried over.
    await bill(new Date(DEC_END.getTime() + HOUR));
    expect((await records(id)).map((r) => r.amount_minor)).toEqual([488_300, 310_000]);
  });
});

describe('the GST rate table', () => {
  it('when the table lowers SAC 996337 from 18 % to 5 % from 1 January → December bills 18 %, January 5 %, no code change', async () => {
    // The plan pins no rate: it bills the table's rate for its code (996337, 18 % as seeded) on each period's first day.
    const s = await setup({ canteen: { amount: 100_000, tax_category: 'gst', gst_rate_bp: null } });
    const id = await s.subscribe('canteen');
    await addGstRate(s.at(DEC_1), {
      hsn_sac: '996337',
      rate_bp: 500,
      effective_from: '2027-01-01',
      basis: 'a rate change in law, as data',
    });
    await bill(new Date(DEC_1.getTime() + HOUR));
    await bill(new Date(DEC_END.getTime() + HOUR));
    const [december, january] = await records(id);
    // December: ₹1,000 + 18 % (CGST = SGST = ₹90) = ₹1,180; January: ₹1,000 + 5 % (₹25 each) = ₹1,050.
    expect(amounts(await lines(december?.invoice_id ?? null))).toEqual([[100_000, 'gst', 1800]]);
    expect(amounts(await lines(january?.invoice_id ?? null))).toEqual([[100_000, 'gst', 500]]);
    expect([december?.amount_minor, january?.amount_minor]).toEqual([118_000, 105_000]);
  });
});
