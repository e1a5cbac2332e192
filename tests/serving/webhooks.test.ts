import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, razorpayEvent, seedParent, startHarness } from '../support/harness.js';

/** An order kosh knows, with a gateway payment on it that kosh has not heard of yet. */
async function orderWithGatewayPayment(h: Harness, customerId: string, amount: number) {
  const order = await h.api('POST', '/v1/orders', { customer_id: customerId, amount });
  const payId = `pay_T${Math.random().toString(36).slice(2, 14)}`;
  const base = {
    id: payId,
    entity: 'payment',
    amount,
    currency: 'INR',
    order_id: order.body.gateway_order_id,
    method: 'upi',
    amount_refunded: 0,
    refund_status: null,
    description: null,
    vpa: 'success@razorpay',
    email: 'asha@example.in',
    contact: '+919876543210',
    notes: [],
    error_code: null,
    error_description: null,
    error_reason: null,
    created_at: 1_700_000_000,
  };
  return { order: order.body, payId, base };
}

async function finalState(h: Harness, orderId: string) {
  const payments = (await h.api('GET', `/v1/payments?order_id=${orderId}`)).body.data;
  const refunds =
    payments.length === 0 ? [] : (await h.api('GET', `/v1/refunds?payment_id=${payments[0].id}`)).body.data;
  const ledger = (await h.api('GET', '/v1/ledger/balances')).body;
  return {
    order: (await h.api('GET', `/v1/orders/${orderId}`)).body.status,
    payments: payments.map((p: Record<string, unknown>) => [
      p['status'],
      p['amount_captured'],
      p['amount_refunded'],
      p['fee'],
    ]),
    refunds: refunds.map((r: Record<string, unknown>) => [r['gateway_refund_id'], r['status'], r['amount']]).sort(),
    ledger: ledger.accounts.map((a: Record<string, unknown>) => [a['account'], a['balance']]),
    balanced: ledger.balanced,
  };
}

