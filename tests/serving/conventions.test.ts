import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../../serving/plugins/errors.js';
import { type Harness, seedParent, startHarness } from '../support/harness.js';

describe('HTTP conventions', () => {
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  beforeAll(async () => {
    h = await startHarness({ rateLimitPerMinute: 400 });
    parent = await seedParent(h);
  });
  afterAll(async () => h.close());

  it('when no key, an unknown key, or a key without the scope is sent → 401, 401, 403 as problem+json', async () => {
    const none = await h.app.inject({ method: 'GET', url: '/v1/payments' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(none.body)).toMatchObject({ status: 401, code: 'missing_api_key', title: 'Unauthorized' });
    const bad = await h.api('GET', '/v1/payments', undefined, { authorization: 'Bearer kosh_not_a_real_key' });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('invalid_api_key');
    const reader = await h.keyWith(['payments:read']);
    const forbidden = await h.api(
      'POST',
      '/v1/orders',
      { customer_id: parent.customerId, amount: 1000 },
      { authorization: `Bearer ${reader}` },
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('missing_scope');
    const allowed = await h.api('GET', '/v1/payments', undefined, { authorization: `Bearer ${reader}` });
    expect(allowed.status).toBe(200);
  });

  it('when a body is invalid → 400 naming every bad field, and nothing is written', async () => {
    const res = await h.api('POST', '/v1/orders', { customer_id: 'nope', amount: 12.5, extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['/customer_id', '/amount', '/extra']));
    expect(res.body.instance).toBe(res.headers['x-request-id']);
    const missing = await h.api('POST', '/v1/customers', { name: 'x' });
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toEqual(
      expect.arrayContaining(['/school_id', '/email', '/phone', '/state_code']),
    );
    const badQuery = await h.api('GET', '/v1/payments?limit=500');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.errors[0].field).toBe('/query/limit');
    const badJson = await h.api('POST', '/v1/orders', '{"customer_id":');
    expect(badJson.status).toBe(400);
    expect(badJson.body.code).toBe('invalid_json');
  });

  it('when a value is outside an enum → one error naming the field and every allowed value', async () => {
    const res = await h.api('GET', '/v1/payments?status=bogus');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors).toEqual([
      {
        field: '/query/status',
        code: 'invalid_enum',
        message: 'must be one of: "on_hold", "created", "unknown", "authorized", "captured", "failed"',
      },
    ]);
    const body = await h.api('POST', '/v1/subscription-plans', { interval: 'fortnight' });
    const interval = body.body.errors.filter((e: { field: string }) => e.field === '/interval');
    expect(interval).toHaveLength(1);
    expect(interval[0].code).toBe('invalid_enum');
  });

  it('when an unknown resource or route is asked for → 404 problem', async () => {
    const res = await h.api('GET', '/v1/payments/pay_DoesNotExist01');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('payment_not_found');
    expect((await h.api('GET', '/v1/nothing')).body.code).toBe('route_not_found');
  });

  it('when a list is paged with limit and starting_after → every item once, newest first, has_more on all but the last page', async () => {
    for (let i = 0; i < 7; i++) await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 1000 + i });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const res = await h.api('GET', `/v1/orders?limit=3${cursor === undefined ? '' : `&starting_after=${cursor}`}`);
      expect(res.status).toBe(200);
      pages++;
      seen.push(...res.body.data.map((o: { id: string }) => o.id));
      if (!res.body.has_more) break;
      cursor = res.body.data.at(-1).id;
    }
    expect(seen.length).toBe(new Set(seen).size);
    expect(seen.length).toBeGreaterThanOrEqual(7);
    expect(pages).toBe(Math.ceil(seen.length / 3));
    const bad = await h.api('GET', '/v1/orders?starting_after=ord_Missing0001');
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('/starting_after');
  });

  it('when payment methods are added, defaulted and deleted → one default at a time', async () => {
    const base = `/v1/customers/${parent.customerId}/payment-methods`;
    const upi = await h.api('POST', base, { type: 'upi', gateway_token: 'vpa', upi_vpa: 'asha.rao@okicici' });
    expect(upi.status).toBe(201);
    expect(upi.body).toMatchObject({ type: 'upi', upi_vpa_masked: 'as••••••@okicici', is_default: false });
    expect(JSON.stringify(upi.body)).not.toContain('asha.rao');
    const promoted = await h.api('PATCH', `${base}/${upi.body.id}`, { is_default: true });
    expect(promoted.body.is_default).toBe(true);
    let list = (await h.api('GET', base)).body.data;
    expect(list.filter((m: { is_default: boolean }) => m.is_default).map((m: { id: string }) => m.id)).toEqual([
      upi.body.id,
    ]);
    expect((await h.api('DELETE', `${base}/${upi.body.id}`)).status).toBe(200);
    list = (await h.api('GET', base)).body.data;
    expect(list.map((m: { id: string }) => m.id)).not.toContain(upi.body.id);
    expect(list.filter((m: { is_default: boolean }) => m.is_default)).toHaveLength(1);
    const incomplete = await h.api('POST', base, { type: 'card', gateway_token: 'token_abc' });
    expect(incomplete.status).toBe(422);
    expect(incomplete.body.errors.map((e: { field: string }) => e.field)).toContain('/card_last4');
  });

  it('when health, readiness, OpenAPI and docs are asked for → they answer', async () => {
    expect((await h.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', pid: process.pid });
    expect((await h.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', pending_migrations: 0 });
    const spec = (await h.app.inject({ url: '/openapi.json' })).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/payments',
        '/v1/refunds',
        '/v1/orders',
        '/v1/customers/{id}/payment-methods',
        '/v1/ledger/balances',
        '/v1/webhook-events',
      ]),
    );
    expect(spec.paths['/v1/payments'].post.responses['201']).toBeDefined();
    expect((await h.app.inject({ url: '/docs/' })).statusCode).toBeLessThan(400);
  });

  it('when any response leaves → it carries security headers and a request id', async () => {
    const res = await h.app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-request-id']).toBe('trace-123');
  });

  it('when one key exceeds its rate → 429 problem, while another key is unaffected', async () => {
    const hot = await h.keyWith(['payments:read']);
    let limited: { status: number; body: any } | undefined;
    for (let i = 0; i < 420 && limited === undefined; i++) {
      const res = await h.api('GET', '/v1/schools?limit=1', undefined, { authorization: `Bearer ${hot}` });
      if (res.status === 429) limited = res;
    }
    expect(limited?.body.code).toBe('rate_limited');
    expect((await h.api('GET', '/v1/schools?limit=1')).status).toBe(200);
  });

  it('when requests have been logged → no API key, email, phone or signature appears in any line', async () => {
    await h.api('GET', '/v1/customers?limit=5');
    const logs = h.logs.join('');
    expect(logs).toContain('"route":"/v1/customers"');
    for (const secret of [h.adminKey, 'asha@example.in', '+919876543210', 'Bearer '])
      expect(logs).not.toContain(secret);
  });

  it('when a handler fails unexpectedly → 500 problem that leaks nothing', async () => {
    const app = Fastify();
    registerErrorHandling(app);
    app.get('/boom', async () => {
      throw new Error('connection string postgres://admin:hunter2@db');
    });
    const res = await app.inject({ url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ status: 500, code: 'internal_error', title: 'Internal Server Error' });
    expect(res.body).not.toContain('hunter2');
    expect(res.json().detail).toBeUndefined();
  });
});
