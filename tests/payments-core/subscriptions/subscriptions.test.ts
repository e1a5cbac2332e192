import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../platform/clock.js';
import { type Harness, razorpayEvent, seedParent, startHarness } from '../../support/harness.js';

const PLAN = {
  name: 'School lunch',
  interval: 'monthly',
  amount: 300_000,
  per_unit: true,
  unit_label: 'student',
  tax_category: 'gst_exempt_school_meals',
};

describe('subscriptions', () => {
  // 10 November 2026, 09:30 IST: day 10 of the 1–30 November IST period of a subscription started 1 November.
  const clock = fixedClock(new Date('2026-11-10T04:00:00Z'));
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  let plan: { id: string };
  let bigger: { id: string };
  const events = async (id: string) =>
    (await h.api('GET', `/v1/subscriptions/${id}/events`)).body.data as {
      type: string;
      from_status: string | null;
      to_status: string | null;
      source: string;
      data: Record<string, unknown> | null;
    }[];
  beforeAll(async () => {
    h = await startHarness({ clock });
    parent = await seedParent(h);
    plan = (await h.api('POST', '/v1/subscription-plans', PLAN)).body;
    bigger = (await h.api('POST', '/v1/subscription-plans', { ...PLAN, name: 'Lunch and snacks', amount: 450_000 }))
      .body;
  });
  afterAll(async () => h.close());

  it('when a subscription is created → it is active on IST-day periods, at the plan price, with a created event', async () => {
    const res = await h.api('POST', '/v1/subscriptions', {
      customer_id: parent.customerId,
      plan_id: plan.id,
      quantity: 2,
      payment_method_id: parent.methodId,
      start_at: '2026-10-31T19:00:00Z', // 1 November 00:30 IST
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: 'subscription',
      status: 'active',
      collection: 'kosh',
      quantity: 2,
      unit_amount: 300_000,
      amount: 600_000,
      interval: 'monthly',
      period_index: 0,
      current_period_start: '2026-10-31T18:30:00.000Z',
      current_period_end: '2026-11-30T18:30:00.000Z',
      cancel_at_period_end: false,
      pending_charges: [],
    });
    expect(await events(res.body.id)).toMatchObject([{ type: 'created', to_status: 'active', source: 'api' }]);
  });

  it('when input is bad → 400/422 naming the field, and nothing is written', async () => {
    const before = (await h.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM subscriptions'))?.n;
    const shape = await h.api('POST', '/v1/subscriptions', { customer_id: 'x', plan_id: plan.id, quantity: 0 });
    expect(shape.status).toBe(400);
    expect(shape.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['/customer_id', '/quantity']),
    );
    const unknown = await h.api('POST', '/v1/subscriptions', {
      customer_id: 'cus_Missing00001',
      plan_id: 'splan_Missing0001',
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors.map((e: { field: string }) => e.field)).toEqual(['/customer_id', '/plan_id']);
    const flat = (await h.api('POST', '/v1/subscription-plans', { ...PLAN, per_unit: false })).body;
    const qty = await h.api('POST', '/v1/subscriptions', {
      customer_id: parent.customerId,
      plan_id: flat.id,
      quantity: 3,
    });
    expect(qty.body.errors[0]).toMatchObject({ field: '/quantity', code: 'quantity_not_allowed' });
    const rzp = await h.api('POST', '/v1/subscriptions', {
      customer_id: parent.customerId,
      plan_id: plan.id,
      collection: 'razorpay',
    });
    expect(rzp.body.errors[0]).toMatchObject({ field: '/gateway_subscription_id', code: 'required' });
    expect((await h.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM subscriptions'))?.n).toBe(before);
  });

  it('when paused, resumed, cancelled → each move is recorded; illegal moves are 409 naming from and to', async () => {
    const sub = (await h.api('POST', '/v1/subscriptions', { customer_id: parent.customerId, plan_id: plan.id })).body;
    expect((await h.api('POST', `/v1/subscriptions/${sub.id}/resume`)).body.status).toBe('active'); // already active: no-op
    const paused = await h.api('POST', `/v1/subscriptions/${sub.id}/pause`);
    expect(paused.body).toMatchObject({ status: 'paused', paused_at: clock.now().toISOString() });
    expect((await h.api('POST', `/v1/subscriptions/${sub.id}/pause`)).body.status).toBe('paused');
    expect((await h.api('POST', `/v1/subscriptions/${sub.id}/resume`)).body).toMatchObject({
      status: 'active',
      paused_at: null,
    });
    const scheduled = await h.api('POST', `/v1/subscriptions/${sub.id}/cancel`, { at_period_end: true });
    expect(scheduled.body).toMatchObject({ status: 'active', cancel_at_period_end: true });
    const cancelled = await h.api('POST', `/v1/subscriptions/${sub.id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancel_at_period_end: false });
    expect(cancelled.body.ended_at).not.toBeNull();
    const illegal = await h.api('POST', `/v1/subscriptions/${sub.id}/resume`);
    expect(illegal.status).toBe(409);
    expect(illegal.body).toMatchObject({ code: 'invalid_subscription_transition', from: 'cancelled', to: 'active' });
    expect((await h.api('POST', `/v1/subscriptions/${sub.id}/pause`)).body.code).toBe(
      'invalid_subscription_transition',
    );
    expect((await h.api('POST', `/v1/subscriptions/${sub.id}/cancel`, { at_period_end: true })).status).toBe(409);
    expect((await h.api('PATCH', `/v1/subscriptions/${sub.id}`, { quantity: 2 })).status).toBe(422);
    expect((await events(sub.id)).map((e) => [e.type, e.from_status, e.to_status])).toEqual([
      ['created', null, 'active'],
      ['status_changed', 'active', 'paused'],
      ['status_changed', 'paused', 'active'],
      ['cancel_scheduled', null, null],
      ['status_changed', 'active', 'cancelled'],
    ]);
  });

  it('when the plan has a trial or the start is in the future → trialing or created, with the anchor after the trial', async () => {
    const trial = (await h.api('POST', '/v1/subscription-plans', { ...PLAN, trial_days: 14 })).body;
    const sub = (await h.api('POST', '/v1/subscriptions', { customer_id: parent.customerId, plan_id: trial.id })).body;
    expect(sub).toMatchObject({
      status: 'trialing',
      current_period_start: '2026-11-09T18:30:00.000Z',
      trial_end: '2026-11-23T18:30:00.000Z',
      billing_anchor: '2026-11-23T18:30:00.000Z',
      current_period_end: '2026-11-23T18:30:00.000Z',
    });
    const later = (
      await h.api('POST', '/v1/subscriptions', {
        customer_id: parent.customerId,
        plan_id: plan.id,
        start_at: '2026-12-01T00:00:00Z',
      })
    ).body;
    expect(later).toMatchObject({ status: 'created', current_period_start: '2026-11-30T18:30:00.000Z' });
  });

  it('when changed mid-period before the period is billed → the days at the old terms become a segment, taxed as then', async () => {
    const sub = (
      await h.api('POST', '/v1/subscriptions', {
        customer_id: parent.customerId,
        plan_id: plan.id,
        start_at: '2026-10-31T19:00:00Z',
      })
    ).body;
    // ₹3,000 → ₹4,500 on 10 November (period 1–30 November, 30 IST days; 1–9 November at the old price):
    // ₹3,000 × 9/30 = ₹900.00 supplied at the old terms; the period's own line will bill the rest at the new.
    const up = await h.api('PATCH', `/v1/subscriptions/${sub.id}`, { plan_id: bigger.id });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({
      plan_id: bigger.id,
      unit_amount: 450_000,
      amount: 450_000,
      terms_from: '2026-11-10T04:00:00.000Z',
    });
    expect(
      up.body.pending_charges.map((c: { kind: string; amount: number; tax_category: string }) => [
        c.kind,
        c.amount,
        c.tax_category,
      ]),
    ).toEqual([['period_segment', 90_000, 'gst_exempt_school_meals']]);
    // Two more students the same day: nothing accrued at one student since 10 November, so no new line.
    const more = await h.api('PATCH', `/v1/subscriptions/${sub.id}`, { quantity: 3 });
    expect(more.body).toMatchObject({ quantity: 3, amount: 1_350_000 });
    expect(more.body.pending_charges).toHaveLength(1);
    // Back to the smaller plan with no mid-period adjustment: the rest of the period stays at 3 × ₹4,500,
    // 21/30 of ₹13,500 = ₹9,450.00, and the new terms accrue from the next period.
    const none = await h.api('PATCH', `/v1/subscriptions/${sub.id}`, { plan_id: plan.id, proration_behavior: 'none' });
    // Both carry the clock's one instant, so their order is not part of the contract.
    expect(
      none.body.pending_charges.map((c: { amount: number }) => c.amount).sort((a: number, b: number) => a - b),
    ).toEqual([90_000, 945_000]);
    expect(none.body).toMatchObject({ unit_amount: 300_000, terms_from: '2026-11-30T18:30:00.000Z' });
    const trail = await events(sub.id);
    expect(trail.map((e) => e.type)).toEqual(['created', 'plan_changed', 'quantity_changed', 'plan_changed']);
    expect(trail[1]?.data).toMatchObject({
      from_plan_id: plan.id,
      to_plan_id: bigger.id,
      from_amount: 300_000,
      to_amount: 450_000,
      proration_behavior: 'create_prorations',
      charges: [{ kind: 'period_segment', amount: 90_000 }],
    });
    const weekly = (await h.api('POST', '/v1/subscription-plans', { ...PLAN, interval: 'weekly' })).body;
    const mismatch = await h.api('PATCH', `/v1/subscriptions/${sub.id}`, { plan_id: weekly.id });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.errors[0]).toMatchObject({ field: '/plan_id', code: 'interval_mismatch' });
  });

  it('when subscriptions are listed by customer and status → filtered, newest first, cursor-paginated', async () => {
    const other = await seedParent(h);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await h.api('POST', '/v1/subscriptions', { customer_id: other.customerId, plan_id: plan.id })).body.id);
      clock.advance(1000);
    }
    await h.api('POST', `/v1/subscriptions/${ids[0]}/pause`);
    const page1 = await h.api('GET', `/v1/subscriptions?customer_id=${other.customerId}&limit=2`);
    expect(page1.body.data.map((s: { id: string }) => s.id)).toEqual([ids[2], ids[1]]);
    expect(page1.body.has_more).toBe(true);
    const page2 = await h.api(
      'GET',
      `/v1/subscriptions?customer_id=${other.customerId}&limit=2&starting_after=${ids[1]}`,
    );
    expect(page2.body).toMatchObject({ has_more: false, data: [{ id: ids[0], status: 'paused' }] });
    const paused = await h.api('GET', `/v1/subscriptions?customer_id=${other.customerId}&status=paused`);
    expect(paused.body.data.map((s: { id: string }) => s.id)).toEqual([ids[0]]);
    const reader = await h.keyWith(['payments:read']);
    const auth = { authorization: `Bearer ${reader}` };
    expect((await h.api('GET', `/v1/subscriptions/${ids[0]}/events`, undefined, auth)).status).toBe(200);
    expect((await h.api('POST', `/v1/subscriptions/${ids[0]}/resume`, undefined, auth)).status).toBe(403);
    expect((await h.api('GET', '/v1/subscriptions/sub_Missing000001')).body.code).toBe('subscription_not_found');
  });

  it('when Razorpay holds the subscription → signed subscription.* webhooks move it; late and duplicate ones change nothing', async () => {
    const gatewayId = 'sub_RzpHeld000001';
    const sub = (
      await h.api('POST', '/v1/subscriptions', {
        customer_id: parent.customerId,
        plan_id: plan.id,
        collection: 'razorpay',
        gateway_subscription_id: gatewayId,
      })
    ).body;
    expect(sub).toMatchObject({ status: 'created', collection: 'razorpay', gateway_subscription_id: gatewayId });
    const entity = (status: string, extra: Record<string, unknown> = {}) => ({
      subscription: { id: gatewayId, entity: 'subscription', status, plan_id: 'plan_Rzp0001', ...extra },
    });
    const send = async (event: string, id: string, body = razorpayEvent(event, entity(event.split('.')[1] ?? ''))) => {
      const res = await h.deliver(body, id);
      expect(res.status).toBe(200);
      await h.settle();
      return res;
    };
    await send('subscription.authenticated', 'evt_sub_1');
    await send('subscription.activated', 'evt_sub_2');
    const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    const chargedFor = (from: string, to: string, payment: string) =>
      razorpayEvent('subscription.charged', {
        ...entity('active', { current_start: unix(from), current_end: unix(to) }),
        payment: { id: payment, entity: 'payment', amount: 300_000, status: 'captured' },
      });
    // The first charge states Razorpay's own first period: it replaces kosh's estimate, still period 0.
    const first = chargedFor(clock.now().toISOString(), '2026-12-10T04:00:00Z', 'pay_RzpSubCharge01');
    await send('subscription.charged', 'evt_sub_3', first);
    expect((await send('subscription.charged', 'evt_sub_3', first)).body.status).toBe('duplicate');
    expect((await h.api('GET', `/v1/subscriptions/${sub.id}`)).body).toMatchObject({
      period_index: 0,
      current_period_end: '2026-12-10T04:00:00.000Z',
    });
    await send(
      'subscription.charged',
      'evt_sub_3b',
      chargedFor('2026-12-10T04:00:00Z', '2027-01-10T04:00:00Z', 'pay_RzpSubCharge02'),
    );
    // A late charge for the first period does not move the period back.
    await send(
      'subscription.charged',
      'evt_sub_3c',
      chargedFor(clock.now().toISOString(), '2026-12-10T04:00:00Z', 'pay_RzpSubCharge01'),
    );
    await send('subscription.pending', 'evt_sub_4');
    await send('subscription.halted', 'evt_sub_5');
    await send('subscription.activated', 'evt_sub_6');
    await send(
      'subscription.updated',
      'evt_sub_7',
      razorpayEvent('subscription.updated', entity('active', { quantity: 2 })),
    );
    await send('subscription.cancelled', 'evt_sub_8');
    // Late: an activation delivered after the cancellation is a no-op.
    const late = await send('subscription.activated', 'evt_sub_9');
    expect(late.body.status).toBe('received');

    const now = (await h.api('GET', `/v1/subscriptions/${sub.id}`)).body;
    expect(now).toMatchObject({
      status: 'cancelled',
      quantity: 2,
      period_index: 1,
      current_period_start: '2026-12-10T04:00:00.000Z',
      current_period_end: '2027-01-10T04:00:00.000Z',
    });
    expect((await events(sub.id)).map((e) => [e.type, e.from_status, e.to_status, e.source])).toEqual([
      ['created', null, 'created', 'api'],
      ['status_changed', 'created', 'authenticated', 'webhook'],
      ['status_changed', 'authenticated', 'active', 'webhook'],
      ['period_changed', null, null, 'webhook'],
      ['period_changed', null, null, 'webhook'],
      ['status_changed', 'active', 'pending', 'webhook'],
      ['status_changed', 'pending', 'halted', 'webhook'],
      ['status_changed', 'halted', 'active', 'webhook'],
      ['quantity_changed', null, null, 'webhook'],
      ['status_changed', 'active', 'cancelled', 'webhook'],
    ]);
    // The webhook's quantity change records the per-period amounts, as an API change does (analytics reads them).
    expect((await events(sub.id)).find((e) => e.type === 'quantity_changed')?.data).toMatchObject({
      from_quantity: 1,
      to_quantity: 2,
      from_amount: 300_000,
      to_amount: 600_000,
    });
    const inbox = await h.api('GET', '/v1/webhook-events?type=subscription.activated');
    expect(inbox.body.data.map((e: { status: string }) => e.status).sort()).toEqual(['applied', 'applied', 'applied']);
    // Kosh does not change what Razorpay holds.
    const refused = await h.api('POST', `/v1/subscriptions/${sub.id}/pause`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('subscription_collected_by_razorpay');
    // A subscription kosh does not know stays unmatched.
    const unknown = razorpayEvent('subscription.activated', {
      subscription: { id: 'sub_Unknown00001', entity: 'subscription' },
    });
    await h.deliver(unknown, 'evt_sub_unknown');
    await h.settle();
    const stored = await h.db.one<{ status: string }>(
      "SELECT status FROM webhook_events WHERE event_id = 'evt_sub_unknown'",
    );
    expect(stored?.status).toBe('unmatched');
  });
});
