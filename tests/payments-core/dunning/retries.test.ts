import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeBillingRecord } from '../../../payments-core/billing/charge-billing-record.js';
import { finalizeDueInvoices } from '../../../payments-core/invoices/finalize-due-invoices.js';
import { fixedClock } from '../../../platform/clock.js';
import { istDate } from '../../../platform/ist.js';
import { createLog } from '../../../platform/log.js';
import { type Harness, seedParent, startHarness } from '../../support/harness.js';
import {
  billing,
  caseOf,
  DAY,
  dunning,
  emailsOf,
  linkIn,
  PLAN,
  POLICY,
  RENEWAL_AT,
  SOFT_CARD,
  START,
  saveCard,
  subscribedParent,
} from './support.js';

const paymentsOf = async (h: Harness, recordId: string) =>
  h.db.all<{ id: string; status: string }>('SELECT id, status FROM payments WHERE id LIKE $p ORDER BY id', {
    p: `bill_${recordId}_%`,
  });
const HOUR = 3_600_000;
const at = (c: { failed_at: string }, days: number) => new Date(new Date(c.failed_at).getTime() + days * DAY);

describe('dunning retries: soft declines on schedule, recovery, idempotent runs', () => {
  const clock = fixedClock(RENEWAL_AT);
  let h: Harness;
  let plan: { id: string };
  beforeAll(async () => {
    h = await startHarness({ clock });
    plan = (await h.api('POST', '/v1/subscription-plans', PLAN)).body;
  });
  afterAll(async () => h.close());

  it('when a soft decline is retried → each due step charges once with attempt = step; a new method through the link recovers the renewal', async () => {
    const p = await subscribedParent(h, plan.id, SOFT_CARD);
    await billing(h, clock);
    await dunning(h, clock);
    let c = await caseOf(h, p.subscriptionId);
    const record = c.billing_record_id as string;
    expect((await paymentsOf(h, record)).map((x) => x.id)).toEqual([`bill_${record}_0`]);

    // Not due yet: a day minus a minute after the failure, nothing is charged.
    clock.set(new Date(at(c, 1).getTime() - 60_000));
    expect(await dunning(h, clock)).toMatchObject({ steps_due: 0 });

    // Step 1 is due: two runs at the same instant make one attempt; a third run makes none.
    clock.set(at(c, 1));
    const [a, b] = await Promise.all([dunning(h, clock), dunning(h, clock)]);
    expect((a.failed as number) + (b.failed as number)).toBe(1);
    expect(await dunning(h, clock)).toMatchObject({ steps_due: 0, failed: 0 });
    expect((await paymentsOf(h, record)).map((x) => [x.id, x.status])).toEqual([
      [`bill_${record}_0`, 'failed'],
      [`bill_${record}_1`, 'failed'],
    ]);
    c = await caseOf(h, p.subscriptionId);
    expect(c.steps[1]).toMatchObject({
      step: 1,
      outcome: 'failed',
      payment_id: `bill_${record}_1`,
      decline_code: 'insufficient_funds',
      payment_method_id: p.methodId,
    });
    expect(c).toMatchObject({ status: 'open', awaiting_method: false, next_step_at: at(c, 3).toISOString() });

    // Step 2 at +3 days fails the same way; its email says when the next try is.
    clock.set(at(c, 3));
    await dunning(h, clock);
    const emails = await emailsOf(h, c.id);
    expect(emails.map((e) => e.dedupe_key)).toEqual([0, 1, 2].map((n) => `dunning:${c.id}:${n}`));
    expect(emails[2]?.subject).toBe('We still could not collect your meal plan payment');
    expect(emails[2]?.text_body).toContain(`We will try again on ${istDate(at(c, 5))}`);

    // The parent picks a working card through the link in the latest email: the next run charges it at once.
    const good = await saveCard(h, p.customerId);
    const link = linkIn(emails[2]?.text_body ?? '');
    const chosen = await h.app.inject({
      method: 'POST',
      url: link,
      payload: { payment_method_id: good.methodId },
    });
    expect(chosen.statusCode).toBe(200);
    clock.advance(60_000);
    expect(await dunning(h, clock)).toMatchObject({ paid: 1 });
    c = await caseOf(h, p.subscriptionId);
    expect(c).toMatchObject({
      status: 'recovered',
      recovered_amount: c.amount,
      recovered_at: clock.now().toISOString(),
      recovered_step: 5,
      recovered_payment_id: `bill_${record}_5`,
      next_step_at: null,
    });
    expect(c.steps.map((s: { step: number; outcome: string }) => [s.step, s.outcome])).toEqual([
      [0, 'failed'],
      [1, 'failed'],
      [2, 'failed'],
      [5, 'paid'],
      [3, 'skipped'],
      [4, 'skipped'],
    ]);
    const billed = await h.db.one<{ status: string }>('SELECT status FROM billing_records WHERE id = $id', {
      id: record,
    });
    expect(billed?.status).toBe('paid');
    expect((await h.api('GET', `/v1/subscriptions/${p.subscriptionId}`)).body.status).toBe('active');
    expect((await emailsOf(h, c.id)).at(-1)).toMatchObject({
      dedupe_key: `dunning:${c.id}:closed`,
      subject: 'Payment received, thank you',
    });
    // Nothing more happens to a recovered case.
    clock.set(at(c, 8));
    await dunning(h, clock);
    expect((await paymentsOf(h, record)).length).toBe(4);

    const analytics = await h.api('GET', `/v1/analytics/dunning?from=2026-11-01&to=2026-12-31`);
    expect(analytics.status).toBe(200);
    expect(analytics.body).toMatchObject({
      opened: 1,
      recovered: 1,
      recovery_rate: 1,
      at_risk: c.amount,
      recovered_revenue: c.amount,
      by_step: [{ step: 5, kind: 'method_updated', recovered: 1, recovered_revenue: c.amount }],
      by_decline_category: [{ category: 'soft', opened: 1, recovered: 1, recovery_rate: 1 }],
      by_decline_code: [{ decline_code: 'insufficient_funds', opened: 1, recovered: 1 }],
    });
  });
});

