import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemoPayouts } from '../../data/demo-payouts.js';
import { seedDemoData } from '../../data/seed.js';
import { getBalances } from '../../payments-core/ledger/get-balances.js';
import { getPayable } from '../../payments-core/payouts/find-payouts.js';
import { fixedClock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { migrate } from '../../platform/migrate.js';
import { openTestDb } from '../support/db.js';

describe('demo payouts', () => {
  // 11:30 IST on 10 Dec 2026: the demo pays out November on 1 Dec.
  const clock = fixedClock(new Date('2026-12-10T06:00:00Z'));
  let db: Db;

  beforeAll(async () => {
    db = await openTestDb();
    await migrate(db, clock);
    await seedDemoData({ db, clock }, { seed: 5, payments: 2_000, months: 2 });
  });
  afterAll(async () => db.close());

  it('when the demo starts → each school is paid what it was owed at the end of last month, and owes only this month', async () => {
    const done = await runDemoPayouts({ db, clock });
    const schools = await db.all<{ id: string }>('SELECT id FROM schools ORDER BY id');
    expect(done.payouts).toBe(schools.length);
    const thisMonth = await db.all<{ school_id: string; earned: number }>(
      `SELECT l.school_id, coalesce(-sum(l.amount_minor), 0)::BIGINT AS earned
       FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
       WHERE l.account = 'school_payable' AND e.created_at >= '2026-12-01T00:00:00+05:30'
         AND e.kind NOT IN ('school_payout', 'school_payout_reversed')
       GROUP BY l.school_id`,
    );
    const earnedThisMonth = new Map(thisMonth.map((r) => [r.school_id, r.earned]));
    for (const { id } of schools) {
      const payable = await getPayable({ db, clock }, id);
      expect(payable.paid_out).toBeGreaterThan(0);
      expect(payable.owed).toBe(earnedThisMonth.get(id) ?? 0);
      expect(payable.owed).toBe(payable.earned - payable.paid_out);
    }
    const payouts = await db.all<{ paid_on: string; period_to: string; period_from: string }>(
      'SELECT paid_on::text, period_from::text, period_to::text FROM school_payouts',
    );
    for (const p of payouts) {
      expect(p).toMatchObject({ paid_on: '2026-12-01', period_to: '2026-11-30' });
      expect(p.period_from < '2026-11-30').toBe(true);
    }
    const balances = await getBalances({ db });
    expect(balances).toMatchObject({ balanced: true });
    // The history's settlements reached the bank before the payouts left it: never overdrawn.
    const bank = balances.accounts.find((a) => a.account === 'bank')?.balance ?? 0;
    expect(bank).toBeGreaterThanOrEqual(0);
    expect(
      await db.all("SELECT id FROM journal_entries WHERE kind = 'settlement' AND ref_id = 'demo_settled_history'"),
    ).toHaveLength(1);
    // Once only.
    expect(await runDemoPayouts({ db, clock })).toEqual({ payouts: 0, amount: 0 });
  });
});
