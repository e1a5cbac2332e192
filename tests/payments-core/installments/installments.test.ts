import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeDueInstallments } from '../../../payments-core/installments/charge-due-installments.js';
import { fixedClock } from '../../../platform/clock.js';
import { createLog } from '../../../platform/log.js';
import { seededRandom } from '../../../platform/random.js';
import { type Harness, KEY_ID, KEY_SECRET, seedParent, startHarness } from '../../support/harness.js';

const DAY = 86_400_000;

async function simulatorPayments(h: Harness, orderId: string): Promise<{ id: string; status: string }[]> {
  const order = (await h.api('GET', `/v1/orders/${orderId}`)).body;
  if (order.gateway_order_id === null) return [];
  const res = await fetch(`${h.sim.url}/v1/orders/${order.gateway_order_id}/payments`, {
    headers: { authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}` },
  });
  return ((await res.json()) as { items: { id: string; status: string }[] }).items;
}

describe('installments', () => {
  const clock = fixedClock(new Date('2026-11-02T05:00:00Z'));
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  const deps = () => ({
    db: h.db,
    clock,
    gateway: h.gateway,
    log: createLog({ level: 'silent' }),
    random: seededRandom(9),
  });
  beforeAll(async () => {
    h = await startHarness({ clock });
    parent = await seedParent(h);
  });
  afterAll(async () => h.close());

  it('when custom amounts do not sum to the order total → 422 naming /installments, and nothing is written', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 100_000 });
    const due = clock.now().toISOString();
    const res = await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
      installments: [
        { amount: 50_000, due_at: due },
        { amount: 40_000, due_at: due },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('installments_sum_mismatch');
    expect(res.body.errors[0]).toMatchObject({ field: '/installments', code: 'installments_sum_mismatch' });
    const both = await h.api('POST', `/v1/orders/${order.body.id}/installments`, { count: 2, installments: [] });
    expect(both.status).toBe(400);
    const neither = await h.api('POST', `/v1/orders/${order.body.id}/installments`, {});
    expect(neither.status).toBe(422);
    expect(neither.body.errors[0].field).toBe('/count');
    expect(await h.db.all('SELECT id FROM installment_plans')).toHaveLength(0);
  });

  it('when a plan is made → custom parts are kept, the parent order cannot be paid directly, and a second plan is refused', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 100_000 });
    const due = clock.now();
    const plan = await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
      installments: [
        { amount: 60_000, due_at: due.toISOString() },
        { amount: 40_000, due_at: new Date(due.getTime() + 30 * DAY).toISOString() },
      ],
    });
    expect(plan.status).toBe(201);
    expect(plan.body.installments.map((i: { amount: number }) => i.amount)).toEqual([60_000, 40_000]);
    expect(plan.body).toMatchObject({
      status: 'scheduled',
      amount: 100_000,
      amount_paid: 0,
      amount_remaining: 100_000,
    });
    const direct = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: parent.methodId });
    expect(direct.status).toBe(409);
    expect(direct.body.code).toBe('order_has_installment_plan');
    const again = await h.api('POST', `/v1/orders/${order.body.id}/installments`, { count: 2 });
    expect(again.body.code).toBe('installment_plan_exists');

    const cancelled = await h.api('POST', `/v1/installment-plans/${plan.body.id}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.installments.every((i: { status: string }) => i.status === 'cancelled')).toBe(true);
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 0 });
  });

  it('when installments fall due → each is charged once on its date with the default method, the plan rolls up to paid and pays the parent order', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 90_000 });
    const plan = await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
      count: 3,
      first_due_at: new Date(clock.now().getTime() + DAY).toISOString(),
    });
    expect(plan.body.installments.map((i: { amount: number }) => i.amount)).toEqual([30_000, 30_000, 30_000]);

    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 0 });
    clock.advance(DAY);
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 1, errors: 0 });
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 0 });
    let now = (await h.api('GET', `/v1/installment-plans/${plan.body.id}`)).body;
    expect(now).toMatchObject({ status: 'partially_paid', amount_paid: 30_000, amount_remaining: 60_000 });
    const first = now.installments[0];
    expect(first).toMatchObject({ status: 'paid', attempts: 1, last_payment_id: `pay_${first.id.slice(4)}I1` });
    expect((await h.api('GET', `/v1/payments/${first.last_payment_id}`)).body).toMatchObject({
      status: 'captured',
      amount_captured: 30_000,
      payment_method_id: parent.methodId,
    });

    for (const k of [1, 2]) {
      clock.set(new Date(plan.body.installments[k].due_at));
      expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 1 });
    }
    now = (await h.api('GET', `/v1/installment-plans/${plan.body.id}`)).body;
    expect(now).toMatchObject({ status: 'paid', amount_paid: 90_000, amount_remaining: 0 });
    expect((await h.api('GET', `/v1/orders/${order.body.id}`)).body).toMatchObject({
      status: 'paid',
      amount_paid: 90_000,
      installment_plan_id: plan.body.id,
    });
    for (const i of now.installments) expect(await simulatorPayments(h, i.order_id)).toHaveLength(1);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });

  it('when the parent pays off early → one charge for everything still owed, the rest superseded, the plan paid', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 100_000 });
    const plan = await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
      count: 4,
      interval: 'week',
      first_due_at: clock.now().toISOString(),
    });
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 1 });
    const payoff = await h.api('POST', `/v1/installment-plans/${plan.body.id}/payoff`, {});
    expect(payoff.status).toBe(200);
    expect(payoff.body).toMatchObject({ status: 'paid', amount_paid: 100_000, amount_remaining: 0 });
    expect(payoff.body.installments.map((i: { status: string }) => i.status)).toEqual([
      'paid',
      'superseded',
      'superseded',
      'superseded',
      'paid',
    ]);
    expect(payoff.body.installments[4]).toMatchObject({ kind: 'payoff', amount: 75_000 });
    expect((await h.api('GET', `/v1/orders/${order.body.id}`)).body.status).toBe('paid');
    clock.advance(30 * DAY);
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 0 });
    const again = await h.api('POST', `/v1/installment-plans/${plan.body.id}/payoff`, {});
    expect(again.body.code).toBe('plan_already_paid');
  });

  it('when a part-paid plan is cancelled → paying the parent order charges only what is still due, on a gateway order for that amount', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 90_000 });
    const plan = await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
      count: 3,
      first_due_at: clock.now().toISOString(),
    });
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ paid: 1 });
    expect((await h.api('POST', `/v1/installment-plans/${plan.body.id}/cancel`)).body.status).toBe('cancelled');
    const second = await h.api('POST', `/v1/orders/${order.body.id}/installments`, { count: 2 });
    expect(second.body).toMatchObject({ amount: 60_000, amount_remaining: 60_000 });
    expect(second.body.installments.map((i: { amount: number }) => i.amount)).toEqual([30_000, 30_000]);
    expect((await h.api('POST', `/v1/installment-plans/${second.body.id}/cancel`)).body.status).toBe('cancelled');

    const paid = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: parent.methodId });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ status: 'captured', amount: 60_000, amount_captured: 60_000 });
    const after = (await h.api('GET', `/v1/orders/${order.body.id}`)).body;
    expect(after).toMatchObject({ status: 'paid', amount: 90_000, amount_paid: 90_000, installment_plan_id: null });
    expect(after.gateway_order_id).not.toBe(order.body.gateway_order_id);
    const atGateway = await simulatorPayments(h, order.body.id);
    expect(atGateway.map((p) => [p.status, (p as { amount?: number }).amount])).toEqual([['captured', 60_000]]);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });

  it('when a key has only payments:read → it can read a plan but not make one', async () => {
    const key = await h.keyWith(['payments:read']);
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 20_000 });
    const res = await h.api(
      'POST',
      `/v1/orders/${order.body.id}/installments`,
      { count: 2 },
      { authorization: `Bearer ${key}` },
    );
    expect(res.status).toBe(403);
    const missing = await h.api('GET', '/v1/installment-plans/ipl_missing000000', undefined, {
      authorization: `Bearer ${key}`,
    });
    expect(missing.status).toBe(404);
  });

  it('when an ₹18,000 installment falls due → not debited off-session; the installment offers a payment link; paid through it → the installment paid once, ledger = simulator captured', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 3_600_000 });
    const plan = await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
      count: 2,
      first_due_at: new Date(clock.now().getTime() + DAY).toISOString(),
    });
    clock.advance(DAY);
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ requires_authentication: 1 });
    let first = (await h.api('GET', `/v1/installment-plans/${plan.body.id}`)).body.installments[0];
    expect(first).toMatchObject({ status: 'requires_authentication', payment_link_status: 'created', attempts: 0 });
    expect(first.payment_link_url).toMatch(/^https:\/\/rzp\.io\//);
    const stored = await h.db.one<{ payment_link_id: string }>(
      'SELECT payment_link_id FROM installments WHERE id = $id',
      {
        id: first.id,
      },
    );
    const auth = `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`;
    const paid = (await (
      await fetch(`${h.sim.url}/v1/sim/payment_links/${stored?.payment_link_id}/pay`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ card_number: '4111111111111111' }),
      })
    ).json()) as { payment: { id: string; order_id: string } };
    await h.settle();
    first = (await h.api('GET', `/v1/installment-plans/${plan.body.id}`)).body.installments[0];
    expect(first).toMatchObject({ status: 'paid', payment_link_status: 'paid' });
    const booked = await h.db.all<{ id: string; status: string; gateway_payment_id: string }>(
      'SELECT id, status, gateway_payment_id FROM payments WHERE order_id = $o',
      { o: first.order_id },
    );
    expect(booked).toEqual([
      { id: `pay_${first.id.slice(4)}L`, status: 'captured', gateway_payment_id: paid.payment.id },
    ]);
    const simCaptured = h.sim
      .payments()
      .filter((x) => x.order_id === paid.payment.order_id && x.status === 'captured')
      .reduce((sum, x) => sum + x.amount, 0);
    const ledger = await h.db.one<{ gross: number; entries: number }>(
      `SELECT coalesce(-sum(l.amount_minor), 0)::BIGINT AS gross, count(DISTINCT e.id)::BIGINT AS entries
       FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id AND l.account = 'school_payable'
       WHERE e.kind = 'capture' AND e.ref_id = $id`,
      { id: `pay_${first.id.slice(4)}L` },
    );
    expect(ledger).toEqual({ gross: simCaptured, entries: 1 });
    expect(simCaptured).toBe(1_800_000);

    // The second installment is refused too and gets its link; the plan is then cancelled: the next run cancels it.
    clock.set(new Date(plan.body.installments[1].due_at));
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ requires_authentication: 1 });
    const second = await h.db.one<{ payment_link_id: string }>(
      'SELECT payment_link_id FROM installments WHERE id = $id',
      { id: plan.body.installments[1].id },
    );
    expect((await h.api('POST', `/v1/installment-plans/${plan.body.id}/cancel`)).status).toBe(200);
    expect(await chargeDueInstallments(deps(), { now: clock.now() })).toMatchObject({ payment_links_cancelled: 1 });
    const atGateway = (await (
      await fetch(`${h.sim.url}/v1/payment_links/${second?.payment_link_id}`, { headers: { authorization: auth } })
    ).json()) as { status: string };
    expect(atGateway.status).toBe('cancelled');
    expect((await h.api('GET', `/v1/installment-plans/${plan.body.id}`)).body.installments[1]).toMatchObject({
      status: 'cancelled',
      payment_link_status: 'cancelled',
    });
  });
});
