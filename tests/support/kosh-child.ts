import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { seedSubscriptions } from '../../data/seed-subscriptions.js';
import type { RazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';
import { systemClock } from '../../platform/clock.js';
import { openDb } from '../../platform/db.js';
import { migrate } from '../../platform/migrate.js';
import { readServerFile } from '../../serving/server-file.js';
import { createTestDatabase } from './db.js';
import { KEY_ID, KEY_SECRET, WEBHOOK_SECRET } from './harness.js';
import { simCardToken, simCustomer } from './simulator-fixtures.js';

export { SIM_AUTH, simCardToken, simCustomer } from './simulator-fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * `kosh serve` as a real child process on a data dir and a test database, charging through a simulator that lives in
 * the test (so the gateway's books outlive the process). `env` adds or overrides settings (a kill point, a TTL).
 */
export function serveChild(
  dataDir: string,
  databaseUrl: string | null,
  sim: RazorpaySimulator,
  env: Record<string, string> = {},
): ChildProcess {
  const { KOSH_DATABASE_URL: _inherited, ...inherited } = process.env;
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bin/kosh.ts'), 'serve'], {
    cwd: ROOT,
    env: {
      ...inherited,
      KOSH_DATA_DIR: dataDir,
      // null: the embedded PostgreSQL under the data dir.
      ...(databaseUrl === null ? {} : { KOSH_DATABASE_URL: databaseUrl }),
      PORT: '0',
      KOSH_GATEWAY: 'razorpay',
      RAZORPAY_KEY_ID: KEY_ID,
      RAZORPAY_KEY_SECRET: KEY_SECRET,
      RAZORPAY_API_URL: sim.url,
      KOSH_RAZORPAY_WEBHOOK_SECRETS: WEBHOOK_SECRET,
      KOSH_FRAUD_SCORING: 'false',
      LOG_LEVEL: 'warn',
      // One process, as each test here means; tests/serving/workers.test.ts runs `--workers N`.
      KOSH_WORKERS: '1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Waits for the child's server file and a healthy /healthz; its URL and admin key. */
export async function serverUp(dataDir: string, child: ChildProcess): Promise<{ url: string; key: string }> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`kosh serve exited with ${child.exitCode}`);
    const file = readServerFile(dataDir);
    if (file !== null && file.pid === child.pid) {
      const ok = await fetch(`${file.url}/healthz`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return { url: file.url, key: file.admin_key };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('kosh serve did not come up');
}

export const exited = (child: ChildProcess): Promise<void> =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

export type ChildApi = (
  method: string,
  url: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;

/** JSON over HTTP to a child kosh with a bearer key. */
export function childApi(server: { url: string; key: string }): ChildApi {
  return async (method, url, body, headers = {}) => {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${server.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  };
}

/** A school, a parent and the parent's card saved through the API, the card tokenised at the simulator. */
export async function seedParentVia(
  api: ChildApi,
  sim: RazorpaySimulator,
): Promise<{ customerId: string; methodId: string }> {
  const school = await api('POST', '/v1/schools', { name: 'Greenwood High', city: 'Bengaluru', state_code: 'KA' });
  const customer = await api('POST', '/v1/customers', {
    school_id: school.body['id'],
    name: 'Asha Rao',
    email: 'asha@example.in',
    phone: '+919876543210',
    state_code: 'KA',
  });
  const gateway = await api('POST', `/v1/customers/${customer.body['id']}/gateway-customer`);
  const token = await simCardToken(sim, String(gateway.body['gateway_customer_id']));
  const method = await api('POST', `/v1/customers/${customer.body['id']}/payment-methods`, {
    type: 'card',
    gateway_token: token.id,
    card_network: token.card.network,
    card_last4: token.card.last4,
    card_exp_month: 12,
    card_exp_year: 2030,
  });
  if (method.status !== 201) throw new Error(`payment method: ${JSON.stringify(method.body)}`);
  return { customerId: String(customer.body['id']), methodId: String(method.body['id']) };
}

/**
 * A migrated test database for several kosh processes: `count` subscriptions whose first monthly period ended by the
 * real clock (the children run on it), charged with one card token saved at `sim`. Returns the database's URL.
 */
export async function billingDatabase(sim: RazorpaySimulator, count: number): Promise<string> {
  const url = await createTestDatabase();
  const gatewayCustomerId = await simCustomer(sim);
  const token = (await simCardToken(sim, gatewayCustomerId)).id;
  const seedDb = await openDb(url);
  await migrate(seedDb, systemClock);
  await seedSubscriptions(seedDb, {
    gatewayCustomerId,
    count,
    token,
    startAt: new Date(Date.now() - 40 * 86_400_000),
  });
  await seedDb.close();
  return url;
}
