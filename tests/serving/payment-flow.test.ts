import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeOffSession } from '../../payments-core/payments/charge-off-session.js';
import { resolveUnknownPayments } from '../../payments-core/payments/resolve-unknown-payments.js';
import { fixedClock, systemClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { type Harness, KEY_ID, KEY_SECRET, seedParent, startHarness, WEBHOOK_SECRET } from '../support/harness.js';
import { PAYER_BODY } from '../support/payer.js';

const INTENT = { flow: 'intent' } as const;

describe('payment flow end to end (real PostgreSQL, real HTTP, razorpay SDK → simulator, signed webhooks)', () => {
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  beforeAll(async () => {
    h = await startHarness();
    parent = await seedParent(h);
  });
  afterAll(async () => h.close());
  /** The simulator's API as the parent's UPI app (sim-only routes) or a reader of its entities. */
  const simCall = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${h.sim.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };

  it('when an order is paid, captured, then twice partially refunded → every rupee is in a ledger that sums to zero', async () => {
    const order = await h.api('POST', '/v1/orders', {
      customer_id: parent.customerId,
      amount: 250_000,
      description: 'March meals',
    });
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ status: 'created', amount: 250_000, currency: 'INR' });
    expect(order.body.gateway_order_id).toMatch(/^order_/);

    const payment = await h.api('POST', '/v1/payments', {
      order_id: order.body.id,
      payment_method_id: parent.methodId,
      capture: 'manual',
    });
    expect(payment.status).toBe(201);
    expect(payment.body).toMatchObject({ status: 'authorized', amount: 250_000, method: 'card', amount_captured: 0 });
    await h.settle();
    const events = await h.api('GET', '/v1/webhook-events?type=payment.authorized');
    expect(events.body.data.length).toBeGreaterThanOrEqual(1);
    expect(events.body.data[0].status).toBe('applied');

    const captured = await h.api('POST', `/v1/payments/${payment.body.id}/capture`, {});
    expect(captured.status).toBe(200);
    expect(captured.body).toMatchObject({ status: 'captured', amount_captured: 250_000 });
    expect(captured.body.fee).toBe(5900); // 2% + 18% GST on the fee
    expect(captured.body.tax).toBe(900);
    await h.settle();
    expect((await h.api('GET', `/v1/orders/${order.body.id}`)).body).toMatchObject({
      status: 'paid',
      amount_paid: 250_000,
    });

    const r1 = await h.api('POST', '/v1/refunds', {
      payment_id: payment.body.id,
      amount: 50_000,
      reason: 'absent 5 days',
    });
    const r2 = await h.api('POST', '/v1/refunds', { payment_id: payment.body.id, amount: 30_000 });
    expect(r1.status).toBe(201);
    expect(r2.status).toBe(201);
    await h.settle();
    const refunds = await h.api('GET', `/v1/refunds?payment_id=${payment.body.id}`);
    expect(refunds.body.data.map((r: { status: string }) => r.status)).toEqual(['processed', 'processed']);
    const tooMuch = await h.api('POST', '/v1/refunds', { payment_id: payment.body.id, amount: 170_001 });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('refund_exceeds_captured');

    const after = await h.api('GET', `/v1/payments/${payment.body.id}`);
    expect(after.body).toMatchObject({ status: 'captured', amount_captured: 250_000, amount_refunded: 80_000 });
    expect((await h.api('GET', `/v1/orders/${order.body.id}`)).body.status).toBe('paid');

    const ledger = await h.api('GET', '/v1/ledger/balances');
    expect(ledger.body.balanced).toBe(true);
    expect(ledger.body.totals).toEqual([{ currency: 'INR', total: 0 }]);
    const balance = (account: string) =>
      ledger.body.accounts.find((a: { account: string }) => a.account === account)?.balance;
    expect(balance('school_payable')).toBe(-170_000);
    expect(balance('gateway_clearing')).toBe(250_000 - 5900 - 80_000);
    expect(balance('gateway_fees')).toBe(5000);
    expect(balance('gateway_fee_gst')).toBe(900);
    expect(balance('refunds_in_flight')).toBe(0);
    expect(balance('customer_receivable')).toBe(0);
  });

  it('when a parent pays on the hosted checkout → the signed webhook alone records the captured payment', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 120_000 });
    const res = await fetch(`${h.sim.url}/v1/sim/checkout`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from('rzp_test_kosh0000000001:test_key_secret_0000000001').toString('base64')}`,
      },
      body: JSON.stringify({
        order_id: order.body.gateway_order_id,
        upi: { flow: 'intent', vpa: 'success@razorpay' },
      }),
    });
    expect(res.status).toBeLessThan(300);
    await h.settle();
    const payments = await h.api('GET', `/v1/payments?order_id=${order.body.id}`);
    expect(payments.body.data).toHaveLength(1);
    expect(payments.body.data[0]).toMatchObject({
      status: 'captured',
      amount: 120_000,
      amount_captured: 120_000,
      method: 'upi',
    });
    expect((await h.api('GET', `/v1/orders/${order.body.id}`)).body.status).toBe('paid');
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });

  it('when the card is declined → the payment fails with the decline reason and the order can be paid again', async () => {
    const declined = await seedParent(h, '4000000000000002');
    const order = await h.api('POST', '/v1/orders', { customer_id: declined.customerId, amount: 80_000 });
    const payment = await h.api('POST', '/v1/payments', {
      order_id: order.body.id,
      payment_method_id: declined.methodId,
    });
    expect(payment.status).toBe(201);
    expect(payment.body.status).toBe('failed');
    expect(payment.body.error_code).toBeTruthy();
    expect(payment.body.error_reason).toBeTruthy();
    const retry = await h.api('POST', '/v1/payments', { order_id: order.body.id, upi: INTENT, ...PAYER_BODY });
    expect(retry.body.status).toBe('created');
    const again = await h.api('POST', '/v1/payments', { order_id: order.body.id, upi: INTENT, ...PAYER_BODY });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('payment_in_progress');
  });

  it('when a UPI payment comes without the payer ip, referer or user_agent → 422 naming each missing one, before any write or gateway call', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 15_000 });
    const before = h.sim.payments().length;
    const none = await h.api('POST', '/v1/payments', { order_id: order.body.id, upi: INTENT });
    expect(none.status).toBe(422);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.body.code).toBe('payer_required');
    expect(none.body.errors.map((e: { field: string }) => e.field)).toEqual(['/ip', '/referer', '/user_agent']);
    const { referer: _, ...noReferer } = PAYER_BODY;
    const one = await h.api('POST', '/v1/payments', { order_id: order.body.id, upi: INTENT, ...noReferer });
    expect(one.status).toBe(422);
    expect(one.body.errors.map((e: { field: string }) => e.field)).toEqual(['/referer']);
    const badIp = await h.api('POST', '/v1/payments', {
      order_id: order.body.id,
      upi: INTENT,
      ...PAYER_BODY,
      ip: 'localhost',
    });
    expect(badIp.status).toBe(400);
    expect(badIp.body.errors[0].field).toBe('/ip');
    expect(h.sim.payments()).toHaveLength(before);
    expect((await h.api('GET', `/v1/payments?order_id=${order.body.id}`)).body.data).toEqual([]);
  });

  it('when a UPI collect is asked for (a vpa) → 422 upi_collect_unavailable naming /vpa, nothing stored, nothing sent', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 15_500 });
    const before = h.sim.payments().length;
    const res = await h.api('POST', '/v1/payments', {
      order_id: order.body.id,
      vpa: 'success@razorpay',
      ...PAYER_BODY,
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'upi_collect_unavailable', errors: [{ field: '/vpa' }] });
    expect(res.body.detail).toMatch(/intent/);
    expect(h.sim.payments()).toHaveLength(before);
    expect((await h.api('GET', `/v1/payments?order_id=${order.body.id}`)).body.data).toEqual([]);
  });

  it('when a UPI intent is made → 201 created with its upi://pay link (the same payment and link on a retry, one gateway payment); the parent pays in the app → the webhook captures it, ledger as the simulator', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 16_000 });
    const key = { 'idempotency-key': `intent-${order.body.id}` };
    const body = { order_id: order.body.id, upi: INTENT, ...PAYER_BODY };
    const paid = await h.api('POST', '/v1/payments', body, key);
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ status: 'created', method: 'upi', amount_captured: 0 });
    expect(paid.body.upi_link).toMatch(/^upi:\/\/pay\?/);
    // Razorpay's default upi.expiry_time, 5 minutes, from when the gateway answered.
    const life = new Date(paid.body.upi_link_expires_at).getTime() - new Date(paid.body.created_at).getTime();
    expect(life).toBeGreaterThanOrEqual(300_000);
    expect(life).toBeLessThan(310_000);
    const retried = await h.api('POST', '/v1/payments', body, key);
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(paid.body);
    const atGateway = h.sim.payments().filter((p) => p.kosh_id === paid.body.id);
    expect(atGateway).toEqual([expect.objectContaining({ status: 'created', id: paid.body.gateway_payment_id })]);
    const entity = (await simCall('GET', `/v1/payments/${paid.body.gateway_payment_id}`)) as Record<string, unknown>;
    expect(entity).toMatchObject({ method: 'upi', vpa: null });
    expect(entity['customer_id']).toMatch(/^cust_/);
    const kept = await h.db.one('SELECT ip, referer, user_agent FROM payments WHERE id = $id', { id: paid.body.id });
    expect(kept).toEqual(PAYER_BODY);

    await simCall('POST', `/v1/sim/upi-intents/${paid.body.gateway_payment_id}/pay`, { vpa: 'asha@okaxis' });
    await h.settle();
    const done = (await h.api('GET', `/v1/payments/${paid.body.id}`)).body;
    const settled = (await simCall('GET', `/v1/payments/${paid.body.gateway_payment_id}`)) as Record<string, unknown>;
    expect(settled).toMatchObject({ status: 'captured', vpa: 'asha@okaxis' });
    expect(done).toMatchObject({
      status: 'captured',
      amount_captured: 16_000,
      fee: settled['fee'],
      tax: settled['tax'],
    });
    expect((await h.api('GET', `/v1/orders/${order.body.id}`)).body.status).toBe('paid');
    const entries = await h.db.all('SELECT id FROM journal_entries WHERE ref_id = $id', { id: paid.body.id });
    expect(entries).toHaveLength(1);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });

  it('when the parent declines the intent in the app → failed by the webhook, nothing captured, and the order can be paid again', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 16_500 });
    const paid = await h.api('POST', '/v1/payments', { order_id: order.body.id, upi: INTENT, ...PAYER_BODY });
    await simCall('POST', `/v1/sim/upi-intents/${paid.body.gateway_payment_id}/fail`);
    await h.settle();
    expect((await h.api('GET', `/v1/payments/${paid.body.id}`)).body).toMatchObject({
      status: 'failed',
      amount_captured: 0,
      error_reason: 'payment_cancelled',
    });
    expect(await h.db.all('SELECT id FROM journal_entries WHERE ref_id = $id', { id: paid.body.id })).toEqual([]);
    const next = await h.api('POST', '/v1/payments', { order_id: order.body.id, upi: INTENT, ...PAYER_BODY });
    expect(next.body).toMatchObject({ status: 'created' });
  });

  it('when the webhooks are lost → the resolver polls the intent past its grace: paid → captured and booked; never paid past its expiry → failed upi_intent_expired', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 16_700 });
    const idle = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 16_800 });
    h.sim.configure({ webhook: null });
    try {
      const paid = await h.api('POST', '/v1/payments', { order_id: order.body.id, upi: INTENT, ...PAYER_BODY });
      const left = await h.api('POST', '/v1/payments', { order_id: idle.body.id, upi: INTENT, ...PAYER_BODY });
      await simCall('POST', `/v1/sim/upi-intents/${paid.body.gateway_payment_id}/pay`);
      const deps = { db: h.db, clock: systemClock, gateway: h.gateway, log: createLog({ level: 'silent' }) };
      // Inside the grace, nothing is concluded; past it (and past the link's expiry plus the grace) both are.
      await resolveUnknownPayments(deps, { now: new Date() });
      expect((await h.api('GET', `/v1/payments/${paid.body.id}`)).body.status).toBe('created');
      await resolveUnknownPayments(deps, { now: new Date(Date.now() + 21 * 60_000) });
      expect((await h.api('GET', `/v1/payments/${paid.body.id}`)).body).toMatchObject({ status: 'captured' });
      expect(await h.db.all('SELECT id FROM journal_entries WHERE ref_id = $id', { id: paid.body.id })).toHaveLength(1);
      expect((await h.api('GET', `/v1/payments/${left.body.id}`)).body).toMatchObject({
        status: 'failed',
        error_code: 'upi_intent_expired',
      });
    } finally {
      h.sim.configure({ webhook: { url: `${h.url}/webhooks/razorpay`, secret: WEBHOOK_SECRET } });
    }
  });

  it('when a job charges a saved plain UPI VPA off-session → the payment fails upi_collect_unavailable and nothing reaches the gateway; on-session → 422 naming /payment_method_id', async () => {
    const vpa = await h.api('POST', `/v1/customers/${parent.customerId}/payment-methods`, {
      type: 'upi',
      gateway_token: 'vpa',
      upi_vpa: 'success@razorpay',
    });
    expect(vpa.status).toBe(201);
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 17_000 });
    const before = h.sim.payments().length;
    const onSession = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: vpa.body.id });
    expect(onSession.status).toBe(422);
    expect(onSession.body).toMatchObject({
      code: 'upi_collect_unavailable',
      errors: [{ field: '/payment_method_id' }],
    });
    const charged = await chargeOffSession(
      {
        db: h.db,
        clock: fixedClock(new Date('2026-12-07T05:00:00Z')),
        gateway: h.gateway,
        log: createLog({ level: 'silent' }),
      },
      {
        order_id: order.body.id,
        payment_id: `pay_offsession_${order.body.id.slice(4)}`,
        payment_method_id: vpa.body.id,
      },
    );
    expect(charged.outcome).toBe('failed');
    expect(charged.payment).toMatchObject({ status: 'failed', error_code: 'upi_collect_unavailable' });
    expect(h.sim.payments()).toHaveLength(before);
  });

  it('when capture asks for more or less than was authorised → 422 naming /amount before any gateway call, and nothing changes', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 10_000 });
    const payment = await h.api('POST', '/v1/payments', {
      order_id: order.body.id,
      payment_method_id: parent.methodId,
      capture: 'manual',
    });
    expect(payment.body.status).toBe('authorized');
    // Razorpay captures the authorised amount only (docs: /api/payments/capture, "should be equal to the order amount").
    for (const amount of [10_001, 9_999]) {
      const wrong = await h.api('POST', `/v1/payments/${payment.body.id}/capture`, { amount });
      expect(wrong.status).toBe(422);
      expect(wrong.body.code).toBe('capture_amount_mismatch');
      expect(wrong.body.errors[0].field).toBe('/amount');
    }
    expect((await h.api('GET', `/v1/payments/${payment.body.id}`)).body.status).toBe('authorized');
    const refundBeforeCapture = await h.api('POST', '/v1/refunds', { payment_id: payment.body.id, amount: 100 });
    expect(refundBeforeCapture.status).toBe(409);
    const captured = await h.api('POST', `/v1/payments/${payment.body.id}/capture`, { amount: 10_000 });
    expect(captured.body).toMatchObject({ status: 'captured', amount_captured: 10_000 });
  });

  it('when finance posts an adjustment → it balances against the adjustments account and the total stays zero', async () => {
    const res = await h.api('POST', '/v1/ledger/adjustments', {
      account: 'school_payable',
      school_id: parent.schoolId,
      amount: -2_500,
      memo: 'goodwill credit for a missed meal',
    });
    expect(res.status).toBe(201);
    const ledger = (await h.api('GET', '/v1/ledger/balances')).body;
    expect(ledger.balanced).toBe(true);
    expect(ledger.accounts.find((a: { account: string }) => a.account === 'adjustments')?.balance).toBe(2_500);
    const noSchool = await h.api('POST', '/v1/ledger/adjustments', {
      account: 'school_payable',
      amount: 100,
      memo: 'missing school',
    });
    expect(noSchool.status).toBe(422);
    expect(noSchool.body.errors[0].field).toBe('/school_id');
    const reader = await h.keyWith(['payments:write']);
    expect(
      (
        await h.api(
          'POST',
          '/v1/ledger/adjustments',
          { account: 'gateway_fees', amount: 1, memo: 'x'.repeat(5) },
          { authorization: `Bearer ${reader}` },
        )
      ).status,
    ).toBe(403);
  });
});
