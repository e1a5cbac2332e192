import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../platform/clock.js';
import { type Harness, razorpayEvent, seedParent, startHarness } from '../../support/harness.js';
import { caseOf, DAY, dunning, emailsOf, PLAN } from './support.js';

describe('dunning of Razorpay-held subscriptions: following subscription.* webhooks', () => {
  const clock = fixedClock(new Date('2026-12-01T04:00:00Z'));
  let h: Harness;
  let plan: { id: string };
  let customerId: string;
  let n = 0;
  beforeAll(async () => {
    h = await startHarness({ clock });
    plan = (await h.api('POST', '/v1/subscription-plans', PLAN)).body;
    customerId = (await seedParent(h)).customerId;
  });
  afterAll(async () => h.close());

  const held = async (gatewayId: string) => {
    const sub = await h.api('POST', '/v1/subscriptions', {
      customer_id: customerId,
      plan_id: plan.id,
      collection: 'razorpay',
      gateway_subscription_id: gatewayId,
    });
    expect(sub.status).toBe(201);
    return sub.body as { id: string };
  };
  const send = async (gatewayId: string, event: string, status: string, payment?: Record<string, unknown>) => {
    n++;
    const body = razorpayEvent(event, {
      subscription: { id: gatewayId, entity: 'subscription', status, plan_id: 'plan_Rzp0001' },
      ...(payment === undefined ? {} : { payment: { entity: 'payment', currency: 'INR', ...payment } }),
    });
    const res = await h.deliver(body, `evt_dun_${n}`);
    expect(res.status).toBe(200);
    await h.settle();
  };

  it('when Razorpay retries and then charges → the case opens on pending, adds a step per retry, recovers on charged with the payment amount', async () => {
    const gid = 'sub_RzpDunning0001';
    const sub = await held(gid);
    await send(gid, 'subscription.authenticated', 'authenticated');
    await send(gid, 'subscription.activated', 'active');
    expect(await caseOf(h, sub.id)).toBeUndefined();

    await send(gid, 'subscription.pending', 'pending', {
      id: 'pay_RzpFail00001',
      amount: 300_000,
      status: 'failed',
      error_code: 'BAD_REQUEST_ERROR',
      error_reason: 'insufficient_funds',
    });
    let c = await caseOf(h, sub.id);
    expect(c).toMatchObject({
      collection: 'razorpay',
      status: 'open',
      billing_record_id: null,
      amount: 300_000,
      decline_code: 'insufficient_funds',
      decline_category: 'soft',
    });
    clock.advance(DAY);
    await send(gid, 'subscription.pending', 'pending'); // Razorpay's T+1 retry failed too
    // kosh never charges a Razorpay-held subscription: the dunning job leaves the case alone.
    clock.advance(7 * DAY);
    expect(await dunning(h, clock)).toMatchObject({ planned: 0, steps_due: 0, final_actions: 0 });
    await send(gid, 'subscription.charged', 'active', { id: 'pay_RzpOk000001', amount: 300_000, status: 'captured' });
    c = await caseOf(h, sub.id);
    expect(c).toMatchObject({
      status: 'recovered',
      recovered_amount: 300_000,
      recovered_step: 2,
      recovered_payment_id: 'pay_RzpOk000001',
      recovered_at: clock.now().toISOString(),
    });
    expect(
      c.steps.map((s: { step: number; kind: string; outcome: string; payment_id: string | null }) => [
        s.step,
        s.kind,
        s.outcome,
        s.payment_id,
      ]),
    ).toEqual([
      [0, 'failure', 'failed', 'pay_RzpFail00001'],
      [1, 'razorpay_retry', 'failed', null],
      [2, 'razorpay_retry', 'paid', 'pay_RzpOk000001'],
    ]);
    const emails = await emailsOf(h, c.id);
    expect(emails.map((e) => e.dedupe_key)).toEqual([
      `dunning:${c.id}:0`,
      `dunning:${c.id}:1`,
      `dunning:${c.id}:closed`,
    ]);
    // No update link: the method of a Razorpay subscription is changed at Razorpay.
    expect(emails.every((e) => !e.text_body.includes('/billing/update-method/'))).toBe(true);
    // A late duplicate charge changes nothing.
    await send(gid, 'subscription.charged', 'active', { id: 'pay_RzpOk000001', amount: 300_000, status: 'captured' });
    expect((await caseOf(h, sub.id)).steps).toHaveLength(3);
  });

  it('when Razorpay halts after its retries → the case is exhausted (razorpay_halted); a cancellation closes an open case as cancelled', async () => {
    const gid = 'sub_RzpDunning0002';
    const sub = await held(gid);
    await send(gid, 'subscription.activated', 'active');
    await send(gid, 'subscription.pending', 'pending');
    for (let i = 0; i < 2; i++) await send(gid, 'subscription.pending', 'pending');
    await send(gid, 'subscription.halted', 'halted');
    const c = await caseOf(h, sub.id);
    expect(c).toMatchObject({ status: 'exhausted', final_action: 'razorpay_halted', decline_category: 'soft' });
    expect(c.steps.map((s: { outcome: string }) => s.outcome)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect((await h.api('GET', `/v1/subscriptions/${sub.id}`)).body.status).toBe('halted');
    expect((await emailsOf(h, c.id)).at(-1)?.subject).toBe('Your meal plan is on hold: payment overdue');
    // Reactivated later: the exhausted case stays as it was (states only move forward); a new failure opens a new case.
    await send(gid, 'subscription.activated', 'active');
    expect((await caseOf(h, sub.id)).status).toBe('exhausted');
    clock.advance(60_000);
    await send(gid, 'subscription.pending', 'pending');
    const cases = (await h.api('GET', `/v1/dunning/cases?subscription_id=${sub.id}`)).body.data;
    expect(cases.map((x: { status: string }) => x.status)).toEqual(['open', 'exhausted']);
    await send(gid, 'subscription.cancelled', 'cancelled');
    const last = (await h.api('GET', `/v1/dunning/cases?subscription_id=${sub.id}`)).body.data;
    expect(last.map((x: { status: string }) => x.status)).toEqual(['cancelled', 'exhausted']);
  });
});
