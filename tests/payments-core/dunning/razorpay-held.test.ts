import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalizeDueInvoices } from '../../../payments-core/invoices/finalize-due-invoices.js';
import { reconcileGatewayDay } from '../../../payments-core/reconciliation/reconcile-gateway-day.js';
import { settlementDayOf } from '../../../platform/bank-days.js';
import { fixedClock } from '../../../platform/clock.js';
import { createLog } from '../../../platform/log.js';
import {
  type Harness,
  KEY_ID,
  KEY_SECRET,
  razorpayEvent,
  seedParent,
  startHarness,
  WEBHOOK_SECRET,
} from '../../support/harness.js';
import { caseOf, DAY, dunning, emailsOf, PLAN } from './support.js';

// One harness for the file: the dunning cases and the booking cases below share its database.
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
  return sub.body as { id: string; current_period_start: string; current_period_end: string };
};

describe('dunning of Razorpay-held subscriptions: following subscription.* webhooks', () => {
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

describe('Razorpay-collected subscription charges are booked: payment, ledger, billing record, invoice', () => {
  const CYCLE_S = 30 * 86_400;
  type Entity = Record<string, unknown> & { id: string };
  /** The simulator charging one cycle as Razorpay would (a captured payment it holds, and its two webhooks). */
  const charge = async (gatewayId: string, start: number, amount = 300_000) => {
    const res = await fetch(`${h.sim.url}/v1/sim/subscriptions/${gatewayId}/charge`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`,
      },
      body: JSON.stringify({ amount, current_start: start, current_end: start + CYCLE_S }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { subscription: Entity; payment: Entity & { amount: number; fee: number } };
  };
  const startOf = (sub: { current_period_start: string }) => Date.parse(sub.current_period_start) / 1000;
  /** Delivery from the simulator off: the test delivers the same Razorpay-shaped events in an order it chooses. */
  const withoutDelivery = async <T>(work: () => Promise<T>): Promise<T> => {
    h.sim.configure({ webhook: null });
    try {
      return await work();
    } finally {
      h.sim.configure({ webhook: { url: `${h.url}/webhooks/razorpay`, secret: WEBHOOK_SECRET } });
    }
  };
  const deliver = async (event: string, entities: Record<string, Entity>, eventId = `evt_book_${++n}`) => {
    expect((await h.deliver(razorpayEvent(event, entities), eventId)).status).toBe(200);
  };
  const booked = (gatewayIds: string[]) =>
    h.db.all<{ id: string; status: string; captured_minor: number; fee_minor: number; gateway_payment_id: string }>(
      `SELECT id, status, captured_minor, fee_minor, gateway_payment_id FROM payments
       WHERE gateway_payment_id = ANY($ids::text[]) ORDER BY id`,
      { ids: gatewayIds },
    );
  const records = (subscriptionId: string) =>
    h.db.all<{ period_index: number; status: string; payment_id: string; paid: number; total: number }>(
      `SELECT r.period_index, r.status, r.payment_id, i.amount_paid_minor AS paid, i.total_minor AS total
       FROM billing_records r JOIN invoices i ON i.id = r.invoice_id
       WHERE r.subscription_id = $id ORDER BY r.period_index`,
      { id: subscriptionId },
    );
  /** What the capture entries of these payments booked as the parents' gross (school payable, credit). */
  const ledgerCaptured = async (paymentIds: string[]) =>
    (
      await h.db.one<{ gross: number; entries: number }>(
        `SELECT coalesce(-sum(l.amount_minor), 0)::BIGINT AS gross, count(DISTINCT e.id)::BIGINT AS entries
         FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id AND l.account = 'school_payable'
         WHERE e.kind = 'capture' AND e.ref_id = ANY($ids::text[])`,
        { ids: paymentIds },
      )
    )?.gross;
  const unmatched = (gatewayIds: string[]) =>
    h.db.all<{ event_type: string }>(
      "SELECT event_type FROM webhook_events WHERE status = 'unmatched' AND entity_id = ANY($ids::text[])",
      { ids: gatewayIds },
    );

  it('when Razorpay charges two cycles → two captured payments, ledger = gateway total, two paid records and invoices, listed, in analytics and matched in reconciliation', async () => {
    const gid = 'sub_RzpBooked0001';
    const sub = await held(gid);
    const first = await charge(gid, startOf(sub));
    await h.settle();
    clock.advance(30 * DAY);
    const second = await charge(gid, startOf(sub) + CYCLE_S);
    await h.settle();
    const gatewayIds = [first.payment.id, second.payment.id];

    const payments = await booked(gatewayIds);
    expect(payments.map((p) => [p.status, p.captured_minor, p.fee_minor])).toEqual([
      ['captured', 300_000, first.payment.fee],
      ['captured', 300_000, second.payment.fee],
    ]);
    expect(await ledgerCaptured(payments.map((p) => p.id))).toBe(first.payment.amount + second.payment.amount);
    expect(await records(sub.id)).toEqual([
      { period_index: 0, status: 'paid', payment_id: payments[0]?.id, paid: 300_000, total: 300_000 },
      { period_index: 1, status: 'paid', payment_id: payments[1]?.id, paid: 300_000, total: 300_000 },
    ]);
    // The matching payment.captured events found the booked payment, whatever order they came in.
    expect(await unmatched(gatewayIds)).toEqual([]);
    expect((await h.api('GET', `/v1/subscriptions/${sub.id}`)).body.status).toBe('active');

    const listed = (await h.api('GET', `/v1/payments?customer_id=${customerId}&status=captured&limit=100`)).body.data;
    expect(listed.map((p: { gateway_payment_id: string }) => p.gateway_payment_id)).toEqual(
      expect.arrayContaining(gatewayIds),
    );
    const analytics = await h.api('GET', '/v1/analytics/payments?from=2026-11-01&to=2027-01-15');
    expect(analytics.body.attempts.captured).toBeGreaterThanOrEqual(2);
    expect(analytics.body.captured_amount).toBeGreaterThanOrEqual(600_000);

    // Razorpay settles each capture T+2 working days after its IST day: each capture's settlement day is reconciled
    // once it has come (the simulator's clock moved there for it, then back to the test's).
    const captureDays = await h.db.all<{ day: string }>(
      `SELECT DISTINCT to_char(captured_at AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD') AS day FROM payments
       WHERE gateway_payment_id = ANY($ids::text[])`,
      { ids: gatewayIds },
    );
    const settlementDays = [...new Set(captureDays.map((c) => settlementDayOf(c.day)))].sort();
    const later = fixedClock(new Date(`${settlementDays[settlementDays.length - 1]}T12:00:00+05:30`));
    h.sim.configure({ now: () => later.now() });
    const runs = [];
    for (const date of settlementDays) {
      runs.push(await reconcileGatewayDay({ db: h.db, clock: later, gateway: h.gateway }, { date }));
    }
    h.sim.configure({ now: () => clock.now() });
    const items = await h.db.all<{ entity_id: string; status: string; kosh_id: string }>(
      'SELECT entity_id, status, kosh_id FROM reconciliation_items WHERE run_id = ANY($runs::text[]) AND entity_id = ANY($ids::text[]) ORDER BY kosh_id',
      { runs: runs.map((r) => r.id), ids: gatewayIds },
    );
    expect(items.map((i) => [i.entity_id, i.status, i.kosh_id])).toEqual(
      payments.map((p) => [p.gateway_payment_id, 'matched', p.id]),
    );

    // The invoice run finalises the period drafts as it does a kosh renewal's: paid, numbered.
    clock.advance(2 * 3_600_000);
    await finalizeDueInvoices({ db: h.db, clock, log: createLog({ level: 'silent' }) }, { now: clock.now() });
    const invoices = await h.db.all<{ status: string; number: string | null }>(
      `SELECT i.status, i.number FROM billing_records r JOIN invoices i ON i.id = r.invoice_id
       WHERE r.subscription_id = $id ORDER BY r.period_index`,
      { id: sub.id },
    );
    expect(invoices.map((i) => [i.status, i.number !== null])).toEqual([
      ['paid', true],
      ['paid', true],
    ]);
  });

  it('when the events arrive shuffled and duplicated → still one payment per cycle, nothing left unmatched', async () => {
    const gid = 'sub_RzpBooked0002';
    const sub = await held(gid);
    const [c1, c2] = await withoutDelivery(async () => [
      await charge(gid, startOf(sub)),
      await charge(gid, startOf(sub) + CYCLE_S),
    ]);
    if (c1 === undefined || c2 === undefined) throw new Error('no charges');
    const captured = (c: typeof c1) => ['payment.captured', { payment: c.payment }] as const;
    const charged = (c: typeof c1) =>
      ['subscription.charged', { subscription: c.subscription, payment: c.payment }] as const;
    // Later cycle first, a capture before its charge, every event twice (a new event id and a redelivery).
    const order = [charged(c2), captured(c1), captured(c2), charged(c1), charged(c2), captured(c1), charged(c1)];
    for (const [event, entities] of order) {
      const id = `evt_book_${++n}`;
      await deliver(event, entities, id);
      await h.settle();
      await deliver(event, entities, id);
    }
    await h.settle();
    const gatewayIds = [c1.payment.id, c2.payment.id];
    const payments = await booked(gatewayIds);
    expect(payments.map((p) => p.gateway_payment_id).sort()).toEqual([...gatewayIds].sort());
    expect(await ledgerCaptured(payments.map((p) => p.id))).toBe(600_000);
    expect((await records(sub.id)).map((r) => [r.period_index, r.status, r.paid])).toEqual([
      [0, 'paid', 300_000],
      [1, 'paid', 300_000],
    ]);
    expect(await unmatched(gatewayIds)).toEqual([]);
  });

  it('when payment.captured comes alone first → it waits unmatched; subscription.charged then books one payment and applies it', async () => {
    const gid = 'sub_RzpBooked0003';
    const sub = await held(gid);
    const c = await withoutDelivery(() => charge(gid, startOf(sub)));
    await deliver('payment.captured', { payment: c.payment });
    await h.settle();
    expect(await booked([c.payment.id])).toEqual([]);
    expect(await unmatched([c.payment.id])).toEqual([{ event_type: 'payment.captured' }]);

    await deliver('subscription.charged', { subscription: c.subscription, payment: c.payment });
    await h.settle();
    expect(await booked([c.payment.id])).toHaveLength(1);
    expect(await unmatched([c.payment.id])).toEqual([]);
    expect((await records(sub.id)).map((r) => [r.status, r.paid, r.total])).toEqual([['paid', 300_000, 300_000]]);
  });

  it('when Razorpay captures less than the invoice total → the payment is booked as captured and the invoice is paid by that much only', async () => {
    const gid = 'sub_RzpBooked0004';
    const sub = await held(gid);
    const c = await charge(gid, startOf(sub), 250_000);
    await h.settle();
    const [payment] = await booked([c.payment.id]);
    expect(payment?.captured_minor).toBe(250_000);
    expect(await ledgerCaptured([payment?.id ?? ''])).toBe(250_000);
    expect((await records(sub.id)).map((r) => [r.status, r.paid, r.total])).toEqual([['paid', 250_000, 300_000]]);
  });
});
