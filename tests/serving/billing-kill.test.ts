import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedSubscriptions } from '../../data/seed-subscriptions.js';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';
import { getBalances } from '../../payments-core/ledger/get-balances.js';
import { systemClock } from '../../platform/clock.js';
import { openDb } from '../../platform/db.js';
import { migrate } from '../../platform/migrate.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';
import { KEY_ID, KEY_SECRET } from '../support/harness.js';
import { exited, serveChild, serverUp, simCardToken, simCustomer } from '../support/kosh-child.js';

const N = Number(process.env['KOSH_TEST_BILLING_KILL_SUBS'] ?? 2000);
const BILLING = {
  KOSH_SCHEDULE_BILLING_RUN: 'off',
  KOSH_BILLING_CHUNK_SIZE: '250',
  KOSH_BILLING_CLAIM_TTL_SECONDS: '1',
};

describe('kill -9 during a billing run, from outside', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kosh-billing-kill-'));
  let sim: RazorpaySimulator | null = null;
  let child: ChildProcess | null = null;
  let databaseUrl: string | null = null;
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (child !== null) await exited(child);
    await sim?.close();
    if (databaseUrl !== null) await dropTestDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`when kosh serve is killed mid-run over ${N} due subscriptions → after a restart and a rerun each is charged exactly once`, async () => {
    sim = await startRazorpaySimulator({ keyId: KEY_ID, keySecret: KEY_SECRET, seed: 3 });
    const gatewayCustomerId = await simCustomer(sim);
    const token = (await simCardToken(sim, gatewayCustomerId)).id;
    // Subscriptions that started 40 days ago: their first monthly period has ended by the real clock.
    const url = await createTestDatabase();
    databaseUrl = url;
    const seedDb = await openDb(url);
    await migrate(seedDb, systemClock);
    await seedSubscriptions(seedDb, {
      count: N,
      token,
      gatewayCustomerId,
      startAt: new Date(Date.now() - 40 * 86_400_000),
    });
    await seedDb.close();

    const captured = () => sim?.payments().filter((p) => p.status === 'captured' && p.kosh_id !== null) ?? [];
    child = serveChild(dataDir, url, sim, BILLING);
    const first = await serverUp(dataDir, child);
    const auth = { authorization: `Bearer ${first.key}` };
    const run = fetch(`${first.url}/v1/billing/runs`, { method: 'POST', headers: auth }).catch(() => null);
    // Kill once a third of the renewals have gone through the gateway, mid-run.
    while (captured().length < N / 3) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited(child);
    await run;
    const beforeRestart = captured().length;
    expect(beforeRestart).toBeGreaterThan(0);
    expect(beforeRestart).toBeLessThan(N);

    await new Promise((r) => setTimeout(r, 1100)); // the dead run's claims expire (TTL 1 s)
    child = serveChild(dataDir, url, sim, BILLING);
    const second = await serverUp(dataDir, child);
    const res = await fetch(`${second.url}/v1/billing/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${second.key}` },
    });
    expect(res.status).toBe(200);
    const summary = (await res.json()) as { paid: number; failed: number; unknown: number };
    expect(summary.failed + summary.unknown).toBe(0);

    // The gateway's side: exactly one captured payment per subscription-period, and no second attempt at all.
    const counts = new Map<string, number>();
    for (const p of captured()) counts.set(p.kosh_id ?? '', (counts.get(p.kosh_id ?? '') ?? 0) + 1);
    expect(counts.size).toBe(N);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(sim.payments().filter((p) => p.kosh_id !== null)).toHaveLength(N);

    child.kill('SIGTERM');
    await exited(child);
    child = null;
    const db = await openDb(url);
    try {
      const records = await db.all<{ status: string; n: number }>(
        'SELECT status, count(*)::INTEGER AS n FROM billing_records GROUP BY status',
      );
      expect(records).toEqual([{ status: 'paid', n: N }]);
      expect((await getBalances({ db })).balanced).toBe(true);
      const advanced = await db.one<{ n: number }>(
        'SELECT count(*)::INTEGER AS n FROM subscriptions WHERE period_index = 1',
      );
      expect(advanced?.n).toBe(N);
    } finally {
      await db.close();
    }
  }, 180_000);
});