describe("dunning final action: mark unpaid, and a change invoice's case", () => {
  const clock = fixedClock(RENEWAL_AT);
  let h: Harness;
  let plan: { id: string };
  beforeAll(async () => {
    h = await startHarness({ clock });
    plan = (await h.api('POST', '/v1/subscription-plans', PLAN)).body;
  });
  afterAll(async () => h.close());

  it('when every step fails under mark_unpaid → the subscription is halted, the record uncollectible, the case exhausted', async () => {
    const policy = { ...POLICY, finalAction: 'mark_unpaid' as const };
    const p = await subscribedParent(h, plan.id, SOFT_CARD);
    await billing(h, clock);
    // The hourly job finalises the renewal's invoice an hour after the billing run drafted it.
    await finalizeDueInvoices(
      { db: h.db, clock, log: createLog({ level: 'silent' }) },
      { now: new Date(clock.now().getTime() + 2 * HOUR) },
    );
    await dunning(h, clock, policy);
    let c = await caseOf(h, p.subscriptionId);
    for (const day of [1, 3, 5, 7]) {
      clock.set(at(c, day));
      await dunning(h, clock, policy);
    }
    c = await caseOf(h, p.subscriptionId);
    expect(c).toMatchObject({ status: 'exhausted', final_action: 'mark_unpaid', recovered_amount: null });
    expect(c.steps.map((s: { outcome: string }) => s.outcome)).toEqual([
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
    expect((await paymentsOf(h, c.billing_record_id)).length).toBe(5);
    expect((await h.api('GET', `/v1/subscriptions/${p.subscriptionId}`)).body.status).toBe('halted');
    const record = await h.db.one<{ status: string }>('SELECT status FROM billing_records WHERE id = $id', {
      id: c.billing_record_id,
    });
    expect(record?.status).toBe('uncollectible');
    const mails = await emailsOf(h, c.id);
    expect(mails.at(-1)?.subject).toBe('Your meal plan is on hold: payment overdue');
    // The last notice goes out one step before the final action (after step 3, before the day-7 attempt), and
    // only then: steps 0–2 and the closing email carry no final notice.
    const notices = mails.map((m) => m.text_body.includes('FINAL NOTICE'));
    expect(notices).toEqual([false, false, false, true, false, false]);
    expect(mails[3]?.text_body).toContain('the meal plan will be put on hold');
    // mark_unpaid writes the renewal's invoice off: still owed, no longer counted as collectible.
    const invoice = await h.db.one<{ status: string }>(
      'SELECT i.status FROM invoices i JOIN billing_records b ON b.invoice_id = i.id WHERE b.id = $id',
      { id: c.billing_record_id },
    );
    expect(invoice?.status).toBe('uncollectible');
    const listed = await h.api('GET', '/v1/dunning/cases?status=exhausted');
    expect(listed.body.data.map((x: { id: string }) => x.id)).toEqual([c.id]);
    const analytics = await h.api('GET', '/v1/analytics/dunning?from=2026-12-01&to=2026-12-01');
    expect(analytics.body).toMatchObject({
      opened: 1,
      recovered: 0,
      exhausted: 1,
      recovery_rate: 0,
      recovered_revenue: 0,
    });
  });

  /**
   * An always_invoice change whose charge fails (migration 039: the case collects the change's invoice) and whose
   * every dunning step fails too. In advance, ₹3,100 a child, exempt: December (₹3,100) billed and paid on its first
   * day; the card is then replaced by one with insufficient funds; on 10 December 1 → 2 children, billed now: 22 days
   * at ₹100 = ₹2,200 on an invoice of its own, its charge `bill_<change>_0` declined, then `bill_<change>_1…4`.
   */
  const exhaustChangeCase = async (finalAction: 'cancel' | 'mark_unpaid') => {
    const policy = { ...POLICY, finalAction };
    const DEC_1 = new Date('2026-11-30T19:30:00Z'); // 1 December 01:00 IST
    clock.set(DEC_1);
    const lunch = (
      await h.api('POST', '/v1/subscription-plans', {
        ...PLAN,
        name: `Lunch in advance (${finalAction})`,
        amount: 310_000,
        billing_timing: 'in_advance',
      })
    ).body;
    const parent = await seedParent(h);
    const sub = (await h.api('POST', '/v1/subscriptions', { customer_id: parent.customerId, plan_id: lunch.id })).body;
    await billing(h, clock);
    await finalizeDueInvoices(
      { db: h.db, clock, log: createLog({ level: 'silent' }) },
      { now: new Date(clock.now().getTime() + 2 * HOUR) },
    );
    await saveCard(h, parent.customerId, SOFT_CARD, { isDefault: true });
    clock.set(new Date('2026-12-10T04:00:00Z')); // 10 December 09:30 IST: 22 days left
    const patched = await h.api('PATCH', `/v1/subscriptions/${sub.id}`, {
      quantity: 2,
      proration_behavior: 'always_invoice',
    });
    expect(patched.status).toBe(200);
    const invoice = async () =>
      h.db.one<{ id: string; source_ref: string; status: string; total_minor: number; amount_paid_minor: number }>(
        `SELECT id, source_ref, status, total_minor, amount_paid_minor FROM invoices
         WHERE subscription_id = $s AND source = 'subscription_change' AND kind = 'invoice'`,
        { s: sub.id },
      );
    expect(await invoice()).toMatchObject({ status: 'finalized', total_minor: 220_000 });
    await dunning(h, clock, policy);
    let c = await caseOf(h, sub.id);
    expect(c).toMatchObject({ status: 'open', invoice_id: (await invoice())?.id, billing_record_id: null });
    for (const day of [1, 3, 5, 7]) {
      clock.set(at(c, day));
      await dunning(h, clock, policy);
    }
    c = await caseOf(h, sub.id);
    expect(c).toMatchObject({ status: 'exhausted', final_action: finalAction, next_step_at: null });
    const change = (await invoice())?.source_ref as string;
    expect(c.steps.map((x: { outcome: string; payment_id: string | null }) => [x.outcome, x.payment_id])).toEqual(
      [0, 1, 2, 3, 4].map((n) => ['failed', `bill_${change}_${n}`]),
    );
    // A run after the end changes nothing and charges nothing.
    await dunning(h, clock, policy);
    await billing(h, clock);
    // No double charge: at the gateway each key once, none captured but December's own; ledger = simulator.
    const keys = h.sim
      .payments()
      .filter((x) => x.kosh_id?.startsWith(`bill_${change}_`))
      .map((x) => [x.kosh_id, x.status]);
    expect(keys.sort()).toEqual([0, 1, 2, 3, 4].map((n) => [`bill_${change}_${n}`, 'failed']));
    const ours = await h.db.all<{ id: string }>('SELECT id FROM payments WHERE customer_id = $c', {
      c: parent.customerId,
    });
    const captured = h.sim
      .payments()
      .filter((x) => ours.some((o) => o.id === x.kosh_id) && (x.status === 'captured' || x.status === 'refunded'))
      .reduce((a, x) => a + x.amount, 0);
    const ledger = await h.db.one<{ amount: number }>(
      `SELECT -coalesce(sum(l.amount_minor), 0)::bigint AS amount FROM journal_entries e
       JOIN journal_lines l ON l.entry_id = e.id JOIN payments p ON p.id = e.ref_id
       WHERE e.kind = 'capture' AND l.account = 'school_payable' AND p.customer_id = $c`,
      { c: parent.customerId },
    );
    expect([captured, Number(ledger?.amount)]).toEqual([310_000, 310_000]);
    return { sub: sub.id as string, invoice: await invoice(), case: c };
  };

  it("when every step of a change invoice's case fails under mark_unpaid → the invoice is written off, the subscription halted, nothing charged twice", async () => {
    const { sub, invoice } = await exhaustChangeCase('mark_unpaid');
    // Written off as a period invoice is under mark_unpaid: still owed (a late payment still settles it).
    expect(invoice).toMatchObject({ status: 'uncollectible', amount_paid_minor: 0 });
    expect((await h.api('GET', `/v1/subscriptions/${sub}`)).body.status).toBe('halted');
  });

  it("when every step of a change invoice's case fails under cancel → the subscription is cancelled, its unused days credited to the unpaid change invoice first, nothing charged twice", async () => {
    const { sub, invoice } = await exhaustChangeCase('cancel');
    expect((await h.api('GET', `/v1/subscriptions/${sub}`)).body.status).toBe('cancelled');
    // Cancelled on day 7 (17 December 09:30 IST): 15 days × 2 children × ₹100 = ₹3,000 unused, settled by the billing
    // run. The change's invoice still asks for ₹2,200: the credit lowers that first (a credit note of ₹2,200, nothing
    // left to collect), and only the other ₹800 goes to December's paid invoice and is refunded. The parent paid
    // ₹3,100 − ₹800 = ₹2,300 = 16 days of one child + 7 of the second, and owes nothing.
    const notes = await h.db.all<{ against: string; total_minor: number }>(
      `SELECT n.original_invoice_id AS against, n.total_minor FROM invoices n JOIN invoices o ON o.id = n.original_invoice_id
       WHERE n.kind = 'credit_note' AND o.subscription_id = $s ORDER BY n.number`,
      { s: sub },
    );
    const december = await h.db.one<{ invoice_id: string; payment_id: string }>(
      'SELECT invoice_id, payment_id FROM billing_records WHERE subscription_id = $s',
      { s: sub },
    );
    expect(notes).toEqual([
      { against: invoice?.id, total_minor: 220_000 },
      { against: december?.invoice_id, total_minor: 80_000 },
    ]);
    expect(
      await h.db.one(
        'SELECT status, total_minor - amount_paid_minor - amount_credited_minor AS owed FROM invoices WHERE id = $id',
        {
          id: invoice?.id,
        },
      ),
    ).toEqual({ status: 'paid', owed: 0 });
    const refunds = await h.db.all<{ payment_id: string; amount_minor: number }>(
      'SELECT payment_id, amount_minor FROM refunds WHERE payment_id = $p',
      { p: december?.payment_id },
    );
    expect(refunds.map((r) => r.amount_minor)).toEqual([80_000]);
  });

  it("when a change invoice in dunning is partly credited by a later change → a retry never charges the order's whole total", async () => {
    const DEC_1 = new Date('2026-11-30T19:30:00Z');
    clock.set(DEC_1);
    const lunch = (
      await h.api('POST', '/v1/subscription-plans', {
        ...PLAN,
        name: 'Lunch (credited)',
        amount: 310_000,
        billing_timing: 'in_advance',
      })
    ).body;
    const parent = await seedParent(h);
    const sub = (await h.api('POST', '/v1/subscriptions', { customer_id: parent.customerId, plan_id: lunch.id })).body;
    await billing(h, clock);
    await finalizeDueInvoices(
      { db: h.db, clock, log: createLog({ level: 'silent' }) },
      { now: new Date(clock.now().getTime() + 2 * HOUR) },
    );
    await saveCard(h, parent.customerId, SOFT_CARD, { isDefault: true });
    // 10 December: 1 → 3 children billed now, 2 × 22 days × ₹100 = ₹4,400, declined: a case on the change's invoice.
    clock.set(new Date('2026-12-10T04:00:00Z'));
    await h.api('PATCH', `/v1/subscriptions/${sub.id}`, { quantity: 3, proration_behavior: 'always_invoice' });
    await dunning(h, clock);
    const c = await caseOf(h, sub.id);
    // 11 December: back to 1 child, billed now: 2 × 21 days = ₹4,200 credited. The change's invoice is in dunning, so
    // December's (paid) invoice takes what it has, ₹3,100 (refunded), and the change's invoice the other ₹1,100: it
    // now asks ₹3,300 of its ₹4,400 order.
    clock.set(new Date('2026-12-11T04:00:00Z'));
    await h.api('PATCH', `/v1/subscriptions/${sub.id}`, { quantity: 1, proration_behavior: 'always_invoice' });
    const notes = await h.db.all<{ against: string; total_minor: number }>(
      `SELECT n.original_invoice_id AS against, n.total_minor FROM invoices n JOIN invoices o ON o.id = n.original_invoice_id
       WHERE n.kind = 'credit_note' AND o.subscription_id = $s ORDER BY n.number`,
      { s: sub.id },
    );
    expect(notes.map((n) => [n.against === c.invoice_id ? 'change' : 'december', n.total_minor])).toEqual([
      ['december', 310_000],
      ['change', 110_000],
    ]);
    const owed = await h.db.one<{ id: string; source_ref: string; owed: number }>(
      `SELECT id, source_ref, total_minor - amount_paid_minor - amount_credited_minor AS owed FROM invoices
       WHERE id = $id`,
      { id: c.invoice_id },
    );
    expect(Number(owed?.owed)).toBe(330_000);
    // The parent saves a working card; the day-1 retry would charge the order's ₹4,400: it charges nothing.
    await saveCard(h, parent.customerId, undefined, { isDefault: true });
    clock.set(at(c, 1));
    await dunning(h, clock);
    const change = owed?.source_ref as string;
    expect(h.sim.payments().filter((x) => x.kosh_id?.startsWith(`bill_${change}_`) && x.status === 'captured')).toEqual(
      [],
    );
    const step = (await caseOf(h, sub.id)).steps[1];
    expect([step.outcome, step.payment_id, step.decline_code]).toEqual(['failed', null, 'invoice_amount_changed']);
  });
});

describe('dunning on a mandate: the pre-debit notice comes at least 24 h before each retry', () => {
  const clock = fixedClock(RENEWAL_AT);
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ clock });
  });
  afterAll(async () => h.close());

  // On an e-mandate card: a saved UPI VPA cannot be debited off-session (Razorpay's S2S UPI collect needs the payer's
  // browser), and UPI AutoPay tokens are not built yet (issue 15). The notice rule is the same for both mandates.
  it('when the renewal on an e-mandate fails → each retry is announced 24 h ahead, and one announced late waits 24 h', async () => {
    const plan = (await h.api('POST', '/v1/subscription-plans', PLAN)).body;
    const parent = await seedParent(h);
    const mandate = await saveCard(h, parent.customerId, SOFT_CARD, { isDefault: true, mandateType: 'emandate' });
    const sub = await h.api('POST', '/v1/subscriptions', {
      customer_id: parent.customerId,
      plan_id: plan.id,
      payment_method_id: mandate.methodId,
      start_at: START,
    });
    // Billing sends its own notice and debits 24 h later; the debit fails and opens the case.
    for (let i = 0; i < 3 && (await caseOf(h, sub.body.id)) === undefined; i++) {
      await billing(h, clock);
      clock.advance(25 * HOUR);
    }
    let c = await caseOf(h, sub.body.id);
    expect(c).toMatchObject({ decline_code: 'insufficient_funds', decline_category: 'soft' });
    const F = new Date(c.failed_at).getTime();
    const notices = () =>
      h.db.all<{ source_id: string; debit_on: Date; sent_at: Date }>(
        "SELECT source_id, debit_on, sent_at FROM pre_debit_notifications WHERE source_type = 'dunning_step' ORDER BY debit_on",
      );

    // The first dunning run comes 6 h after the failure: step 1 (+24 h) is only 18 h away, so it moves to +30 h.
    clock.set(new Date(F + 6 * HOUR));
    expect(await dunning(h, clock)).toMatchObject({ planned: 1, pre_debit_notices: 1, steps_due: 0 });
    expect((await notices()).map((n) => [n.source_id, n.debit_on.getTime() - F])).toEqual([[`${c.id}:1`, 30 * HOUR]]);
    c = await caseOf(h, sub.body.id);
    expect(new Date(c.steps[1].planned_at).getTime() - F).toBe(30 * HOUR);
    const preDebit = await h.db.all<{ dedupe_key: string }>(
      "SELECT dedupe_key FROM email_outbox WHERE kind = 'pre_debit' AND ref_id = $id",
      { id: c.id },
    );
    expect(preDebit.map((e) => e.dedupe_key)).toEqual([`pre_debit:dunning:${c.id}:1`]);

    clock.set(new Date(F + 24 * HOUR));
    expect(await dunning(h, clock)).toMatchObject({ steps_due: 0 });
    clock.set(new Date(F + 30 * HOUR));
    expect(await dunning(h, clock)).toMatchObject({ steps_due: 1, failed: 1 });

    // Step 2 (+72 h) is announced by the run that first sees it within 24 h plus a run: on time, not moved.
    clock.set(new Date(F + 42 * HOUR));
    expect(await dunning(h, clock)).toMatchObject({ pre_debit_notices: 1 });
    expect((await notices()).map((n) => [n.source_id, n.debit_on.getTime() - F])).toEqual([
      [`${c.id}:1`, 30 * HOUR],
      [`${c.id}:2`, 72 * HOUR],
    ]);
    clock.set(new Date(F + 72 * HOUR));
    expect(await dunning(h, clock)).toMatchObject({ steps_due: 1, failed: 1, deferred: 0 });
  });
});

