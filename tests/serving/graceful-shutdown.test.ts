import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEY_ID = 'rzp_test_shutdown000001';
const KEY_SECRET = 'shutdown_key_secret_0000001';
const ADMIN_KEY = 'kosh_test_admin_key_for_shutdown_0001';

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly out: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `tsx bin/kosh.ts serve` on a temp data dir and a test database (`KOSH_DATABASE_URL`), its gateway the simulator of
 * this test process (Razorpay mode).
 */
async function serve(dataDir: string, databaseUrl: string, sim: RazorpaySimulator): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/kosh.ts', 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? tmpdir(),
      KOSH_DATA_DIR: dataDir,
      KOSH_DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      KOSH_ADMIN_KEY: ADMIN_KEY,
      KOSH_GATEWAY: 'razorpay',
      RAZORPAY_KEY_ID: KEY_ID,
      RAZORPAY_KEY_SECRET: KEY_SECRET,
      RAZORPAY_API_URL: sim.url,
      KOSH_RAZORPAY_WEBHOOK_SECRETS: 'whsec_shutdown_000001',
      KOSH_FRAUD_SCORING: 'off',
      LOG_LEVEL: 'warn',
      KOSH_WORKERS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out.push(String(chunk));
      const m = /kosh is serving on (http:\/\/\S+)/.exec(out.join(''));
      if (m?.[1] !== undefined) resolve(m[1]);
    };
    // The banner goes to stderr, beside the log lines' stdout.
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`kosh exited before serving:\n${out.join('')}`)));
  });
  return { child, url, out, exited };
}

async function api(url: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/** A school, a parent with a saved card (tokenised at the simulator) and an order to pay. */
async function seedOrder(s: Served, sim: RazorpaySimulator): Promise<{ orderId: string; methodId: string }> {
  const school = await api(s.url, 'POST', '/v1/schools', { name: 'Greenwood High', city: 'Pune', state_code: 'MH' });
  const customer = await api(s.url, 'POST', '/v1/customers', {
    school_id: school.body.id,
    name: 'Asha Rao',
    email: 'asha@example.in',
    phone: '+919876543210',
    state_code: 'MH',
  });
  const gateway = await api(s.url, 'POST', `/v1/customers/${customer.body.id}/gateway-customer`);
  const token = (await (
    await fetch(`${sim.url}/v1/sim/tokens`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`,
      },
      body: JSON.stringify({
        customer_id: gateway.body.gateway_customer_id,
        number: '4111111111111111',
        expiry_month: 12,
        expiry_year: 2030,
        cvv: '123',
        name: 'A',
      }),
    })
  ).json()) as { id: string; card: { last4: string; network: string } };
  const method = await api(s.url, 'POST', `/v1/customers/${customer.body.id}/payment-methods`, {
    type: 'card',
    gateway_token: token.id,
    card_network: token.card.network,
    card_last4: token.card.last4,
    card_exp_month: 12,
    card_exp_year: 2030,
  });
  expect(method.status).toBe(201);
  const order = await api(s.url, 'POST', '/v1/orders', { customer_id: customer.body.id, amount: 120_000 });
  expect(order.status).toBe(201);
  return { orderId: order.body.id, methodId: method.body.id };
}

describe('kosh serve: graceful shutdown (a child process, SIGTERM while a payment is in flight)', () => {
  let sim: RazorpaySimulator;
  const dirs: string[] = [];
  const databases: string[] = [];
  beforeAll(async () => {
    sim = await startRazorpaySimulator({ keyId: KEY_ID, keySecret: KEY_SECRET, refundProcessingMs: null });
  });
  afterAll(async () => {
    await sim.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    for (const url of databases) await dropTestDatabase(url);
  });
  const dataDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kosh-shutdown-'));
    dirs.push(dir);
    return dir;
  };
  const database = async () => {
    const url = await createTestDatabase();
    databases.push(url);
    return url;
  };

  it('when SIGTERM arrives during a slow payment → the payment completes 201, new connections are refused, exit 0', async () => {
    const s = await serve(dataDir(), await database(), sim);
    const { orderId, methodId } = await seedOrder(s, sim);
    sim.configure({ latencyMs: 1500 }); // every gateway call now takes 1.5 s
    const started = Date.now();
    const inFlight = api(s.url, 'POST', '/v1/payments', { order_id: orderId, payment_method_id: methodId });
    await new Promise((r) => setTimeout(r, 400));
    s.child.kill('SIGTERM');
    const paid = await inFlight;
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ status: 'captured', order_id: orderId });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
    expect(await s.exited).toEqual({ code: 0, signal: null });
    const log = s.out.join('');
    expect(log).toContain('SIGTERM: shutting down');
    expect(log).toContain('kosh stopped');
    sim.configure({ latencyMs: 0 });
  }, 60_000);

  it('when a second signal arrives during the stop → exit 1 at once, without waiting for the request', async () => {
    const s = await serve(dataDir(), await database(), sim);
    const { orderId, methodId } = await seedOrder(s, sim);
    sim.configure({ latencyMs: 20_000 });
    const inFlight = api(s.url, 'POST', '/v1/payments', { order_id: orderId, payment_method_id: methodId }).catch(
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 400));
    const started = Date.now();
    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    s.child.kill('SIGINT');
    expect(await s.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(s.out.join('')).toContain('SIGINT during shutdown: exiting now');
    expect(await inFlight).toBeInstanceOf(Error);
    sim.configure({ latencyMs: 0 });
  }, 60_000);
});
