import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, seedParent, startHarness } from '../support/harness.js';

describe('input no route can use: numbers that are not finite, NUL characters, overlong paths, unknown methods', () => {
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

  it('when a text field holds a NUL (\\u0000) → 400 nul_character naming it, nothing written (was a 500 from PostgreSQL)', async () => {
    const res = await h.api('POST', '/v1/invoice-templates', { name: 'Plain', header_text: 'a\u0000b' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'nul_character', errors: [{ field: '/header_text' }] });
    // an escaped backslash followed by "u0000" is ordinary text
    const text = await h.api(
      'POST',
      '/v1/orders',
      `{"customer_id":"${parent.customerId}","amount":100,"description":"\\\\u0000"}`,
    );
    expect(text.status).toBe(201);
    expect(text.body.description).toBe('\\u0000');
  });

  it("when a path segment is longer than any id → 414 problem+json naming the path (was Fastify's own JSON)", async () => {
    const res = await h.api('POST', `/v1/orders/${'x'.repeat(300)}/cancel`, {});
    expect(res.status).toBe(414);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 414, code: 'path_too_long', errors: [{ field: '/path' }] });
  });

  it("when a payment names a method that is not the customer's → 422 unknown_payment_method and no fraud decision is logged", async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 50_000 });
    await h.fraudScorer?.decisions.flush();
    const decisions = await h.db.one('SELECT count(*)::INTEGER AS n FROM fraud_decisions');
    const res = await h.api('POST', '/v1/payments', {
      order_id: order.body.id,
      payment_method_id: 'pm_NotThisCustomers1',
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('unknown_payment_method');
    await h.fraudScorer?.decisions.flush();
    expect(await h.db.one('SELECT count(*)::INTEGER AS n FROM fraud_decisions')).toEqual(decisions);
  });
});