describe('dunning after a crash between the charge and its record', () => {
  const clock = fixedClock(RENEWAL_AT);
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ clock });
  });
  afterAll(async () => h.close());

  it('when a run died after charging step 1 → the claim goes stale, the next run takes the step again and records the same payment, charging nothing new', async () => {
    const plan = (await h.api('POST', '/v1/subscription-plans', PLAN)).body;
    const p = await subscribedParent(h, plan.id, SOFT_CARD);
    await billing(h, clock);
    await dunning(h, clock);
    const c = await caseOf(h, p.subscriptionId);
    const record = c.billing_record_id as string;
    clock.set(at(c, 1));
    // What the dead run did: claimed step 1 and charged attempt 1, then nothing more.
    await h.db.run('UPDATE dunning_steps SET started_at = $at WHERE case_id = $id AND step = 1', {
      id: c.id,
      at: clock.now(),
    });
    const charged = await chargeBillingRecord(
      { db: h.db, clock, gateway: h.gateway, log: createLog({ level: 'silent' }) },
      record,
      { attempt: 1 },
    );
    expect(charged).toMatchObject({ status: 'failed', paymentId: `bill_${record}_1` });
    // While the claim is fresh, another run leaves the step alone.
    expect(await dunning(h, clock)).toMatchObject({ steps_due: 0 });
    clock.advance(61 * 60_000);
    expect(await dunning(h, clock)).toMatchObject({ steps_due: 1, failed: 1 });
    expect((await paymentsOf(h, record)).map((x) => x.id)).toEqual([`bill_${record}_0`, `bill_${record}_1`]);
    expect((await caseOf(h, p.subscriptionId)).steps[1]).toMatchObject({
      outcome: 'failed',
      payment_id: `bill_${record}_1`,
    });
  });

  it('when the job was down and two steps are overdue → concurrent runs make one attempt for the case; the other waits 20 h after it', async () => {
    clock.set(RENEWAL_AT);
    const plan = (await h.api('POST', '/v1/subscription-plans', { ...PLAN, name: 'Snacks' })).body;
    const p = await subscribedParent(h, plan.id, SOFT_CARD);
    await billing(h, clock);
    await dunning(h, clock);
    const c = await caseOf(h, p.subscriptionId);
    const record = c.billing_record_id as string;
    clock.set(at(c, 4));
    await Promise.all([dunning(h, clock), dunning(h, clock), dunning(h, clock)]);
    expect((await paymentsOf(h, record)).map((x) => x.id)).toEqual([`bill_${record}_0`, `bill_${record}_1`]);
    // Overdue step 2 waits until 20 h after that attempt, not the next run 6 h later.
    clock.advance(6 * HOUR);
    await dunning(h, clock);
    expect(await paymentsOf(h, record)).toHaveLength(2);
    clock.advance(15 * HOUR);
    await dunning(h, clock);
    expect((await paymentsOf(h, record)).map((x) => x.id)).toEqual([
      `bill_${record}_0`,
      `bill_${record}_1`,
      `bill_${record}_2`,
    ]);
  });
});
