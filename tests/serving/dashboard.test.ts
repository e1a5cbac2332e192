import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../data/seed.js';
import { seedDashboardDemo } from '../../data/seed-dashboard-demo.js';
import { buildChurnReport } from '../../pipelines/churn-report.js';
import { trainChurn } from '../../pipelines/train-churn.js';
import { fixedClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { type Harness, startHarness } from '../support/harness.js';

const ARTIFACTS = path.resolve('test-artifacts');
const CHARTS = [
  'revenue',
  'mrr',
  'churnSchool',
  'churnPlan',
  'paymentMethods',
  'failureReasons',
  'fraudDecisions',
  'reviewQueue',
  'invoiceAging',
  'alerts',
];

type ChartSummary = { name: string; labels: number; datasets: { label: string; points: number; nonZero: number }[] };

/** What every chart on the page holds, read from the Chart instances the page exposes. */
const chartsOf = (page: Page): Promise<ChartSummary[]> =>
  page.evaluate(() => {
    const charts = (globalThis as any).koshDashboard.charts as Record<string, any>;
    return Object.entries(charts).map(([name, chart]) => ({
      name,
      labels: chart.data.labels.length,
      datasets: chart.data.datasets.map((d: any) => ({
        label: String(d.label),
        points: d.data.filter((v: unknown) => v !== null).length,
        nonZero: d.data.filter((v: unknown) => typeof v === 'number' && v !== 0).length,
      })),
    }));
  });

describe('the leadership dashboard in headless Chromium', () => {
  let h: Harness;
  let key: string;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // The demo data ends at the clock's date and the forecast starts there: a fixed date keeps every panel
    // the same on any day the suite runs.
    const clock = fixedClock(new Date('2026-11-29T06:30:00Z'));
    h = await startHarness({ clock });
    const deps = { db: h.db, clock, log: createLog({ level: 'silent' }), objects: h.objects };
    await seedDemoData(deps, { seed: 42, payments: 4_000, churn: true });
    await seedDashboardDemo(deps, { seed: 42 });
    await trainChurn(deps, { candidates: ['logistic_regression'], inWorker: false });
    await buildChurnReport(deps, clock.now());
    key = await h.keyWith(['analytics:read']);
    profile = mkdtempSync(path.join(tmpdir(), 'kosh-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
    await h?.close();
  });

  it('when opened without a session → the sign-in form, under a self-only CSP', async () => {
    const res = await page.goto(`${h.url}/dashboard`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expect(page.locator('form#signin input[name=api_key]').count()).resolves.toBe(1);
  });

  it('when a wrong key is submitted → the form again with the reason, no session', { timeout: 60_000 }, async () => {
    await page.fill('#api_key', 'kosh_not_a_real_key');
    await Promise.all([page.waitForLoadState('load'), page.click('form#signin button[type=submit]')]);
    await expect(page.locator('.error').textContent()).resolves.toContain('unknown or revoked');
    expect((await context.cookies()).filter((c) => c.name === 'kosh_dashboard')).toEqual([]);
  });

  it('when signed in through the form → every chart has data, and the key is in no URL, storage or readable cookie', async () => {
    consoleErrors.length = 0; // the wrong key's 401 before this was expected
    await page.goto(`${h.url}/dashboard`);
    await page.fill('#api_key', key);
    await Promise.all([page.waitForURL(`${h.url}/dashboard`), page.click('form#signin button[type=submit]')]);
    await page.waitForFunction(() => (globalThis as any).koshDashboard?.loads >= 1, null, { timeout: 120_000 });

    expect(page.url()).toBe(`${h.url}/dashboard`);
    expect(page.url()).not.toContain(key);
    const stored = await page.evaluate(() => {
      const g = globalThis as any;
      const dump = (s: any) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? '')}`);
      return { local: dump(g.localStorage), session: dump(g.sessionStorage), cookie: String(g.document.cookie) };
    });
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(stored.cookie).not.toContain('kosh_dashboard'); // HttpOnly: scripts cannot read it
    const cookie = (await context.cookies()).find((c) => c.name === 'kosh_dashboard');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
    expect(cookie?.value).not.toContain(key);
    expect(cookie?.value.length).toBeGreaterThanOrEqual(43); // 256 random bits

    const charts = await chartsOf(page);
    expect(charts.map((c) => c.name).sort()).toEqual([...CHARTS].sort());
    for (const chart of charts) {
      expect(chart.labels, chart.name).toBeGreaterThan(0);
      for (const d of chart.datasets) expect(d.nonZero, `${chart.name} / ${d.label}`).toBeGreaterThan(0);
    }
    // The forecast bands: 95 % outside 80 % outside the point, at every forecast period.
    const bands = await page.evaluate(() => {
      const sets = (globalThis as any).koshDashboard.charts.revenue.data.datasets as {
        label: string;
        data: (number | null)[];
      }[];
      const by = (label: string) => sets.find((s) => s.label === label)?.data ?? [];
      return by('Forecast').flatMap((p, i) =>
        p === null ? [] : [[by('95 % band')[i], by('80 % band')[i], p, by('80 % upper')[i], by('95 % upper')[i]]],
      );
    });
    expect(bands.length).toBeGreaterThan(0);
    for (const b of bands) for (let i = 1; i < b.length; i++) expect(b[i]).toBeGreaterThanOrEqual(b[i - 1] as number);
    await expect(page.locator('.status.error').count()).resolves.toBe(0);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(statSync(path.join(ARTIFACTS, 'dashboard.png')).size).toBeGreaterThan(50_000);
  }, 180_000);

  it('when a school is picked → the numbers change to that school’s, alerts stay platform-wide', async () => {
    const before = await page.evaluate(() => (globalThis as any).koshDashboard.data);
    const kpisBefore = await page.locator('#kpis').textContent();
    const school = before.schools[1] as { id: string; name: string };
    await page.selectOption('#school', school.id);
    await page.click('form#filters button[type=submit]');
    await page.waitForFunction(() => (globalThis as any).koshDashboard.loads >= 2, null, { timeout: 120_000 });
    const after = await page.evaluate(() => (globalThis as any).koshDashboard.data);

    expect(after.school).toEqual(school);
    expect(after.revenue.segment).toBe(`school:${school.id}`);
    expect(after.revenue.total_minor).toBeLessThan(before.revenue.total_minor);
    expect(after.payments.attempts).toBeLessThan(before.payments.attempts);
    expect(after.mrr.mrr).toBeLessThan(before.mrr.mrr);
    expect(after.invoices.outstanding).toBeLessThan(before.invoices.outstanding);
    expect(after.fraud.totals.allow).toBeLessThan(before.fraud.totals.allow);
    expect(after.churn.by_school.map((s: { key: string }) => s.key)).toEqual([school.id]);
    expect(after.alerts).toEqual(before.alerts);
    await expect(page.locator('#kpis').textContent()).resolves.not.toBe(kpisBefore);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-school.png'), fullPage: true });
  }, 180_000);

  it('when MRR movements are asked per school over HTTP → the schools add up to the whole', async () => {
    const months = 'from=2026-06&to=2026-11';
    const all = await h.api('GET', `/v1/analytics/subscriptions/mrr-movements?${months}`);
    expect(all.status).toBe(200);
    const schools = (await page.evaluate(() => (globalThis as any).koshDashboard.data.schools)) as { id: string }[];
    const sums = { new: 0, churned: 0, end_mrr: 0 };
    for (const s of schools) {
      const one = await h.api('GET', `/v1/analytics/subscriptions/mrr-movements?${months}&school_id=${s.id}`);
      for (const m of one.body.months) for (const k of Object.keys(sums) as (keyof typeof sums)[]) sums[k] += m[k];
    }
    for (const k of Object.keys(sums) as (keyof typeof sums)[]) {
      expect(sums[k], k).toBe(all.body.months.reduce((t: number, m: Record<string, number>) => t + (m[k] ?? 0), 0));
    }
    expect(sums.end_mrr).toBeGreaterThan(0);
  });

  it('when the page ran → no script or CSP errors in the console', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('when the data is asked for without a session, or with bad filters → problem+json naming the field', {
    timeout: 120_000,
  }, async () => {
    const none = await fetch(`${h.url}/dashboard/data`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    const cookie = (await context.cookies()).find((c) => c.name === 'kosh_dashboard');
    const withSession = (query: string) =>
      fetch(`${h.url}/dashboard/data?${query}`, { headers: { cookie: `kosh_dashboard=${cookie?.value}` } });
    const bad = async (query: string, field: string, status: number) => {
      const res = await withSession(query);
      expect(res.status, query).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(((await res.json()) as any).errors)).toContain(field);
    };
    await bad('from=2026-13-01', '/from', 422);
    await bad('from=2026-11-20&to=2026-11-01', '/from', 422);
    await bad('school_id=sch_nosuchschool', '/school_id', 422);
    await bad('to=yesterday', '/to', 400);
    await bad('key=x', 'key', 400);
    const ok = await withSession('from=2026-10-01&to=2026-10-31');
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).revenue.granularity).toBe('day');
  });

  it('when signed in with JSON and then out → cookie attributes, and the session ends', {
    timeout: 60_000,
  }, async () => {
    const denied = await fetch(`${h.url}/dashboard/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: await h.keyWith(['payments:read']) }),
    });
    expect(denied.status).toBe(403);
    const crossSite = await fetch(`${h.url}/dashboard/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      body: `api_key=${key}`,
    });
    expect(crossSite.status).toBe(403);
    const res = await fetch(`${h.url}/dashboard/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: key }),
    });
    expect(res.status).toBe(201);
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^kosh_dashboard=[\w-]{43}; Path=\/dashboard; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    const sid = setCookie.split(';')[0] as string;
    expect((await fetch(`${h.url}/dashboard/data`, { headers: { cookie: sid } })).status).toBe(200);
    const out = await fetch(`${h.url}/dashboard/session`, { method: 'DELETE', headers: { cookie: sid } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await fetch(`${h.url}/dashboard/data`, { headers: { cookie: sid } })).status).toBe(401);

    // The browser's sign-out button: back to the sign-in form.
    await page.click('form[action="/dashboard/session/delete"] button');
    await page.waitForSelector('form#signin', { timeout: 30_000 });
    expect(page.url()).toBe(`${h.url}/dashboard`);
    await expect(page.locator('form#signin').count()).resolves.toBe(1);
  });
});
