import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../../data/seed.js';
import {
  getRevenueSeries,
  listRevenueSegments,
  parseSegment,
} from '../../../payments-core/analytics/get-revenue-series.js';
import { createSubscriptionPlan } from '../../../payments-core/subscription-plans/create-plan.js';
import { createSubscription } from '../../../payments-core/subscriptions/create-subscription.js';
import { fixedClock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db.js';
import { migrate } from '../../../platform/migrate.js';
import { openTestDb } from '../../support/db.js';

const END = new Date('2026-09-15T06:00:00Z');
const sum = (rows: { amountMinor: number }[]) => rows.reduce((a, r) => a + r.amountMinor, 0);

describe('revenue series from the ledger', () => {
  let db: Db;
  let planId: string;
  let planCustomers: string[];

  beforeAll(async () => {
    const clock = fixedClock(new Date('2026-05-01T00:00:00Z'));
    db = await openTestDb();
    await migrate(db, clock);
    clock.set(END);
    await seedDemoData({ db, clock }, { seed: 3, payments: 1200, months: 3, schools: 2 });
    // two customers subscribe before any of their payments: their revenue is the plan's
    clock.set(new Date('2026-05-01T00:00:00Z'));
    const plan = await createSubscriptionPlan(
      { db, clock },
      {
        name: 'Lunch',
        interval: 'monthly',
        amount: 200_000,
        tax_category: 'gst_exempt_school_meals',
        gst_rate_bp: null,
      },
    );
    planId = plan.id;
    const customers = await db.all<{ id: string }>(
      'SELECT DISTINCT customer_id AS id FROM payments ORDER BY 1 LIMIT 2',
    );
    planCustomers = customers.map((c) => c.id);
    for (const c of planCustomers) await createSubscription({ db, clock }, { customer_id: c, plan_id: planId });
  }, 60_000);
  afterAll(async () => db?.close());

  it('when summed over days → overall is minus the school_payable balance, and the schools add up to it', async () => {
    const overall = await getRevenueSeries(db, { kind: 'overall' }, '2026-09-30');
    const ledger = await db.one<{ v: bigint }>(
      "SELECT -sum(amount_minor)::BIGINT AS v FROM journal_lines WHERE account = 'school_payable'",
    );
    expect(sum(overall)).toBe(Number(ledger!.v));
    // consecutive days, zeros filled, through the last day asked
    expect(overall[overall.length - 1]!.date).toBe('2026-09-30');
    const segments = await listRevenueSegments(db);
    const schools = segments.filter((s) => s.kind === 'school');
    expect(schools).toHaveLength(2);
    let bySchool = 0;
    for (const s of schools) bySchool += sum(await getRevenueSeries(db, s, '2026-09-30'));
    expect(bySchool).toBe(sum(overall));
    expect(segments).toContainEqual({ kind: 'plan', id: planId });
  });

  it("when a plan is asked for → its subscribers' captures net of refunds", async () => {
    const plan = await getRevenueSeries(db, { kind: 'plan', id: planId }, '2026-09-30');
    const expected = await db.one<{ v: bigint }>(
      `SELECT (coalesce(sum(p.captured_minor), 0) - coalesce((SELECT sum(r.amount_minor) FROM refunds r JOIN payments q ON q.id = r.payment_id
                WHERE q.customer_id IN ($a, $b) AND r.status <> 'failed'), 0))::BIGINT AS v
       FROM payments p WHERE p.customer_id IN ($a, $b) AND p.status = 'captured'`,
      { a: planCustomers[0], b: planCustomers[1] },
    );
    expect(sum(plan)).toBe(Number(expected!.v));
    expect(sum(plan)).toBeGreaterThan(0);
  });

  it('when the day bound is earlier → later entries are left out', async () => {
    const upTo = await getRevenueSeries(db, { kind: 'overall' }, '2026-08-31');
    expect(upTo[upTo.length - 1]!.date).toBe('2026-08-31');
    expect(sum(upTo)).toBeLessThan(sum(await getRevenueSeries(db, { kind: 'overall' }, '2026-09-30')));
  });

  it('when a segment is malformed → invalid naming /segment', () => {
    expect(() => parseSegment('region:north')).toThrow(/segment/);
    expect(parseSegment('school:sch_1')).toEqual({ kind: 'school', id: 'sch_1' });
  });
});
