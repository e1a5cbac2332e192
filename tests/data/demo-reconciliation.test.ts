import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemoReconciliation } from '../../data/demo-reconciliation.js';
import { seedDemoData } from '../../data/seed.js';
import { createRazorpayGateway } from '../../payments-core/gateway/razorpay-gateway.js';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';
import { getBalances } from '../../payments-core/ledger/get-balances.js';
import { fixedClock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { migrate } from '../../platform/migrate.js';
import { openTestDb } from '../support/db.js';

describe('demo reconciliation', () => {
  const clock = fixedClock(new Date('2026-11-28T06:00:00Z'));
  let db: Db;
  let sim: RazorpaySimulator;
  const keys = { keyId: 'rzp_test_demo0000000001', keySecret: 'demo_secret_0000000001' };

  beforeAll(async () => {
    db = await openTestDb();
    await migrate(db, clock);
    await seedDemoData({ db, clock }, { seed: 3, payments: 6_000, months: 2 });
    sim = await startRazorpaySimulator({ ...keys, seed: 1 });
  });
  afterAll(async () => {
    await sim.close();
    await db.close();
  });

  it("when the demo starts → the simulator reports the latest settlement day with one of each discrepancy, and kosh's run finds each, auto-adjusting only the small fee; the day before is settled to the bank", async () => {
    const gateway = createRazorpayGateway({ ...keys, apiUrl: sim.url });
    const run = await runDemoReconciliation({ db, clock, gateway, simulator: sim });
    expect(run).not.toBeNull();
    const by = new Map(run?.summary.map((s) => [s.status, s]));
    expect(by.get('matched')?.items).toBeGreaterThan(20);
    expect(by.get('missing_at_gateway')).toMatchObject({ items: 1, open: 1 });
    expect(by.get('missing_in_kosh')).toMatchObject({ items: 1, open: 1 });
    expect(by.get('amount_mismatch')).toMatchObject({ items: 1, open: 1, amount_difference: 100 });
    expect(by.get('fee_mismatch')).toMatchObject({ items: 2, auto_adjusted: 1, open: 1, fee_difference: 540 });
    expect(run?.journal_entries).toBe(1);
    // The demo clock is Saturday 28 Nov 2026 (a fourth Saturday): the latest settlement day is Friday the 27th, which
    // settles Wednesday the 25th's captures (T+2 working days); its misreported settlement is not booked.
    expect(run?.report_date).toBe('2026-11-27');
    expect(by.get('settlement_mismatch')).toMatchObject({ items: 1, open: 1 });
    const balances = await getBalances({ db });
    expect(balances).toMatchObject({ balanced: true, totals: [{ currency: 'INR', total: 0 }] });
    // Thursday the 26th's settlement (Tuesday's captures) added up, and was booked to the bank.
    const booked = await db.all<{ id: string; amount_minor: number }>(
      'SELECT id, amount_minor FROM gateway_settlements',
    );
    expect(booked.map((b) => b.id)).toEqual(['setl_Sim20261126']);
    expect(balances.accounts.find((a) => a.account === 'bank')?.balance).toBe(booked[0]?.amount_minor);

    // Once per day: a second start leaves the run alone.
    expect(await runDemoReconciliation({ db, clock, gateway, simulator: sim })).toBeNull();
  });
});
