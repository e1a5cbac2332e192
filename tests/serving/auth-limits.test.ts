import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

describe('limits an attacker cannot walk around', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rateLimitPerMinute: 30 });
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
});
