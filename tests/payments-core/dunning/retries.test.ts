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

describe('dunning final action: mark unpaid', () => {
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