describe('Razorpay webhooks', () => {
  let h: Harness;
  let customerId: string;
  beforeAll(async () => {
    h = await startHarness();
    customerId = (await seedParent(h)).customerId;
  });
  afterAll(async () => h.close());

  it('when the signature is missing or wrong → 401 and nothing is stored', async () => {
    const body = razorpayEvent('payment.captured', {
      payment: { id: 'pay_Bad', entity: 'payment', amount: 100, status: 'captured' },
    });
    const before = (await h.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM webhook_events'))?.n;
    expect((await h.deliver(body, 'evt_bad_1', 'ab'.repeat(32))).status).toBe(401);
    const unsigned = await fetch(`${h.url}/webhooks/razorpay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('content-type')).toContain('application/problem+json');
    expect((await h.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM webhook_events'))?.n).toBe(before);
  });

  it('when a body is signed with the previous secret during rotation → it still verifies', async () => {
    const { createHmac } = await import('node:crypto');
    const body = razorpayEvent('subscription.activated', {
      subscription: { id: 'sub_Rotation1', entity: 'subscription' },
    });
    const sig = createHmac('sha256', 'whsec_old_rotated').update(body).digest('hex');
    const res = await h.deliver(body, 'evt_rotation_1', sig);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('received');
  });

  it('when one event arrives 50 times at once → it is applied once and the rest are recorded as duplicates', async () => {
    const { order, base } = await orderWithGatewayPayment(h, customerId, 40_000);
    const body = razorpayEvent('payment.captured', {
      payment: { ...base, status: 'captured', captured: true, fee: 944, tax: 144 },
    });
    const responses = await Promise.all(Array.from({ length: 50 }, () => h.deliver(body, 'evt_dup_50')));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(responses.filter((r) => r.body.status === 'received')).toHaveLength(1);
    expect(responses.filter((r) => r.body.status === 'duplicate')).toHaveLength(49);
    await h.settle();
    const payments = (await h.api('GET', `/v1/payments?order_id=${order.id}`)).body.data;
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ status: 'captured', amount_captured: 40_000, fee: 944 });
    const captures = await h.db.all("SELECT * FROM journal_entries WHERE kind = 'capture' AND ref_id = $id", {
      id: payments[0].id,
    });
    expect(captures).toHaveLength(1);
    const dupes = await h.api('GET', '/v1/webhook-events?status=duplicate&limit=100');
    expect(dupes.body.data.filter((e: { event_id: string }) => e.event_id === 'evt_dup_50')).toHaveLength(49);
  });

  it('when the documented quirks arrive (notes [], captured "1") → they are tolerated', async () => {
    const { order, base } = await orderWithGatewayPayment(h, customerId, 15_000);
    const body = razorpayEvent('payment.captured', {
      payment: { ...base, status: 'captured', captured: '1', notes: [], fee: '354', tax: '54' },
    });
    expect((await h.deliver(body, 'evt_quirks')).status).toBe(200);
    await h.settle();
    const payments = (await h.api('GET', `/v1/payments?order_id=${order.id}`)).body.data;
    expect(payments[0]).toMatchObject({ status: 'captured', fee: 354, tax: 54 });
  });

  it('when an event names a payment kosh never saw → 200, stored as unmatched, kept', async () => {
    const body = razorpayEvent('payment.captured', {
      payment: {
        id: 'pay_Unknown001',
        entity: 'payment',
        amount: 5000,
        currency: 'INR',
        status: 'captured',
        order_id: 'order_Unknown001',
        notes: [],
      },
    });
    expect((await h.deliver(body, 'evt_unmatched_1')).status).toBe(200);
    await h.settle();
    const events = await h.api('GET', '/v1/webhook-events?status=unmatched');
    expect(events.body.data.map((e: { event_id: string }) => e.event_id)).toContain('evt_unmatched_1');
  });

  it('when Razorpay authorises late (failed → authorized) → the payment moves on and can be captured', async () => {
    const { order, base } = await orderWithGatewayPayment(h, customerId, 18_000);
    await h.deliver(
      razorpayEvent('payment.failed', {
        payment: { ...base, status: 'failed', error_code: 'BAD_REQUEST_ERROR', error_reason: 'payment_timed_out' },
      }),
      'evt_lateauth_f',
    );
    await h.settle();
    let payment = (await h.api('GET', `/v1/payments?order_id=${order.id}`)).body.data[0];
    expect(payment).toMatchObject({ status: 'failed', error_reason: 'payment_timed_out' });
    await h.deliver(
      razorpayEvent('payment.authorized', { payment: { ...base, status: 'authorized' } }),
      'evt_lateauth_a',
    );
    await h.settle();
    payment = (await h.api('GET', `/v1/payments/${payment.id}`)).body;
    expect(payment).toMatchObject({ status: 'authorized', error_reason: null });
    await h.deliver(
      razorpayEvent('payment.captured', {
        payment: { ...base, status: 'captured', captured: true, fee: 425, tax: 65 },
      }),
      'evt_lateauth_c',
    );
    await h.settle();
    expect((await h.api('GET', `/v1/payments/${payment.id}`)).body.status).toBe('captured');
  });

  it('when an event cannot be applied → it is kept as failed with its error, retried, and nothing half-applied', async () => {
    const { order, base } = await orderWithGatewayPayment(h, customerId, 9_000);
    const captured = { ...base, status: 'captured', captured: true, fee: 212, tax: 32 };
    await h.deliver(razorpayEvent('payment.captured', { payment: captured }), 'evt_fail_c');
    await h.settle();
    const refund = {
      id: 'rfnd_TooLarge0001',
      entity: 'refund',
      amount: 9_001,
      currency: 'INR',
      payment_id: base.id,
      receipt: null,
      notes: [],
      status: 'processed',
    };
    await h.deliver(razorpayEvent('refund.processed', { refund, payment: captured }), 'evt_fail_r');
    await h.settle();
    h.inbox.kick();
    await h.inbox.idle();
    const failed = (await h.api('GET', '/v1/webhook-events?status=failed')).body.data.find(
      (e: { event_id: string }) => e.event_id === 'evt_fail_r',
    );
    expect(failed.last_error).toContain('cannot refund');
    expect(failed.attempts).toBeGreaterThanOrEqual(2);
    const payment = (await h.api('GET', `/v1/payments?order_id=${order.id}`)).body.data[0];
    expect(payment.amount_refunded).toBe(0);
    expect((await h.api('GET', `/v1/refunds?payment_id=${payment.id}`)).body.data).toEqual([]);
  });

  it('when a late payment.authorized arrives after captured → nothing changes', async () => {
    const { order, base } = await orderWithGatewayPayment(h, customerId, 22_000);
    await h.deliver(
      razorpayEvent('payment.captured', {
        payment: { ...base, status: 'captured', captured: true, fee: 519, tax: 79 },
      }),
      'evt_late_c',
    );
    await h.settle();
    const before = await finalState(h, order.id);
    await h.deliver(
      razorpayEvent('payment.authorized', { payment: { ...base, status: 'authorized', captured: false } }),
      'evt_late_a',
    );
    await h.deliver(
      razorpayEvent('payment.failed', { payment: { ...base, status: 'failed', error_code: 'BAD_REQUEST_ERROR' } }),
      'evt_late_f',
    );
    await h.settle();
    expect(await finalState(h, order.id)).toEqual(before);
  });

  it('when the same events arrive in any order → the final state is the same', async () => {
    const orders: string[] = [];
    const states = [];
    const permutations = [
      [0, 1, 2, 3, 4, 5, 6],
      [6, 5, 4, 3, 2, 1, 0],
      [3, 0, 5, 1, 6, 2, 4],
      [4, 6, 2, 0, 5, 3, 1],
      [2, 4, 0, 6, 1, 5, 3],
    ];
    for (const [n, perm] of permutations.entries()) {
      const { order, base } = await orderWithGatewayPayment(h, customerId, 60_000);
      orders.push(order.id);
      const captured = { ...base, status: 'captured', captured: true, fee: 1416, tax: 216 };
      const refund = (id: string, amount: number, status: string) => ({
        id,
        entity: 'refund',
        amount,
        currency: 'INR',
        payment_id: base.id,
        receipt: null,
        notes: [],
        status,
        speed_processed: 'normal',
        created_at: 1_700_000_100,
      });
      const rA = `rfnd_A${n}x${base.id.slice(5)}`;
      const rB = `rfnd_B${n}x${base.id.slice(5)}`;
      const events = [
        razorpayEvent('payment.authorized', { payment: { ...base, status: 'authorized', captured: false } }),
        razorpayEvent('payment.captured', { payment: captured }),
        razorpayEvent('order.paid', {
          payment: captured,
          order: { id: order.gateway_order_id, entity: 'order', amount: 60_000, status: 'paid' },
        }),
        razorpayEvent('refund.created', { refund: refund(rA, 10_000, 'pending'), payment: captured }),
        razorpayEvent('refund.processed', { refund: refund(rA, 10_000, 'processed'), payment: captured }),
        razorpayEvent('refund.created', { refund: refund(rB, 5_000, 'pending'), payment: captured }),
        razorpayEvent('refund.failed', { refund: refund(rB, 5_000, 'failed'), payment: captured }),
      ];
      for (const i of perm) {
        expect((await h.deliver(events[i] ?? '', `evt_perm_${n}_${i}`)).status).toBe(200);
        await h.settle();
      }
      const s = await finalState(h, order.id);
      states.push({
        order: s.order,
        payments: s.payments,
        refunds: s.refunds.map((r: unknown[]) => [r[1], r[2]]).sort(),
      });
      expect(s.balanced).toBe(true);
    }
    for (const s of states) expect(s).toEqual(states[0]);
    expect(states[0]).toEqual({
      order: 'paid',
      payments: [['captured', 60_000, 10_000, 1416]],
      refunds: [
        ['failed', 5_000],
        ['processed', 10_000],
      ],
    });
  });
});
