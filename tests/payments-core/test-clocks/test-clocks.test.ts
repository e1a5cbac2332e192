import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../../platform/clock.js';
import { createLog } from '../../../platform/log.js';
import { buildApp } from '../../../serving/app.js';
import { type Harness, saveCard, startHarness } from '../../support/harness.js';

const PLAN = {
  name: 'School lunch',
  interval: 'monthly',
  amount: 250_000,
  tax_category: 'gst_exempt_school_meals',
  billing_timing: 'in_advance',
};
const DECLINED_CARD = '4000000000000002';
// IST midnights, in UTC.
const JAN_1 = '2025-12-31T18:30:00.000Z';
const FEB_1 = '2026-01-31T18:30:00.000Z';
const MAR_1 = '2026-02-28T18:30:00.000Z';
const APR_1 = '2026-03-31T18:30:00.000Z';
const ist = (day: string) => new Date(new Date(`${day}T00:00:00+05:30`).getTime()).toISOString();

describe('test clocks', () => {
  // The wall clock: 7 December 2026, long after every clock below, so a wall-clock run would find everything due.
  const wall = fixedClock(new Date('2026-12-07T06:00:00Z'));
  let h: Harness;
  let schoolId: string;
  let planId: string;

  /** A customer created on the clock, with a saved card as their default method. */
  const clockCustomer = async (clock: string, card?: string) => {
    const customer = await h.api('POST', '/v1/customers', {
      school_id: schoolId,
      name: 'Asha Rao',
      email: 'asha@example.in',
      phone: '+919876543210',
      state_code: 'KA',
      test_clock: clock,
    });
    expect(customer.status).toBe(201);
    await saveCard(h, customer.body.id, card);
    return customer.body.id as string;
  };
  const newClock = async (frozen_time = JAN_1) => {
    const res = await h.api('POST', '/v1/test-clocks', { frozen_time, name: 'a school year' });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const subscribe = async (customerId: string) => {
    const res = await h.api('POST', '/v1/subscriptions', { customer_id: customerId, plan_id: planId });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  /** An advance that answers once it is done (`Prefer: wait`, RFC 7240); without it the answer is `advancing`. */
  const advance = (clock: string, frozen_time: string, wait = true) =>
    h.api('POST', `/v1/test-clocks/${clock}/advance`, { frozen_time }, wait ? { prefer: 'wait=60' } : {});
  const recordsOf = (subscriptionId: string) =>
    h.db.all<{ period_start: Date; status: string; created_at: Date; payment_id: string | null }>(
      `SELECT period_start, status, created_at, payment_id FROM billing_records WHERE subscription_id = $id
       ORDER BY period_index`,
      { id: subscriptionId },
    );
  const capturedAtGateway = (paymentIds: readonly (string | null)[]) =>
    paymentIds.map((id) => h.sim.payments().filter((p) => p.kosh_id === id && p.status === 'captured').length);

  beforeAll(async () => {
    h = await startHarness({ clock: wall, testClocks: true });
    schoolId = (await h.api('POST', '/v1/schools', { name: 'Greenwood High', city: 'Bengaluru', state_code: 'KA' }))
      .body.id;
    const plan = await h.api('POST', '/v1/subscription-plans', PLAN);
    expect(plan.status).toBe(201);
    planId = plan.body.id;
  });
  afterAll(async () => h.close());

  it('when a clock advances from 1 January to 1 April → four periods are billed, each once, at their own times; wall-clock runs leave them alone', async () => {
    const clock = await newClock();
    expect((await h.api('GET', `/v1/test-clocks/${clock}`)).body).toMatchObject({
      object: 'test_clock',
      id: clock,
      name: 'a school year',
      frozen_time: JAN_1,
      status: 'ready',
      customers: 0,
    });
    const customerId = await clockCustomer(clock);
    expect((await h.api('GET', `/v1/customers/${customerId}`)).body).toMatchObject({
      test_clock: clock,
      created_at: JAN_1,
    });
    const sub = await subscribe(customerId);
    expect((await h.api('GET', `/v1/subscriptions/${sub}`)).body).toMatchObject({ start_at: JAN_1 });

    const advanced = await advance(clock, APR_1);
    expect(advanced.status).toBe(200);
    expect(advanced.body).toMatchObject({ frozen_time: APR_1, status: 'ready', advancing_to: null, customers: 1 });

    // In advance, each month is billed at its start: January (at 1 Jan), February, March, and April at 1 April
    // 00:00 IST, the instant the clock stops at (its period starts there): 4 periods, not 3.
    const records = await recordsOf(sub);
    expect(records.map((r) => [r.period_start.toISOString(), r.created_at.toISOString(), r.status])).toEqual([
      [JAN_1, JAN_1, 'paid'],
      [FEB_1, FEB_1, 'paid'],
      [MAR_1, MAR_1, 'paid'],
      [APR_1, APR_1, 'paid'],
    ]);
    expect(capturedAtGateway(records.map((r) => r.payment_id))).toEqual([1, 1, 1, 1]);
    // The ledger dates each capture at the clock's time, whichever of the billing run and the payment.captured
    // webhook (applied by the inbox, on the wall clock) posts it first.
    await h.settle();
    const captures = await h.db.all<{ created_at: Date }>(
      `SELECT e.created_at FROM journal_entries e JOIN payments p ON p.id = e.ref_id
       WHERE e.kind = 'capture' AND p.customer_id = $c ORDER BY e.created_at`,
      { c: customerId },
    );
    expect(captures.map((e) => e.created_at.toISOString())).toEqual([JAN_1, FEB_1, MAR_1, APR_1]);
    // Finalised an hour after each draft, on the clock, numbered without gaps; April's draft is finalised at
    // 01:00 IST, after the clock's time.
    const invoices = await h.db.all<{ number: string | null; status: string; finalized_at: Date | null }>(
      'SELECT number, status, finalized_at FROM invoices WHERE customer_id = $c ORDER BY created_at',
      { c: customerId },
    );
    const hourAfter = (at: string) => new Date(Date.parse(at) + 3_600_000);
    expect(invoices).toEqual([
      { number: 'BOS/25-26/000001', status: 'paid', finalized_at: hourAfter(JAN_1) },
      { number: 'BOS/25-26/000002', status: 'paid', finalized_at: hourAfter(FEB_1) },
      { number: 'BOS/25-26/000003', status: 'paid', finalized_at: hourAfter(MAR_1) },
      { number: null, status: 'draft', finalized_at: null },
    ]);

    // The wall clock is eight months later: without the scope, these runs would bill May to December and
    // finalise April's draft.
    const run = await h.api('POST', '/v1/billing/runs');
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ due: 0, records_created: 0 });
    expect((await h.api('POST', '/v1/jobs/finalize-invoices/runs')).body.status).toBe('succeeded');
    expect((await h.api('POST', '/v1/jobs/dunning/runs')).body.status).toBe('succeeded');
    expect(await recordsOf(sub)).toHaveLength(4);
    const april = await h.db.one<{ status: string }>(
      'SELECT status FROM invoices WHERE customer_id = $c AND number IS NULL',
      { c: customerId },
    );
    expect(april?.status).toBe('draft');

    // A clock with customers stays (kosh never deletes money records); an empty one goes.
    const refused = await h.api('DELETE', `/v1/test-clocks/${clock}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('test_clock_has_customers');
    const empty = await newClock();
    expect((await h.api('DELETE', `/v1/test-clocks/${empty}`)).body).toEqual({
      object: 'test_clock',
      id: empty,
      deleted: true,
    });
    expect((await h.api('GET', `/v1/test-clocks/${empty}`)).status).toBe(404);
  });

  it('when a card fails on a clock → advancing walks the failure, a retry on the new card and the final action in order, each at its time', async () => {
    const clock = await newClock();
    const customerId = await clockCustomer(clock, DECLINED_CARD);
    const sub = await subscribe(customerId);
    expect((await advance(clock, JAN_1)).status).toBe(422); // not later than the clock
    expect((await advance(clock, '2026-01-01T06:30:00Z')).status).toBe(200); // 1 January, noon IST
    // The parent saves another card (it fails too): the dunning steps charge it, once.
    await saveCard(h, customerId, DECLINED_CARD, { isDefault: true });
    expect((await advance(clock, ist('2026-01-20'))).status).toBe(200);

    const steps = await h.db.all<{ step: number; kind: string; planned_at: Date; done_at: Date; outcome: string }>(
      `SELECT d.step, d.kind, d.planned_at, d.done_at, d.outcome FROM dunning_steps d
       JOIN dunning_cases c ON c.id = d.case_id WHERE c.customer_id = $c ORDER BY d.step`,
      { c: customerId },
    );
    // The renewal fails at 1 January 00:00 IST; the schedule is days 1, 3, 5 and 7 after it. Day 1 charges the new
    // card (declined); days 3, 5 and 7 wait for a card that has not failed; after day 7 the subscription is cancelled.
    expect(steps.map((s) => [s.step, s.kind, s.planned_at.toISOString(), s.done_at.toISOString(), s.outcome])).toEqual([
      [0, 'failure', JAN_1, JAN_1, 'failed'],
      [1, 'scheduled', ist('2026-01-02'), ist('2026-01-02'), 'failed'],
      [2, 'scheduled', ist('2026-01-04'), ist('2026-01-04'), 'awaiting_method'],
      [3, 'scheduled', ist('2026-01-06'), ist('2026-01-06'), 'awaiting_method'],
      [4, 'scheduled', ist('2026-01-08'), ist('2026-01-08'), 'awaiting_method'],
    ]);
    const dunningCase = await h.db.one<{ status: string; closed_at: Date }>(
      'SELECT status, closed_at FROM dunning_cases WHERE customer_id = $c',
      { c: customerId },
    );
    expect(dunningCase).toEqual({ status: 'exhausted', closed_at: new Date(ist('2026-01-08')) });
    const events = await h.db.all<{ to_status: string; created_at: Date }>(
      'SELECT to_status, created_at FROM subscription_events WHERE subscription_id = $s ORDER BY seq',
      { s: sub },
    );
    expect(events.map((e) => [e.to_status, e.created_at.toISOString()])).toEqual([
      ['active', JAN_1],
      ['pending', JAN_1],
      ['cancelled', ist('2026-01-08')],
    ]);
    // Two charges at the gateway: the renewal on the first card, the day-1 retry on the second; both declined.
    const payments = await h.db.all<{ id: string; status: string; created_at: Date }>(
      `SELECT p.id, p.status, p.created_at FROM payments p JOIN orders o ON o.id = p.order_id
       WHERE o.customer_id = $c ORDER BY p.created_at`,
      { c: customerId },
    );
    expect(payments.map((p) => [p.status, p.created_at.toISOString()])).toEqual([
      ['failed', JAN_1],
      ['failed', ist('2026-01-02')],
    ]);
    expect(payments.map((p) => h.sim.payments().filter((g) => g.kosh_id === p.id).length)).toEqual([1, 1]);
  });

  it('when two advances of one clock come at once → one runs the jobs, the other is refused, and nothing is billed twice', async () => {
    const clock = await newClock();
    const customerId = await clockCustomer(clock);
    const sub = await subscribe(customerId);
    const answers = await Promise.all([advance(clock, MAR_1), advance(clock, MAR_1)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)?.body.code).toBe('test_clock_advancing');
    const records = await recordsOf(sub);
    expect(records.map((r) => r.period_start.toISOString())).toEqual([JAN_1, FEB_1, MAR_1]);
    expect(capturedAtGateway(records.map((r) => r.payment_id))).toEqual([1, 1, 1]);
    // Backwards, or to the same time, is refused naming the field.
    const back = await advance(clock, FEB_1);
    expect(back.status).toBe(422);
    expect(back.body.errors[0]).toMatchObject({ field: '/frozen_time', code: 'frozen_time_not_later' });

    // Without `Prefer: wait` the answer comes at once, the clock `advancing` (as Stripe's); the steps run on.
    const started = await advance(clock, APR_1, false);
    expect(started.body).toMatchObject({ status: 'advancing', advancing_to: APR_1 });
    expect((await advance(clock, APR_1)).status).toBe(409);
    await vi.waitFor(async () => expect((await h.api('GET', `/v1/test-clocks/${clock}`)).body.status).toBe('ready'), {
      timeout: 20_000,
      interval: 50,
    });
    expect((await recordsOf(sub)).map((r) => [r.period_start.toISOString(), r.status])).toEqual([
      [JAN_1, 'paid'],
      [FEB_1, 'paid'],
      [MAR_1, 'paid'],
      [APR_1, 'paid'],
    ]);
  });

  it('when an always_invoice change charge is declined → a dunning case with its steps; a new card pays it on the next step, once', async () => {
    const perChild = await h.api('POST', '/v1/subscription-plans', {
      ...PLAN,
      name: 'School lunch per child',
      amount: 310_000,
      per_unit: true,
    });
    const clock = await newClock();
    const customerId = await clockCustomer(clock);
    const created = await h.api('POST', '/v1/subscriptions', { customer_id: customerId, plan_id: perChild.body.id });
    const sub = created.body.id as string;
    expect((await advance(clock, ist('2026-01-22'))).status).toBe(200); // January billed and paid on 1 January
    // The parent's card is replaced by one that declines; on 22 January 1 → 2 children, billed now: 10 days at
    // ₹100 a child: −₹1,000 at 1, +₹2,000 at 2, exempt: ₹1,000 on an invoice of its own, charged and declined.
    await saveCard(h, customerId, DECLINED_CARD, { isDefault: true });
    const patched = await h.api('PATCH', `/v1/subscriptions/${sub}`, {
      quantity: 2,
      proration_behavior: 'always_invoice',
    });
    expect(patched.status).toBe(200);
    // On a clock the change is billed by the clock's next step (the API's own pass bills only wall-clock customers).
    expect((await advance(clock, ist('2026-01-22').replace('18:30', '19:00'))).status).toBe(200);
    const invoice = await h.db.one<{ id: string; source_ref: string; status: string; total_minor: number }>(
      "SELECT id, source_ref, status, total_minor FROM invoices WHERE subscription_id = $s AND source = 'subscription_change'",
      { s: sub },
    );
    expect(invoice).toMatchObject({ status: 'finalized', total_minor: 100_000 });
    const change = invoice?.source_ref as string;
    const dunning = () =>
      h.db.one<{
        id: string;
        status: string;
        invoice_id: string;
        billing_record_id: string | null;
        amount_minor: number;
      }>(
        'SELECT id, status, invoice_id, billing_record_id, amount_minor FROM dunning_cases WHERE subscription_id = $s',
        { s: sub },
      );
    expect(await dunning()).toMatchObject({
      status: 'open',
      invoice_id: invoice?.id,
      billing_record_id: null,
      amount_minor: 100_000,
    });

    // The dunning job plans days 1, 3, 5, 7; the parent saves a working card; day 1 charges it and closes the case.
    await saveCard(h, customerId, undefined, { isDefault: true });
    expect((await advance(clock, ist('2026-01-31'))).status).toBe(200);
    const steps = await h.db.all<{
      step: number;
      kind: string;
      planned_at: Date;
      outcome: string;
      payment_id: string | null;
    }>(
      `SELECT d.step, d.kind, d.planned_at, d.outcome, d.payment_id FROM dunning_steps d JOIN dunning_cases c ON c.id = d.case_id
       WHERE c.subscription_id = $s ORDER BY d.step`,
      { s: sub },
    );
    expect(steps.map((s) => [s.step, s.kind, s.outcome, s.payment_id])).toEqual([
      [0, 'failure', 'failed', `bill_${change}_0`],
      [1, 'scheduled', 'paid', `bill_${change}_1`],
      [2, 'scheduled', 'skipped', null],
      [3, 'scheduled', 'skipped', null],
      [4, 'scheduled', 'skipped', null],
    ]);
    expect((await dunning())?.status).toBe('recovered');
    expect(
      await h.db.one('SELECT status, amount_paid_minor FROM invoices WHERE id = $id', { id: invoice?.id }),
    ).toEqual({ status: 'paid', amount_paid_minor: 100_000 });
    // At the gateway: the declined charge and the one that paid, each once; nothing else on the change's order.
    const atGateway = h.sim.payments().filter((p) => p.kosh_id?.startsWith(`bill_${change}_`));
    expect(atGateway.map((p) => [p.kosh_id, p.status]).sort()).toEqual([
      [`bill_${change}_0`, 'failed'],
      [`bill_${change}_1`, 'captured'],
    ]);
  });

  it('when test clocks are disabled → the routes answer 404 and a customer on a clock is refused naming test_clock', async () => {
    const off = await buildApp({
      db: h.db,
      clock: wall,
      gateway: h.gateway,
      log: createLog({ level: 'silent' }),
      inbox: h.inbox,
      config: { webhookSecrets: [], webhookAllowCidrs: [], denyCidrs: [], rateLimitPerMinute: 100_000 },
    });
    try {
      const call = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
        const res = await off.inject({
          method,
          url,
          headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        });
        return { status: res.statusCode, type: res.headers['content-type'], body: JSON.parse(res.body) };
      };
      const create = await call('POST', '/v1/test-clocks', { frozen_time: JAN_1 });
      expect(create.status).toBe(404);
      expect(create.type).toContain('application/problem+json');
      const clock = await newClock();
      expect((await call('GET', `/v1/test-clocks/${clock}`)).status).toBe(404);
      expect((await call('POST', `/v1/test-clocks/${clock}/advance`, { frozen_time: FEB_1 })).status).toBe(404);
      const customer = await call('POST', '/v1/customers', {
        school_id: schoolId,
        name: 'Asha Rao',
        email: 'asha@example.in',
        phone: '+919876543210',
        state_code: 'KA',
        test_clock: clock,
      });
      expect(customer.status).toBe(422);
      expect(customer.body.errors[0]).toMatchObject({ field: '/test_clock', code: 'test_clocks_disabled' });
    } finally {
      await off.close();
    }
  });
});
