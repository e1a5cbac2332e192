import { performance } from 'node:perf_hooks';
import { openDb } from '../platform/db.js';
import { createLog } from '../platform/log.js';
import { startBenchApp } from './bench-app.js';

/** The parent's browser the platform relays with a UPI payment: Razorpay takes a UPI collect only with it. */
const PAYER = { ip: '117.217.74.98', referer: 'https://meals.example.in/pay', user_agent: 'Mozilla/5.0 (kosh bench)' };

export interface ApiIngestResult {
  readonly payments: number;
  readonly clients: number;
  readonly seconds: number;
  readonly paymentsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Payments recorded per second through the HTTP API over a real socket: each client creates an order and
 * pays it (UPI, auto-capture), so every payment crosses kosh → razorpay SDK → simulator and writes its
 * order, payment, state changes and ledger lines. Webhooks are off, so only the API path is measured.
 */
export async function benchApiIngest(options: {
  payments: number;
  clients: number;
  /** A migrated, empty database (bench/bench-database.ts). */
  databaseUrl: string;
}): Promise<ApiIngestResult> {
  const log = createLog({ level: 'silent' });
  const db = await openDb(options.databaseUrl);
  const { url, key, close } = await startBenchApp(db, log);
  const post = async (path: string, body: unknown): Promise<{ id: string; status?: string }> => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string; status?: string };
  };
  const school = await post('/v1/schools', { name: 'Bench School', city: 'Pune', state_code: 'MH' });
  const customer = await post('/v1/customers', {
    school_id: school.id,
    name: 'Bench Parent',
    email: 'bench@example.in',
    phone: '+919800000000',
    state_code: 'MH',
  });

  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (next < options.payments) {
        next++;
        const t0 = performance.now();
        const order = await post('/v1/orders', { customer_id: customer.id, amount: 5_000 + (next % 100) * 100 });
        const payment = await post('/v1/payments', { order_id: order.id, upi: { flow: 'intent' }, ...PAYER });
        // A UPI intent: sent, awaiting the parent's app (the simulator's /v1/sim/upi-intents/:id/pay completes it).
        if (payment.status !== 'created') throw new Error(`payment ended ${payment.status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await close();
  await db.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return {
    payments: latencies.length,
    clients: options.clients,
    seconds,
    paymentsPerSec: latencies.length / seconds,
    p50Ms: pct(50),
    p99Ms: pct(99),
  };
}
