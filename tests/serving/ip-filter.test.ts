import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../../serving/plugins/errors.js';
import { ipFilter } from '../../serving/plugins/ip-filter.js';

describe('IP allow and deny lists', () => {
  async function appWith(options: { allow?: string[]; deny?: string[] }) {
    const app = Fastify();
    registerErrorHandling(app);
    app.post('/webhooks/razorpay', { onRequest: ipFilter(options) }, async () => ({ ok: true }));
    return app;
  }

  it('when an allow list is set → only addresses inside it get in, IPv4-mapped IPv6 included', async () => {
    const app = await appWith({ allow: ['52.66.0.0/16', '13.232.125.0/24'] });
    expect(
      (await app.inject({ method: 'POST', url: '/webhooks/razorpay', remoteAddress: '52.66.10.1' })).statusCode,
    ).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: '/webhooks/razorpay', remoteAddress: '::ffff:13.232.125.9' }))
        .statusCode,
    ).toBe(200);
    const outside = await app.inject({ method: 'POST', url: '/webhooks/razorpay', remoteAddress: '10.1.2.3' });
    expect(outside.statusCode).toBe(403);
    expect(outside.json().code).toBe('ip_not_allowed');
  });

  it('when a deny list is set → those addresses are refused and others pass', async () => {
    const app = await appWith({ deny: ['203.0.113.0/24'] });
    expect(
      (await app.inject({ method: 'POST', url: '/webhooks/razorpay', remoteAddress: '203.0.113.7' })).statusCode,
    ).toBe(403);
    expect(
      (await app.inject({ method: 'POST', url: '/webhooks/razorpay', remoteAddress: '198.51.100.7' })).statusCode,
    ).toBe(200);
  });
});
