import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { type App, buildApp } from '../../serving/app.js';
import { DASHBOARD_SESSION_TTL_MS } from '../../serving/routes/dashboard.js';
import { type Harness, startHarness } from '../support/harness.js';

/**
 * One harness; a second app (`other`) on its database stands for a second kosh process: it shares nothing with the
 * first but PostgreSQL. Limits count in fixed one-minute windows of the injected clock, so each test starts a new one.
 */
describe('limits an attacker cannot walk around', () => {
  let h: Harness;
  let other: App;
  const clock = fixedClock(new Date('2026-03-02T10:00:00Z'));
  const nextMinute = () => clock.advance(60_000);
  /** A new hour: lockouts of earlier tests no longer halve what a client may fail (the limiter's backoff). */
  const nextHour = () => clock.advance(3_600_000);
  beforeAll(async () => {
    h = await startHarness({ rateLimitPerMinute: 30, requestTimeoutMs: 1_000, clock });
    other = await buildApp({
      db: h.db,
      clock,
      gateway: h.gateway,
      log: createLog({ level: 'silent' }),
      inbox: h.inbox,
      config: { webhookSecrets: [], webhookAllowCidrs: [], denyCidrs: [], rateLimitPerMinute: 30 },
    });
  });
  afterAll(async () => {
    await other?.close();
    await h.close();
  });
  const apps = () => [h.app, other] as const;
  const signIn = (app: App, apiKey: string) =>
    app.inject({
      method: 'POST',
      remoteAddress: '10.0.0.3',
      url: '/dashboard/session',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      payload: { api_key: apiKey },
    });
  /** Whether `cookie` opens the dashboard page (the sign-in form has a password field for the key). */
  const opens = async (app: App, cookie: string) => {
    const res = await app.inject({ url: '/dashboard', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    return !res.body.includes('name="api_key"');
  };

  it('when one key is sent with its header spelt 60 ways → one bucket: 30 pass, the rest 429', async () => {
    nextMinute();
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
    nextHour();
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

  it('when dunning link tokens are guessed from one address → 20 are looked up, then 429 for every guess; failures and refusals show in /metrics', async () => {
    nextHour();
    const metric = async (name: string) => {
      const text = (await h.app.inject({ url: '/metrics' })).body;
      return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    };
    const [failedBefore, refusedBefore] = [
      await metric('kosh_auth_failures_total'),
      await metric('kosh_auth_refused_total'),
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await h.app.inject({
        remoteAddress: '10.0.0.7',
        url: `/billing/update-method/guess${String(i).padStart(39, '0')}`,
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([...Array(20).fill(404), ...Array(5).fill(429)]);
    const posted = await h.app.inject({
      method: 'POST',
      remoteAddress: '10.0.0.7',
      url: '/billing/update-method/guess',
      payload: { payment_method_id: 'pm_guess' },
    });
    expect(posted.json()).toMatchObject({ status: 429, code: 'too_many_failed_authentications' });
    expect(await metric('kosh_auth_failures_total')).toBe(failedBefore + 20);
    expect(await metric('kosh_auth_refused_total')).toBe(refusedBefore + 6);
  });

  it('when one key sends 60 requests at once through two processes → at most 30 pass in all (not 60), the rest 429; a new minute opens again', async () => {
    nextMinute();
    // /healthz needs no key and no query of its own, so only the limit's count touches the database.
    const secret = 'kosh_two_processes_key';
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        apps()[i % 2]?.inject({ url: '/healthz', headers: { authorization: `Bearer ${secret}` } }),
      ),
    );
    const statuses = answers.map((r) => r?.statusCode);
    // Never more than the limit in all; a place one process reserved and did not use may refuse a request early.
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeLessThanOrEqual(30);
    expect(ok).toBeGreaterThanOrEqual(24);
    expect(statuses.filter((s) => s === 429)).toHaveLength(60 - ok);
    // Each passing request holds its own place in the window's shared count, whichever process served it.
    const places = answers.filter((r) => r?.statusCode === 200).map((r) => Number(r?.headers['x-ratelimit-remaining']));
    expect(new Set(places).size).toBe(ok);
    nextMinute();
    const fresh = await other.inject({ url: '/healthz', headers: { authorization: `Bearer ${secret}` } });
    expect(fresh.statusCode).toBe(200);
  });

  it('when an address is locked out again and again within the hour → each lockout halves what it may fail: 20, 10, 5, 2, 1 a minute', async () => {
    nextHour();
    const looked: number[] = [];
    for (let minute = 0; minute < 6; minute++) {
      let answered401 = 0;
      for (let i = 0; i < 25; i++) {
        const res = await h.app.inject({
          url: '/v1/customers',
          remoteAddress: '10.0.0.9',
          headers: { authorization: `Bearer kosh_backoff_${minute}_${i}` },
        });
        if (res.statusCode === 401) answered401++;
        else expect(res.statusCode).toBe(429);
      }
      looked.push(answered401);
      nextMinute();
    }
    expect(looked).toEqual([20, 10, 5, 2, 1, 1]);
    // Another address is not slowed by this one's lockouts.
    const other401 = await h.app.inject({
      url: '/v1/customers',
      remoteAddress: '10.0.0.10',
      headers: { authorization: 'Bearer kosh_x' },
    });
    expect(other401.statusCode).toBe(401);
  });

  it('when keys are guessed alternately on two processes → 21 are looked up in all (20 + one for the second process), not 40', async () => {
    nextHour();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await apps()[i % 2]?.inject({
        url: '/v1/customers',
        remoteAddress: '10.0.0.2',
        headers: { authorization: `Bearer kosh_guess_two_${i}` },
      });
      statuses.push(res?.statusCode ?? 0);
    }
    expect(statuses.slice(0, 21)).toEqual(Array(21).fill(401));
    expect(statuses.slice(21)).toEqual(Array(19).fill(429));
  });

  it('when a dashboard signs in on one process → the other serves it; only a hash is stored; sign-out on either ends it', async () => {
    nextMinute();
    const res = await signIn(h.app, h.adminKey);
    expect(res.statusCode).toBe(201);
    const cookie = String(res.headers['set-cookie']).split(';')[0] as string;
    const id = cookie.split('=')[1] as string;
    expect(await opens(other, cookie)).toBe(true);
    expect(await opens(h.app, cookie)).toBe(true);
    const stored = await h.db.all<{ id_hash: string }>('SELECT id_hash FROM dashboard_sessions');
    expect(stored.map((r) => r.id_hash)).toContain(createHash('sha256').update(id).digest('hex'));
    expect(stored.map((r) => r.id_hash)).not.toContain(id);
    const out = await other.inject({ method: 'DELETE', url: '/dashboard/session', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(await opens(h.app, cookie)).toBe(false);
  });

  it('when a session reaches its expiry on the injected clock → every process refuses it, and the purge job deletes it', async () => {
    nextMinute();
    const cookie = String((await signIn(other, h.adminKey)).headers['set-cookie']).split(';')[0] as string;
    clock.advance(DASHBOARD_SESSION_TTL_MS - 1_000);
    expect(await opens(h.app, cookie)).toBe(true);
    clock.advance(1_000);
    expect(await opens(h.app, cookie)).toBe(false);
    expect(await opens(other, cookie)).toBe(false);
    const run = await h.api('POST', '/v1/jobs/purge-expired-keys/runs');
    expect(run.status).toBe(201);
    expect(run.body.summary).toMatchObject({ dashboard_sessions: 1 });
    expect(run.body.summary.rate_windows).toBeGreaterThan(0);
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

  it('when a client connects and then sends nothing → the connection timeout closes it (the request timeout never starts)', async () => {
    const silentApp = await buildApp({
      db: h.db,
      clock,
      gateway: h.gateway,
      log: createLog({ level: 'silent' }),
      inbox: h.inbox,
      config: {
        webhookSecrets: [],
        webhookAllowCidrs: [],
        denyCidrs: [],
        rateLimitPerMinute: 30,
        requestTimeoutMs: 60_000,
        connectionTimeoutMs: 300,
      },
    });
    try {
      await silentApp.listen({ port: 0, host: '127.0.0.1' });
      const { port } = silentApp.server.address() as { port: number };
      const ms = await new Promise<number>((resolve, reject) => {
        const started = Date.now();
        const socket = connect(port, '127.0.0.1');
        socket.on('close', () => resolve(Date.now() - started));
        socket.on('error', () => undefined);
        setTimeout(() => {
          socket.destroy();
          reject(new Error('still open after 10 s'));
        }, 10_000);
      });
      expect(ms).toBeGreaterThanOrEqual(250);
      expect(ms).toBeLessThan(5_000);
    } finally {
      await silentApp.close();
    }
  });
});
