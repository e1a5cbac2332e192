import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedParent, startHarness } from '../support/harness.js';

describe('numbers that are not finite', () => {
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  beforeAll(async () => {
    h = await startHarness({ fraudScoring: true });
    parent = await seedParent(h);
  });
  afterAll(async () => h.close());

  it('when an amount is "Infinity" or "1e400" → 400 number_not_finite naming the field, and nothing is written or decided', async () => {
    const orders = await h.db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM orders');
    const decisions = await h.db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM fraud_decisions');
    for (const amount of ['Infinity', '-Infinity', '1e400']) {
      for (const [url, body] of [
        ['/v1/orders', { customer_id: parent.customerId, amount }],
        ['/v1/fraud/score', { customer_id: parent.customerId, amount, currency: 'INR', method: 'upi' }],
      ] as const) {
        const res = await h.api('POST', url, body);
        expect(res.status, `${url} ${amount}`).toBeLessThan(500);
        expect(res.status, `${url} ${amount}`).toBe(400);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain('/amount');
      }
    }
    expect(await h.db.one('SELECT count(*)::INTEGER AS n FROM orders')).toEqual(orders);
    expect(await h.db.one('SELECT count(*)::INTEGER AS n FROM fraud_decisions')).toEqual(decisions);
    // A finite amount still goes through.
    expect((await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: '12345' })).status).toBe(201);
  });
});
