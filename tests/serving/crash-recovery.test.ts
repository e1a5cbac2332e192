import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentGateway } from '../../payments-core/gateway/port.js';
import { type Harness, KEY_ID, KEY_SECRET, seedParent, startHarness } from '../support/harness.js';

/** The process "dies" right after the gateway call went through, before kosh records the answer. */
function crashingAfter(calls: Set<keyof PaymentGateway>) {
  return (real: PaymentGateway): PaymentGateway => {
    const wrapped = { ...real } as Record<string, unknown>;
    for (const name of Object.keys(real) as (keyof PaymentGateway)[]) {
      const fn = real[name] as (...args: unknown[]) => Promise<unknown>;
      wrapped[name] = async (...args: unknown[]) => {
        const result = await fn(...args);
        if (calls.has(name)) {
          calls.delete(name);
          throw new Error(`simulated crash after ${name}`);
        }
        return result;
      };
    }
    return wrapped as unknown as PaymentGateway;
  };
}

async function simulatorPaymentsFor(h: Harness, gatewayOrderId: string): Promise<{ id: string; status: string }[]> {
  const res = await fetch(`${h.sim.url}/v1/orders/${gatewayOrderId}/payments`, {
    headers: { authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}` },
  });
  return ((await res.json()) as { items: { id: string; status: string }[] }).items;
}

describe('crash, retry and duplicate: money is never lost or doubled', () => {
  const crashes = new Set<keyof PaymentGateway>();
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  beforeAll(async () => {
    h = await startHarness({ wrapGateway: crashingAfter(crashes) });
    parent = await seedParent(h);
  });
  afterAll(async () => h.close());

  it('when kosh dies after the gateway charged but before recording it → a retry cannot charge again and the webhook completes the record', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 70_000 });
    crashes.add('createPayment');
    const first = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: parent.methodId });
    expect(first.status).toBe(500);
    const retry = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: parent.methodId });
    // A new request (no Idempotency-Key) on the same order is refused either way: the charge is still in flight, or
    // the gateway's payment.captured webhook has already completed the record (a race the loaded CI server pass lost).
    expect(retry.status).toBe(409);
    expect(['payment_in_progress', 'order_already_paid']).toContain(retry.body.code);
    await h.settle();
    const payments = (await h.api('GET', `/v1/payments?order_id=${order.body.id}`)).body.data;
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ status: 'captured', amount_captured: 70_000 });
    expect(await simulatorPaymentsFor(h, order.body.gateway_order_id)).toHaveLength(1);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });

  it('when kosh dies after creating the gateway order → the next payment finds that order by receipt instead of opening another', async () => {
    crashes.add('createOrder');
    const failed = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 33_000 });
    expect(failed.status).toBe(500);
    const row = await h.db.one<{ id: string; gateway_order_id: string | null }>(
      'SELECT id, gateway_order_id FROM orders WHERE amount_minor = 33000',
    );
    expect(row?.gateway_order_id).toBeNull();
    const pay = await h.api('POST', '/v1/payments', { order_id: row?.id, payment_method_id: parent.methodId });
    expect(pay.body.status).toBe('captured');
    const order = (await h.api('GET', `/v1/orders/${row?.id}`)).body;
    expect(order.status).toBe('paid');
    const res = await fetch(`${h.sim.url}/v1/orders?receipt=${row?.id}`, {
      headers: { authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}` },
    });
    expect(((await res.json()) as { count: number }).count).toBe(1);
  });

  it('when kosh dies after the gateway accepted a refund → the webhook settles the pending refund by its receipt, once', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 50_000 });
    const payment = await h.api('POST', '/v1/payments', {
      order_id: order.body.id,
      payment_method_id: parent.methodId,
    });
    expect(payment.body.status).toBe('captured');
    crashes.add('createRefund');
    const refund = await h.api('POST', '/v1/refunds', { payment_id: payment.body.id, amount: 20_000 });
    expect(refund.status).toBe(500);
    await h.settle();
    const refunds = (await h.api('GET', `/v1/refunds?payment_id=${payment.body.id}`)).body.data;
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ status: 'processed', amount: 20_000 });
    expect(refunds[0].gateway_refund_id).toMatch(/^rfnd_/);
    expect((await h.api('GET', `/v1/payments/${payment.body.id}`)).body.amount_refunded).toBe(20_000);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });
});
