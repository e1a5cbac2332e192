import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../data/seed.js';
import { CHURN_FEATURES } from '../../features/churn/feature-set.js';
import { churnSnapshots, trainingWindow } from '../../features/churn/offline-features.js';
import { listModels } from '../../models/registry/find-models.js';
import { loadChurnChampion } from '../../models/registry/register-churn-model.js';
import { buildChurnReport } from '../../pipelines/churn-report.js';
import { JOBS } from '../../pipelines/jobs.js';
import { trainChurn } from '../../pipelines/train-churn.js';
import { fixedClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { type Harness, startHarness } from '../support/harness.js';

const NOW = new Date('2026-11-28T21:30:00Z'); // 03:00 IST on 29 November
const DAY = 86_400_000;

describe('churn training and the nightly churn report', () => {
  let h: Harness;
  const clock = fixedClock(NOW);
  const log = createLog({ level: 'silent' });
  const deps = () => ({ db: h.db, objects: h.objects, clock, log });

  beforeAll(async () => {
    h = await startHarness({ clock });
    await seedDemoData({ db: h.db, clock }, { seed: 42, payments: 8_000, churn: true });
  }, 300_000);
  afterAll(async () => h?.close());

  it('when the job list is read → churn-report runs at 03:00 IST every day', () => {
    expect(JOBS.find((j) => j.name === 'churn-report')?.cron).toBe('0 3 * * *');
  });

  it('when snapshots are taken → point-in-time features of active customers, labels from the next 30 days', async () => {
    const set = await churnSnapshots(h.db, trainingWindow(NOW, 4));
    expect(set.featureNames).toEqual(CHURN_FEATURES);
    expect(new Set(set.asOf.map((d) => d.getTime())).size).toBe(4);
    expect(set.rows.length).toBeGreaterThan(100);
    const churned = set.labels.reduce((a, b) => a + b, 0);
    expect(churned).toBeGreaterThan(0);
    expect(churned).toBeLessThan(set.rows.length);
    const daysSince = CHURN_FEATURES.indexOf('days_since_last_order');
    for (const row of set.rows) {
      expect(row[daysSince]).toBeGreaterThanOrEqual(0);
      expect(row[daysSince]).toBeLessThanOrEqual(90);
    }
    // Every snapshot customer ordered in its 90 days or holds a live subscription.
    const o30 = CHURN_FEATURES.indexOf('orders_30d');
    const o60 = CHURN_FEATURES.indexOf('orders_prev_60d');
    const sub = CHURN_FEATURES.indexOf('active_subscription');
    for (const row of set.rows)
      expect((row[o30] as number) + (row[o60] as number) + (row[sub] as number)).toBeGreaterThan(0);
  });

  it('when trained → a churn champion in the registry with time-validated metrics, loadable as trained', async () => {
    const result = await trainChurn(deps(), {
      to: NOW,
      months: 6,
      inWorker: false,
      candidates: ['logistic_regression'],
    });
    expect(result.model).toMatchObject({ task: 'churn', state: 'champion', algorithm: 'logistic_regression' });
    expect(result.metrics.rocAuc).toBeGreaterThan(0.6);
    expect(result.model.validation_from.getTime()).toBeLessThanOrEqual(NOW.getTime() - 30 * DAY);
    expect((await listModels({ db: h.db }, { task: 'churn' })).map((m) => m.id)).toEqual([result.model.id]);
    const loaded = await loadChurnChampion(deps());
    expect(loaded?.model.id).toBe(result.model.id);
  }, 300_000);

  it('when the report runs → ranked rows, CSV, Parquet and HTML in the analytics bucket, served over HTTP', async () => {
    const r = await buildChurnReport(deps(), NOW);
    expect(r.report_date).toBe('2026-11-29');
    expect(r.customers).toBeGreaterThan(50);
    const csv = Buffer.from((await h.objects.get('analytics', r.keys.csv)) ?? []).toString();
    expect(csv.split('\n')[0]).toMatch(/^rank,family,school,plan,probability,top_reasons,/);
    expect(csv.trim().split('\n').length).toBe(r.customers + 1);
    const parquet = Buffer.from((await h.objects.get('analytics', r.keys.parquet)) ?? []);
    expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    const html = Buffer.from((await h.objects.get('analytics', r.keys.html)) ?? []).toString();
    expect(html).toMatch(/<svg/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);

    const latest = await h.api('GET', '/v1/churn/reports/latest?limit=5');
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({ object: 'churn_report', report_date: '2026-11-29', customers: r.customers });
    expect(latest.body.top).toHaveLength(5);
    const ranks = latest.body.top.map((c: { rank: number }) => c.rank);
    expect(ranks).toEqual([1, 2, 3, 4, 5]);
    const risks = latest.body.top.map((c: { revenue_at_risk_minor: number }) => c.revenue_at_risk_minor);
    expect([...risks].sort((a, b) => b - a)).toEqual(risks);
    expect(latest.body.summary.by_school.length).toBeGreaterThan(0);
    expect(latest.body.summary.change_since_last_week).toBeNull();
    const first = latest.body.top[0];
    expect(first.p_alive).toBeGreaterThanOrEqual(0);
    expect(first.p_alive).toBeLessThanOrEqual(1);

    const one = await h.api('GET', `/v1/churn/customers/${first.customer_id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ object: 'customer_churn', customer_id: first.customer_id, rank: 1 });
    const missing = await h.api('GET', '/v1/churn/customers/cus_nobody');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
  }, 300_000);

  it('when rerun the same night → replaced, not duplicated; a week later → the change since last week', async () => {
    const again = await buildChurnReport(deps(), NOW);
    const count = await h.db.one<{ n: number }>(
      "SELECT count(*) AS n FROM churn_reports WHERE report_date = '2026-11-29'",
    );
    expect(Number(count?.n)).toBe(1);
    const later = await buildChurnReport(deps(), new Date(NOW.getTime() + 7 * DAY));
    expect(later.report_date).toBe('2026-12-06');
    const latest = await h.api('GET', '/v1/churn/reports/latest?limit=1');
    expect(latest.body.summary.change_since_last_week).toMatchObject({ previous_report_date: '2026-11-29' });
    expect(again.model_id).toBe(later.model_id);
  }, 300_000);
});
