import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';
import { getBalances } from '../../payments-core/ledger/get-balances.js';
import { openDb } from '../../platform/db.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';
import { KEY_ID, KEY_SECRET } from '../support/harness.js';
import { billingDatabase, childApi, exited, seedParentVia, serveChild, serverUp } from '../support/kosh-child.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ADMIN_KEY = 'kosh_test_admin_key_workers_000001';

type Answer = { status: number; body: Record<string, unknown> };

/** One request on a connection of its own (no keep-alive): a cluster hands each connection to the next worker. */
function fresh(
  base: string,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 60_000,
) {
  return new Promise<Answer>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      `${base}${url}`,
      {
        method,
        agent: false,
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    // A worker killed mid-answer must fail the request, not leave it waiting.
    req.on('response', (res) => res.on('aborted', () => reject(new Error('ECONNRESET: answer cut'))));
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.end(payload);
  });
}

/** `kosh serve --workers N` with the built-in simulator (in the primary), on a test database; its output collected. */
function serveWorkers(dataDir: string, databaseUrl: string, workers: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bin/kosh.ts'), 'serve', '--workers', String(workers)],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        KOSH_DATA_DIR: dataDir,
        KOSH_DATABASE_URL: databaseUrl,
        PORT: '0',
        HOST: '127.0.0.1',
        KOSH_DEMO: '0',
        KOSH_ADMIN_KEY: ADMIN_KEY,
        // The built-in simulator, with the test's key pair so the test can tokenise a card at it.
        KOSH_GATEWAY: 'simulator',
        RAZORPAY_KEY_ID: KEY_ID,
        RAZORPAY_KEY_SECRET: KEY_SECRET,
        KOSH_FRAUD_SCORING: 'false',
        KOSH_RATE_LIMIT_PER_MINUTE: '1000000',
        // A key held by a worker killed mid-request is free for the client's retry after this.
        KOSH_IDEMPOTENCY_LOCK_SECONDS: '2',
        LOG_LEVEL: process.env['WORKERS_TEST_LOG'] ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The banner and the signal lines go to stderr, log lines to stdout.
  let out = '';
  const collect = (c: Buffer) => {
    out += c.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const waitFor = async (text: string | RegExp, timeoutMs = 240_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = typeof text === 'string' ? (out.includes(text) ? [text] : null) : text.exec(out);
      if (m !== null) return m[1] ?? m[0] ?? '';
      if (child.exitCode !== null) throw new Error(`kosh exited ${child.exitCode}:\n${out}`);
      if (Date.now() > deadline) throw new Error(`no "${String(text)}" in:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, waitFor, out: () => out };
}

const t0 = Date.now();
/** Where the long cluster test is, on stderr (a timeout then says which step was slow). */
const progress = (step: string) =>
  process.stderr.write(`workers.test: ${step} at ${Math.round((Date.now() - t0) / 1000)} s\n`);

/** The pids answering /healthz over fresh connections. */
async function pidsAnswering(base: string, tries = 8): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < tries; i++) pids.add(Number((await fresh(base, 'GET', '/healthz')).body['pid']));
  return pids;
}

describe('kosh serve --workers 2', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kosh-workers-'));
  let served: ReturnType<typeof serveWorkers> | null = null;
  let databaseUrl: string | null = null;
  afterAll(async () => {
    if (served !== null && served.child.exitCode === null) {
      served.child.kill('SIGKILL');
      await exited(served.child);
    }
    if (databaseUrl !== null) await dropTestDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when two workers serve one port → both answer, share one simulator, a rolling restart loses no request, and a worker killed -9 is replaced with no wrong answer', async () => {
    databaseUrl = await createTestDatabase();
    served = serveWorkers(dataDir, databaseUrl, 2);
    const base = await served.waitFor(/kosh is serving on (http:\/\/\S+)/);
    progress('serving');
    const simUrl = await served.waitFor(/built-in Razorpay simulator at (http:\/\/\S+)/);
    const before = await pidsAnswering(base);
    expect(before.size).toBe(2);
    expect(before.has(served.child.pid ?? 0)).toBe(false);

    // A payment made through one worker is refunded through the other: one simulator knows it.
    const api = childApi({ url: base, key: ADMIN_KEY });
    const sim = { url: simUrl } as RazorpaySimulator;
    const parent = await seedParentVia(api, sim);
    const order = await fresh(base, 'POST', '/v1/orders', { customer_id: parent.customerId, amount: 45_000 });
    const payment = await fresh(base, 'POST', '/v1/payments', {
      order_id: order.body['id'],
      payment_method_id: parent.methodId,
    });
    expect(payment.body['status']).toBe('captured');
    const refund = await fresh(base, 'POST', '/v1/refunds', { payment_id: payment.body['id'], amount: 5_000 });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);

    // Clients keep asking, on kept-alive and on fresh connections, while SIGHUP replaces both workers.
    let stop = false;
    const answers: number[] = [];
    const errors: string[] = [];
    const loop = async (send: () => Promise<number>) => {
      while (!stop)
        await send().then(
          (s) => answers.push(s),
          (err: Error) => errors.push(`${err.message} ${(err.cause as Error | undefined)?.message ?? ''}`),
        );
    };
    let n = 0;
    const kept = () =>
      api(
        'POST',
        '/v1/orders',
        { customer_id: parent.customerId, amount: 1_000 + n++ },
        {
          'idempotency-key': `rolling-${n}`,
        },
      ).then((r) => r.status);
    const keptRead = () => api('GET', `/v1/payments/${payment.body['id']}`).then((r) => r.status);
    const freshRead = () => fresh(base, 'GET', `/v1/payments/${payment.body['id']}`).then((r) => r.status);
    const loops = [loop(kept), loop(keptRead), loop(freshRead)];
    served.child.kill('SIGHUP');
    await served.waitFor('rolling restart done', 240_000);
    progress('rolling restart done');
    stop = true;
    await Promise.all(loops);
    expect(errors).toEqual([]);
    expect(answers.filter((s) => s >= 500)).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
    const after = await pidsAnswering(base);
    expect(after.size).toBe(2);
    expect([...after].filter((pid) => before.has(pid))).toEqual([]);

    // kill -9 one worker while clients write and read on fresh connections: the primary starts another in its slot.
    // A request in flight on the dead worker fails as a connection error; every answer is whole and right.
    const victim = [...after][0] as number;
    const KILL_TIMEOUT_MS = 10_000;
    const writes = new Map<string, { amount: number; status: number; id: unknown }>();
    const failures: string[] = [];
    const reads: number[] = [];
    let m = 0;
    let replaced = false;
    let afterReplaced = 0;
    stop = false;
    const asFailure = (key: string) => (err: Error) => {
      failures.push(`${key}: ${err.message}`);
      return { status: 0, body: {} } as Answer;
    };
    const killLoop = async (send: () => Promise<void>) => {
      while (!stop) {
        await send();
        if (replaced && ++afterReplaced >= 20) stop = true;
      }
    };
    const writeFresh = async () => {
      const key = `kill-${m}`;
      const amount = 2_000 + m++;
      const res = await fresh(
        base,
        'POST',
        '/v1/orders',
        { customer_id: parent.customerId, amount },
        { 'idempotency-key': key },
        KILL_TIMEOUT_MS,
      ).catch(asFailure(key));
      writes.set(key, { amount, status: res.status, id: res.body['id'] });
    };
    const readFresh = async () => {
      const res = await fresh(base, 'GET', `/v1/payments/${payment.body['id']}`, undefined, {}, KILL_TIMEOUT_MS).catch(
        asFailure('read'),
      );
      if (res.status !== 0) reads.push(res.status);
    };
    const killLoops = [killLoop(writeFresh), killLoop(writeFresh), killLoop(readFresh)];
    while (writes.size < 10) await new Promise((r) => setTimeout(r, 20));
    process.kill(victim, 'SIGKILL');
    progress('worker killed');
    await served.waitFor('kosh worker died');
    for (let i = 0; ; i++) {
      const now = await pidsAnswering(base, 4).catch(() => new Set<number>());
      if (now.size === 2 && !now.has(victim)) break;
      if (i > 600) throw new Error(`no replacement worker: ${[...now].join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    replaced = true;
    progress('replacement answering');
    await Promise.all(killLoops);
    progress(`${writes.size} writes, ${reads.length} reads, ${failures.length} connection errors`);
    // Only connection errors, never a 5xx or a wrong answer. A connection the primary was handing to the worker as it
    // died gets no answer and no reset (node:cluster loses the handle): the client's timeout ends it.
    expect(failures.filter((f) => !/ECONNRESET|socket hang up|ECONNREFUSED|EPIPE|client timeout/.test(f))).toEqual([]);
    expect(reads.filter((s) => s !== 200)).toEqual([]);
    expect([...writes.values()].filter((w) => w.status !== 0 && w.status !== 201)).toEqual([]);
    // Every acknowledged order reads back as written; one that got no answer is found by its retry, once.
    const ids = new Set<unknown>();
    for (const [key, w] of writes) {
      let res: Answer;
      if (w.status === 201) {
        res = await fresh(base, 'GET', `/v1/orders/${String(w.id)}`);
        expect(res.status).toBe(200);
      } else {
        for (let i = 0; ; i++) {
          res = await fresh(
            base,
            'POST',
            '/v1/orders',
            { customer_id: parent.customerId, amount: w.amount },
            {
              'idempotency-key': key,
            },
          );
          if (!(res.status === 409 && res.body['code'] === 'idempotency_key_in_use')) break;
          if (i > 100) throw new Error(`${key} stays held`);
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(res.status).toBe(201);
      }
      expect(res.body['amount']).toBe(w.amount);
      ids.add(res.body['id']);
    }
    expect(ids.size).toBe(writes.size);
    expect(writes.size).toBeGreaterThan(30);

    // SIGTERM to the primary: the workers drain and stop, then the primary; the port closes.
    served.child.kill('SIGTERM');
    await exited(served.child);
    expect(served.child.exitCode).toBe(0);
    expect(served.out()).toContain('kosh stopped');
    await expect(fresh(base, 'GET', '/healthz')).rejects.toThrow();
  }, 600_000);
});

/**
 * A loopback round-robin HTTP proxy over `backends` (the caller may take one out), as a load balancer: each request
 * to the next one; a request the backend does not answer (it died) gets a 502: the client cannot know whether it
 * happened.
 */
function roundRobinProxy(backends: string[]): Promise<{ url: string; server: HttpServer }> {
  let next = 0;
  const server = createHttpServer((req, res) => {
    const target = new URL(req.url ?? '/', backends[next++ % backends.length]);
    const upstream = httpRequest(target, { method: req.method, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"proxy":"backend failed"}');
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ url: `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`, server });
    }),
  );
}

