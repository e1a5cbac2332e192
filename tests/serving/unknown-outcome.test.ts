import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRazorpayGateway } from '../../payments-core/gateway/razorpay-gateway.js';
import { chargeDueInstallments } from '../../payments-core/installments/charge-due-installments.js';
import { resolveUnknownPayments, UNKNOWN_GRACE_MS } from '../../payments-core/payments/resolve-unknown-payments.js';
import { fixedClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { seededRandom } from '../../platform/random.js';
import { type Harness, KEY_ID, KEY_SECRET, seedParent, startHarness } from '../support/harness.js';

async function simulatorPayments(h: Harness, gatewayOrderId: string): Promise<{ id: string; status: string }[]> {
  const res = await fetch(`${h.sim.url}/v1/orders/${gatewayOrderId}/payments`, {
    headers: { authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}` },
  });
  return ((await res.json()) as { items: { id: string; status: string }[] }).items;
}

describe('unknown outcomes: a timed-out gateway call is looked up, never charged again', () => {
  const clock = fixedClock(new Date('2026-11-02T05:00:00Z'));
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  let deps: Parameters<typeof resolveUnknownPayments>[0] & { random: () => number };
  beforeAll(async () => {
    h = await startHarness({ clock, gatewayTimeoutMs: 400 });
    parent = await seedParent(h);
    // The resolver, not a webhook, must settle these payments.
    h.sim.configure({ webhook: null });
    deps = {
      db: h.db,
      clock,
      gateway: createRazorpayGateway({ keyId: KEY_ID, keySecret: KEY_SECRET, apiUrl: h.sim.url, timeoutMs: 2000 }),
      log: createLog({ level: 'silent' }),
      random: seededRandom(3),
    };
  });
  afterAll(async () => h.close());

  it('when the capture times out after the gateway captured → payment unknown, the resolver finds it captured, one capture, ledger posted once', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 70_000 });
    h.sim.configure({ dropResponses: { path: /\/capture$/, count: 1 } });
    const first = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: parent.methodId });
    expect(first.status).toBe(503);
    expect(first.body.code).toBe('payment_outcome_unknown');
    const [payment] = (await h.api('GET', `/v1/payments?order_id=${order.body.id}`)).body.data;
    expect(payment).toMatchObject({ status: 'unknown', amount_captured: 0 });
    // A payment whose outcome is unknown is money in flight: the customer cannot be erased yet (docs/security.md).
    const erase = await h.api('POST', `/v1/customers/${parent.customerId}/erase`);
    expect(erase.body).toMatchObject({ status: 409, blockers: ['payment_in_flight'] });

    const again = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: parent.methodId });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('payment_in_progress');

    expect(await resolveUnknownPayments(deps, { now: clock.now() })).toMatchObject({ resolved: 1, errors: 0 });
    expect((await h.api('GET', `/v1/payments/${payment.id}`)).body).toMatchObject({
      status: 'captured',
      amount_captured: 70_000,
    });
    expect((await h.api('GET', `/v1/orders/${order.body.id}`)).body.status).toBe('paid');
    expect(await resolveUnknownPayments(deps, { now: clock.now() })).toMatchObject({ scanned: 0, resolved: 0 });

    const gatewayPayments = await simulatorPayments(h, order.body.gateway_order_id);
    expect(gatewayPayments.map((p) => p.status)).toEqual(['captured']);
    const entries = await h.db.all("SELECT id FROM journal_entries WHERE kind = 'capture' AND ref_id = $id", {
      id: payment.id,
    });
    expect(entries).toHaveLength(1);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });

  it('when kosh died between the gateway capturing and its own record of it (payment still authorised, no ledger entry) → past the grace the resolver applies the capture once, and the ledger matches the gateway', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 52_000 });
    const paid = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: parent.methodId });
    expect(paid.body.status).toBe('captured');
    // The state such a crash leaves: captured at the gateway; kosh authorised, no capture entry, order not paid.
    await h.db.transaction(async (tx) => {
      await tx.run(
        `UPDATE payments SET status = 'authorized', captured_minor = 0, captured_at = NULL, updated_at = $at WHERE id = $id`,
        { id: paid.body.id, at: clock.now() },
      );
      await tx.run(
        "DELETE FROM journal_lines WHERE entry_id IN (SELECT id FROM journal_entries WHERE kind = 'capture' AND ref_id = $id)",
        { id: paid.body.id },
      );
      await tx.run("DELETE FROM journal_entries WHERE kind = 'capture' AND ref_id = $id", { id: paid.body.id });
      await tx.run("UPDATE orders SET status = 'attempted' WHERE id = $id", { id: order.body.id });
    });

    // Within the grace it is left alone (a capture may be on its way); past it, it is looked up and applied.
    expect(await resolveUnknownPayments(deps, { now: clock.now() })).toMatchObject({ resolved: 0 });
    clock.advance(UNKNOWN_GRACE_MS + 1000);
    expect(await resolveUnknownPayments(deps, { now: clock.now() })).toMatchObject({ resolved: 1, errors: 0 });
    expect(await resolveUnknownPayments(deps, { now: clock.now() })).toMatchObject({ resolved: 0 });
    expect((await h.api('GET', `/v1/payments/${paid.body.id}`)).body).toMatchObject({
      status: 'captured',
      amount_captured: 52_000,
    });
    expect((await h.api('GET', `/v1/orders/${order.body.id}`)).body.status).toBe('paid');
    expect(await simulatorPayments(h, order.body.gateway_order_id)).toEqual([
      expect.objectContaining({ status: 'captured' }),
    ]);
    const captures = await h.db.all("SELECT id FROM journal_entries WHERE kind = 'capture' AND ref_id = $id", {
      id: paid.body.id,
    });
    expect(captures).toHaveLength(1);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });

  it('when the gateway never received the payment → it stays unknown through the grace, then fails not_received_by_gateway and the order can be paid', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 45_000 });
    h.sim.configure({ failureRate: 1 });
    const first = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: parent.methodId });
    h.sim.configure({ failureRate: 0 });
    expect(first.body.code).toBe('payment_outcome_unknown');

    expect(await resolveUnknownPayments(deps, { now: clock.now() })).toMatchObject({ pending: 1, not_received: 0 });
    clock.advance(UNKNOWN_GRACE_MS + 1000);
    expect(await resolveUnknownPayments(deps, { now: clock.now() })).toMatchObject({ not_received: 1 });
    const failed = (await h.api('GET', `/v1/payments/${first.body.payment_id}`)).body;
    expect(failed).toMatchObject({ status: 'failed', error_code: 'not_received_by_gateway' });

    const paid = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: parent.methodId });
    expect(paid.body.status).toBe('captured');
    expect((await simulatorPayments(h, order.body.gateway_order_id)).map((p) => p.status)).toEqual(['captured']);
  });

  it('when the capture times out but webhooks flow → the payment.captured event settles the unknown payment, once', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 52_000 });
    h.sim.configure({
      webhook: { url: `${h.url}/webhooks/razorpay`, secret: 'whsec_test_0000000001' },
      dropResponses: { path: /\/capture$/, count: 1, mode: 'reset' },
    });
    const first = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: parent.methodId });
    expect(first.status).toBe(503);
    await h.settle();
    h.sim.configure({ webhook: null });
    expect((await h.api('GET', `/v1/payments/${first.body.payment_id}`)).body).toMatchObject({
      status: 'captured',
      amount_captured: 52_000,
    });
    expect(await resolveUnknownPayments(deps, { now: clock.now() })).toMatchObject({ scanned: 0 });
    expect(await simulatorPayments(h, order.body.gateway_order_id)).toHaveLength(1);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });

  it("when an installment's charge times out after capture → the job waits instead of charging again, the resolver pays the installment", async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 60_000 });
    const plan = await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
      count: 2,
      first_due_at: clock.now().toISOString(),
    });
    expect(plan.status).toBe(201);
    h.sim.configure({ dropResponses: { path: /\/capture$/, count: 1 } });
    expect(await chargeDueInstallments(deps, { now: clock.now() })).toMatchObject({ processing: 1, paid: 0 });
    expect(await chargeDueInstallments(deps, { now: clock.now() })).toMatchObject({ processing: 1, paid: 0 });
    const first = plan.body.installments[0];
    const child = (await h.api('GET', `/v1/orders/${first.order_id}`)).body;
    expect(await simulatorPayments(h, child.gateway_order_id)).toHaveLength(1);

    expect(await resolveUnknownPayments(deps, { now: clock.now() })).toMatchObject({ resolved: 1 });
    const after = (await h.api('GET', `/v1/installment-plans/${plan.body.id}`)).body;
    expect(after.installments[0]).toMatchObject({ status: 'paid', attempts: 1 });
    expect(after.status).toBe('partially_paid');
    expect((await simulatorPayments(h, child.gateway_order_id)).map((p) => p.status)).toEqual(['captured']);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });
});
