import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../data/seed.js';
import { seedDashboardDemo } from '../../data/seed-dashboard-demo.js';
import { buildChurnReport } from '../../pipelines/churn-report.js';
import {
  atRiskMinor,
  describeDriver,
  familyMonthlyRevenueMinor,
  type IntervalUnit,
  monthlyValueMinor,
  revenueAtRisk,
} from '../../pipelines/churn-revenue.js';
import { trainChurn } from '../../pipelines/train-churn.js';
import { fixedClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { type Harness, startHarness } from '../support/harness.js';

const unit = fc.constantFrom<IntervalUnit>('weekly', 'monthly', 'quarterly', 'yearly');
const subscription = fc.record({
  amount: fc.integer({ min: 0, max: 5_000_000 }),
  unit,
  count: fc.integer({ min: 1, max: 4 }),
});
const family = fc.record({
  subscriptions: fc.array(subscription, { maxLength: 3 }),
  spend90d: fc.integer({ min: 0, max: 10_000_000 }),
  probability: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('revenue at risk, monthly-normalised', () => {
  it('when a plan charges per week, month, quarter or year → its monthly value is the MRR formula (× 52/12, ÷ 3, ÷ 12)', () => {
    expect(monthlyValueMinor(690_000, 'quarterly', 1)).toBe(230_000);
    expect(monthlyValueMinor(2_400_000, 'yearly', 1)).toBe(200_000);
    expect(monthlyValueMinor(60_000, 'weekly', 1)).toBe(260_000);
    expect(monthlyValueMinor(240_000, 'monthly', 1)).toBe(240_000);
    expect(monthlyValueMinor(240_000, 'monthly', 2)).toBe(120_000);
    // Half-even to the paisa: 100 ÷ 3 = 33.33 → 33; 5 ÷ 2 = 2.5 → 2; 7 ÷ 2 = 3.5 → 4.
    expect(monthlyValueMinor(100, 'quarterly', 1)).toBe(33);
    expect(monthlyValueMinor(5, 'monthly', 2)).toBe(2);
    expect(monthlyValueMinor(7, 'monthly', 2)).toBe(4);
  });

  it('when any families with any plans are scored → revenue at risk never exceeds MRR (property)', () => {
    fc.assert(
      fc.property(fc.array(family, { maxLength: 60 }), (families) => {
        const scored = families.map((f) => {
          const subscriptionMonthlyMinor = f.subscriptions.reduce(
            (s, sub) => s + monthlyValueMinor(sub.amount, sub.unit, sub.count),
            0,
          );
          return {
            probability: f.probability,
            ...familyMonthlyRevenueMinor({ subscriptionMonthlyMinor, spend90dMinor: f.spend90d }),
          };
        });
        // MRR as payments-core counts it: Σ over every live subscription of its monthly-normalised value.
        const mrr = families
          .flatMap((f) => f.subscriptions)
          .reduce((s, sub) => s + monthlyValueMinor(sub.amount, sub.unit, sub.count), 0);
        const r = revenueAtRisk(scored);
        expect(r.mrr_minor).toBe(mrr);
        expect(r.recurring_at_risk_minor).toBeLessThanOrEqual(mrr);
        expect(r.recurring_at_risk_minor).toBeGreaterThanOrEqual(0);
        expect(r.meal_packs_at_risk_minor).toBeLessThanOrEqual(r.meal_packs_monthly_minor);
        for (const f of scored) expect(atRiskMinor(f.probability, f.monthlyMinor)).toBeLessThanOrEqual(f.monthlyMinor);
      }),
      { numRuns: 300, seed: 18 },
    );
  });

  it('when a driver is explained → words an operator can act on, not a feature name', () => {
    expect(describeDriver({ feature: 'days_since_last_order', value: 45 })).toBe('no paid order for 45 days');
    expect(describeDriver({ feature: 'cancel_scheduled', value: 1 })).toBe('asked to cancel at period end');
    expect(describeDriver({ feature: 'failed_payments_90d', value: 3 })).toBe('3 failed payments in 90 days');
  });
});

/** The seed's demo, where a termly plan's quarterly charge made revenue at risk exceed MRR (issue 18). */
describe('the churn report on the dashboard demo (termly plans)', () => {
  let h: Harness;
  const clock = fixedClock(new Date('2026-11-29T06:30:00Z'));
  const deps = () => ({ db: h.db, clock, log: createLog({ level: 'silent' }), objects: h.objects });

  beforeAll(async () => {
    h = await startHarness({ clock });
    await seedDemoData(deps(), { seed: 42, payments: 4_000, churn: true });
    await seedDashboardDemo(deps(), { seed: 42 });
    await trainChurn(deps(), { candidates: ['logistic_regression'], inWorker: false });
    await buildChurnReport(deps(), clock.now());
  }, 300_000);
  afterAll(async () => h?.close());

  it('when a family holds a quarterly plan → its monthly revenue is a third of the charge; recurring revenue at risk ≤ MRR', async () => {
    const termly = await h.db.all(
      `SELECT customer_id, sum(unit_amount_minor * quantity) AS amount FROM subscriptions
       WHERE interval_unit = 'quarterly' AND interval_count = 1 AND start_at <= $now
         AND coalesce(ended_at, cancelled_at, 'infinity'::timestamptz) > $now
       GROUP BY customer_id HAVING count(*) = 1`,
      { now: clock.now() },
    );
    expect(termly.length).toBeGreaterThan(0);
    const report = await h.api('GET', '/v1/churn/reports/latest?limit=1000');
    expect(report.status).toBe(200);
    const byCustomer = new Map<string, { monthly_revenue_minor: number }>(
      report.body.top.map((r: { customer_id: string; monthly_revenue_minor: number }) => [r.customer_id, r]),
    );
    let checked = 0;
    for (const t of termly) {
      const row = byCustomer.get(String(t['customer_id']));
      if (row === undefined) continue;
      const other = await h.db.one(
        `SELECT count(*) AS n FROM subscriptions WHERE customer_id = $id AND interval_unit <> 'quarterly'
           AND start_at <= $now AND coalesce(ended_at, cancelled_at, 'infinity'::timestamptz) > $now`,
        { id: t['customer_id'], now: clock.now() },
      );
      if (Number(other?.['n']) > 0) continue;
      expect(row.monthly_revenue_minor).toBe(Math.round(Number(t['amount']) / 3));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    const revenue = report.body.summary.revenue;
    expect(revenue.recurring_at_risk_minor).toBeLessThanOrEqual(revenue.mrr_minor);
    const mrr = await h.api('GET', `/v1/analytics/subscriptions/summary?at=${clock.now().toISOString()}`);
    expect(mrr.status).toBe(200);
    expect(revenue.recurring_at_risk_minor).toBeLessThanOrEqual(mrr.body.mrr);
  });

  it('when the report is read or downloaded → families and schools by name, reasons in words, CSV and HTML', async () => {
    const report = await h.api('GET', '/v1/churn/reports/latest?limit=3');
    const top = report.body.top[0];
    const names = await h.db.one(
      'SELECT c.name, s.name AS school FROM customers c JOIN schools s ON s.id = c.school_id WHERE c.id = $id',
      { id: top.customer_id },
    );
    expect(top.customer_name).toBe(names?.['name']);
    expect(top.school_name).toBe(names?.['school']);
    expect(top.reasons.length).toBe(top.drivers.length);
    expect(report.body.summary.by_school[0].name).not.toMatch(/^sch_/);
    expect(report.body.summary.model_quality).toMatchObject({
      window: 'test',
      accuracy_target: 0.85,
      base_rate: expect.any(Number),
      majority_accuracy: expect.any(Number),
      roc_auc: expect.any(Number),
    });

    const csv = await h.app.inject({
      method: 'GET',
      url: '/v1/churn/reports/latest?format=csv',
      headers: { authorization: `Bearer ${h.adminKey}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="churn-report-\d{4}-\d{2}-\d{2}\.csv"/);
    const [header, first] = csv.body.split('\n');
    expect(header).toMatch(
      /^rank,family,school,plan,probability,top_reasons,monthly_revenue_minor,revenue_at_risk_minor/,
    );
    expect(first).toContain(names?.['name']);
    expect(csv.body.trim().split('\n').length).toBe(report.body.customers + 1);

    const html = await h.app.inject({
      method: 'GET',
      url: '/v1/churn/reports/latest?format=html',
      headers: { authorization: `Bearer ${h.adminKey}` },
    });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain(String(names?.['name']).replace(/'/g, '&#39;'));
    expect(html.body).toContain('for answering "nobody churns"');
    expect(html.body).toMatch(/at risk of ₹[\d,]+ MRR/);
  });
});