/**
 * Three `kosh serve` processes on one PostgreSQL behind a round-robin proxy, as several machines behind a load
 * balancer: a mixed write load, one process SIGKILLed in the middle of it, the clients retrying what was not answered
 * with the same Idempotency-Key (as a client must).
 */
describe('three kosh processes behind a load balancer, one killed -9 mid-load', () => {
  const SUBSCRIPTIONS = 40;
  const ORDERS = 24;
  const dirs = [0, 1, 2].map((i) => mkdtempSync(path.join(tmpdir(), `kosh-three-${i}-`)));
  const children: ChildProcess[] = [];
  let sim: RazorpaySimulator | null = null;
  let proxy: HttpServer | null = null;
  let databaseUrl: string | null = null;
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    proxy?.close();
    await sim?.close();
    if (databaseUrl !== null) await dropTestDatabase(databaseUrl);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('when one process dies under load → every acknowledged write is readable, the ledger balances and equals the gateway, no charge doubles, no job runs twice in a tick', async () => {
    sim = await startRazorpaySimulator({ keyId: KEY_ID, keySecret: KEY_SECRET, seed: 17 });
    const url = await billingDatabase(sim, SUBSCRIPTIONS);
    databaseUrl = url;

    const env = {
      KOSH_ADMIN_KEY: ADMIN_KEY,
      KOSH_SCHEDULE_BILLING_RUN: 'off',
      // A job every 2 seconds on all three schedulers: each tick must run once across them.
      KOSH_SCHEDULE_EVALUATE_ALERTS: '*/2 * * * * *',
      // A key held by the killed process is free for a retry after this.
      KOSH_IDEMPOTENCY_LOCK_SECONDS: '2',
      KOSH_RATE_LIMIT_PER_MINUTE: '1000000',
    };
    for (const dir of dirs) children.push(serveChild(dir, url, sim, env));
    const servers = await Promise.all(children.map((child, i) => serverUp(dirs[i] as string, child)));
    const backends = servers.map((s) => s.url);
    const lb = await roundRobinProxy(backends);
    proxy = lb.server;
    const api = childApi({ url: lb.url, key: ADMIN_KEY });
    const parent = await seedParentVia(api, sim);

    // A write, retried with its Idempotency-Key until a process answers it (not 5xx, not a key still held).
    const unanswered: string[] = [];
    const write = async (key: string, route: string, body: unknown): Promise<Answer> => {
      for (let attempt = 0; ; attempt++) {
        const res: Answer = await api('POST', route, body, { 'idempotency-key': key }).catch((err: Error) => ({
          status: 0,
          body: { error: err.message },
        }));
        const held = res.status === 409 && res.body['code'] === 'idempotency_key_in_use';
        if (res.status !== 0 && res.status < 500 && !held) return res;
        if (attempt === 0) unanswered.push(`${key}: ${res.status}`);
        if (attempt > 100) throw new Error(`${key} never answered: ${JSON.stringify(res.body)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const acknowledged: { route: string; id: string; status: unknown }[] = [];
    let paid = 0;
    let killed: Promise<void> | null = null;
    const lane = async (from: number) => {
      for (let i = from; i < ORDERS; i += 3) {
        const order = await write(`order-${i}`, '/v1/orders', { customer_id: parent.customerId, amount: 60_000 + i });
        expect(order.status).toBe(201);
        acknowledged.push({ route: '/v1/orders', id: String(order.body['id']), status: order.body['status'] });
        const payment = await write(`pay-${i}`, '/v1/payments', {
          order_id: order.body['id'],
          payment_method_id: parent.methodId,
        });
        expect(payment.status, JSON.stringify(payment.body)).toBe(201);
        acknowledged.push({ route: '/v1/payments', id: String(payment.body['id']), status: payment.body['status'] });
        // Mid-load: the third process dies with requests in flight.
        if (++paid === 6) {
          children[2]?.kill('SIGKILL');
          killed = exited(children[2] as ChildProcess);
        }
        if (i % 2 === 0) {
          const refund = await write(`refund-${i}`, '/v1/refunds', { payment_id: payment.body['id'], amount: 20_000 });
          expect(refund.status, JSON.stringify(refund.body)).toBe(201);
          acknowledged.push({ route: '/v1/refunds', id: String(refund.body['id']), status: refund.body['status'] });
        }
      }
    };
    // The billing run goes to the first process (a billing run killed mid-way is billing-kill.test.ts's subject).
    const billing = childApi({ url: servers[0]?.url ?? '', key: ADMIN_KEY })('POST', '/v1/billing/runs');
    await Promise.all([lane(0), lane(1), lane(2), billing.then((r) => expect(r.status).toBe(200))]);
    await killed;
    expect(children[2]?.signalCode).toBe('SIGKILL');
    // The load balancer's health check takes the dead process out.
    backends.splice(2, 1);

    // Every acknowledged write reads back, through whichever process answers.
    for (const w of acknowledged) {
      const read = await api('GET', `${w.route}/${w.id}`);
      expect(read.status, `${w.route}/${w.id}`).toBe(200);
    }
    expect(acknowledged).toHaveLength(ORDERS * 2 + ORDERS / 2);

    for (const child of children.slice(0, 2)) child.kill('SIGTERM');
    await Promise.all(children.map(exited));
    const db = await openDb(url);
    try {
      expect((await getBalances({ db })).balanced).toBe(true);
      const atGateway = sim.payments().filter((p) => p.status === 'captured' || p.status === 'refunded');
      const perOrder = new Map<string, number>();
      for (const p of atGateway) perOrder.set(p.order_id, (perOrder.get(p.order_id) ?? 0) + 1);
      expect([...perOrder.values()].filter((n) => n > 1)).toEqual([]);
      const kosh = await db.one<{ captured: number }>('SELECT sum(captured_minor)::BIGINT AS captured FROM payments');
      expect(kosh?.captured).toBe(atGateway.reduce((sum, p) => sum + p.amount, 0));
      expect(await db.all('SELECT status, count(*)::INTEGER AS n FROM billing_records GROUP BY status')).toEqual([
        { status: 'paid', n: SUBSCRIPTIONS },
      ]);
      // Scheduled runs: at most one per tick (2 s for evaluate-alerts, a minute for the every-minute jobs).
      const twice = await db.all(
        `SELECT job, floor(extract(epoch FROM started_at) / CASE WHEN job = 'evaluate-alerts' THEN 2 ELSE 60 END) AS tick,
                count(*)::INTEGER AS n
         FROM job_runs WHERE trigger IN ('schedule', 'catch_up') GROUP BY 1, 2 HAVING count(*) > 1`,
      );
      expect(twice).toEqual([]);
      const ticks = await db.one<{ n: number }>(
        "SELECT count(*)::INTEGER AS n FROM job_runs WHERE job = 'evaluate-alerts' AND trigger = 'schedule'",
      );
      // At least one tick ran (not a vacuous check); a run in progress in the killed process holds the job's lease for
      // its 5 minutes, so ticks after the kill are skipped. tests/pipelines/run-job.test.ts proves the tick claim itself.
      expect(ticks?.n).toBeGreaterThanOrEqual(1);
    } finally {
      await db.close();
    }
  }, 300_000);
});
