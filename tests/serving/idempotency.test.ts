import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.js';
import { type Harness, seedParent, startHarness } from '../support/harness.js';

describe('Idempotency-Key (Stripe semantics)', () => {
  const clock = fixedClock(new Date('2026-06-01T04:30:00Z'));
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  beforeAll(async () => {
    h = await startHarness({ clock });
    parent = await seedParent(h);
  });
  afterAll(async () => h.close());

  it('when the same key and body are sent again → the first response is replayed and nothing is created twice', async () => {
    const body = { customer_id: parent.customerId, amount: 5_000 };
    const first = await h.api('POST', '/v1/orders', body, { 'idempotency-key': 'order-1' });
    const second = await h.api('POST', '/v1/orders', body, { 'idempotency-key': 'order-1' });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const count = await h.db.one<{ n: number }>(
      'SELECT count(*)::BIGINT AS n FROM orders WHERE customer_id = $c AND amount_minor = 5000',
      { c: parent.customerId },
    );
    expect(count?.n).toBe(1);
  });

  it('when the first answer was an error → the error is replayed too', async () => {
    const body = { customer_id: 'cus_DoesNotExist1', amount: 5_000 };
    const first = await h.api('POST', '/v1/orders', body, { 'idempotency-key': 'order-err' });
    const second = await h.api('POST', '/v1/orders', body, { 'idempotency-key': 'order-err' });
    expect(first.status).toBe(422);
    expect(second.status).toBe(422);
    expect(second.body).toEqual(first.body);
  });

  it('when the same key comes with a different body → 422 idempotency_key_reused and nothing happens', async () => {
    await h.api(
      'POST',
      '/v1/orders',
      { customer_id: parent.customerId, amount: 6_000 },
      { 'idempotency-key': 'order-2' },
    );
    const reused = await h.api(
      'POST',
      '/v1/orders',
      { customer_id: parent.customerId, amount: 7_000 },
      { 'idempotency-key': 'order-2' },
    );
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
    const count = await h.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM orders WHERE amount_minor = 7000');
    expect(count?.n).toBe(0);
  });

  it('when the first request is still running → 409 idempotency_key_in_use', async () => {
    h.sim.configure({ latencyMs: 400 });
    try {
      const body = { customer_id: parent.customerId, amount: 8_000 };
      const first = h.api('POST', '/v1/orders', body, { 'idempotency-key': 'order-slow' });
      await new Promise((r) => setTimeout(r, 100));
      const second = await h.api('POST', '/v1/orders', body, { 'idempotency-key': 'order-slow' });
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('idempotency_key_in_use');
      expect((await first).status).toBe(201);
    } finally {
      h.sim.configure({ latencyMs: 0 });
    }
  });

  it('when a key is 23 h old → it still replays; after 24 h it may be used afresh', async () => {
    const body = { customer_id: parent.customerId, amount: 9_000 };
    const first = await h.api('POST', '/v1/orders', body, { 'idempotency-key': 'order-ttl' });
    clock.advance(23 * 3600_000);
    const replay = await h.api('POST', '/v1/orders', body, { 'idempotency-key': 'order-ttl' });
    expect(replay.body.id).toBe(first.body.id);
    clock.advance(2 * 3600_000);
    const fresh = await h.api('POST', '/v1/orders', body, { 'idempotency-key': 'order-ttl' });
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(first.body.id);
  });

  it('when keys belong to different API keys → they do not collide', async () => {
    const other = await h.keyWith(['payments:write']);
    const body = { customer_id: parent.customerId, amount: 9_500 };
    const a = await h.api('POST', '/v1/orders', body, { 'idempotency-key': 'shared' });
    const b = await h.api('POST', '/v1/orders', body, {
      'idempotency-key': 'shared',
      authorization: `Bearer ${other}`,
    });
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('when a payment request is retried with its key → one charge at the gateway', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 11_000 });
    const body = { order_id: order.body.id, payment_method_id: parent.methodId };
    const results = await Promise.all(
      [1, 2, 3].map(() => h.api('POST', '/v1/payments', body, { 'idempotency-key': 'pay-once' })),
    );
    const created = results.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.status !== 201).every((r) => r.body.code === 'idempotency_key_in_use')).toBe(true);
    const count = await h.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM payments WHERE order_id = $o', {
      o: order.body.id,
    });
    expect(count?.n).toBe(1);
  });
});
