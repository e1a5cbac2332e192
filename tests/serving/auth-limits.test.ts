import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

describe('limits an attacker cannot walk around', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rateLimitPerMinute: 30, requestTimeoutMs: 1_000 });
  });
  afterAll(async () => h.close());

  it('when one key is sent with its header spelt 60 ways → one bucket: 30 pass, the rest 429', async () => {
    const spellings = [
      `Bearer ${h.adminKey}`,
      `bearer ${h.adminKey}`,
      `Bearer   ${h.adminKey}`,
      ` Bearer ${h.adminKey} `,
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await h.app.inject({
        url: '/v1/orders',
        headers: { authorization: spellings[i % spellings.length] },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
  });

  it('when random keys are guessed from one address → 20 are looked up, then 429 with Retry-After for every guess, API and dashboard', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await h.app.inject({
        url: '/v1/customers',
        headers: { authorization: `Bearer kosh_guess_${i}_${Math.random().toString(36).slice(2)}` },
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(20).fill(429));
    const signIn = await h.app.inject({
      method: 'POST',
      url: '/dashboard/session',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      payload: { api_key: 'kosh_guess_dashboard' },
    });
    expect(signIn.statusCode).toBe(429);
    expect(signIn.json()).toMatchObject({ code: 'too_many_failed_authentications' });
  });

  it('when 20 clients upload a webhook body slowly → each is cut off with 408 once the request timeout passes', async () => {
    const { hostname, port } = new URL(h.url);
    const slowUpload = () =>
      new Promise<{ answer: string; ms: number }>((resolve, reject) => {
        const started = Date.now();
        let answer = '';
        const socket = connect(Number(port), hostname, () => {
          socket.write(
            'POST /webhooks/razorpay HTTP/1.1\r\nHost: kosh\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"ev',
          );
          // A byte every 200 ms keeps the socket busy, as a slow-upload attack does: only the request timeout ends it.
          const drip = setInterval(() => socket.write(' '), 200);
          socket.on('close', () => clearInterval(drip));
        });
        socket.on('data', (d) => {
          answer += String(d);
        });
        socket.on('close', () => resolve({ answer, ms: Date.now() - started }));
        socket.on('error', reject);
        setTimeout(() => {
          socket.destroy();
          reject(new Error('still open after 10 s'));
        }, 10_000);
      });
    const results = await Promise.all(Array.from({ length: 20 }, slowUpload));
    for (const r of results) {
      expect(r.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(r.answer).toContain('Content-Type: application/problem+json');
      expect(JSON.parse(r.answer.slice(r.answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
        status: 408,
        code: 'request_timeout',
      });
      expect(r.ms).toBeLessThan(5_000); // 1 s timeout, checked every 250 ms
    }
  });
});
