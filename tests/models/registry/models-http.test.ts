import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../bin/cli.js';
import { FRAUD_FEATURES } from '../../../features/fraud/feature-set.js';
import { fixedClock } from '../../../platform/clock.js';
import { writeServerFile } from '../../../serving/server-file.js';
import { createTestDatabase, dropTestDatabase } from '../../support/db.js';
import { type Harness, startHarness } from '../../support/harness.js';
import { NOW, seededDb } from './support.js';

/** The registry over HTTP on demo payments: real app, real database, local object store, the app's selector. */
describe('models over HTTP', () => {
  let h: Harness;
  let dir: string;
  let url: string;
  let champion: string;
  let candidate: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kosh-models-http-'));
    const clock = fixedClock(NOW);
    url = await createTestDatabase();
    await (await seededDb(url, clock, 12_000)).close();
    h = await startHarness({ databaseUrl: url, clock });
  }, 120_000);
  afterAll(async () => {
    await h.close();
    await dropTestDatabase(url);
    rmSync(dir, { recursive: true, force: true });
  });

  it('when a key lacks models:admin → 403; with it → the (empty) list', async () => {
    const reader = await h.keyWith(['payments:read']);
    expect((await h.api('GET', '/v1/models', undefined, { authorization: `Bearer ${reader}` })).status).toBe(403);
    const admin = await h.keyWith(['models:admin']);
    const res = await h.api('GET', '/v1/models?task=fraud', undefined, { authorization: `Bearer ${admin}` });
    expect(res).toMatchObject({ status: 200, body: { object: 'list', data: [] } });
    expect(h.fraudModels.pick('cus_1')).toEqual({ primary: null, shadow: null });
  });

  it('when the first model is trained over HTTP → 201, champion at once, and the app scores with it', async () => {
    const res = await h.api('POST', '/v1/models/fraud/train', { seed: 42 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ became_champion: true, model: { object: 'model', state: 'champion', seed: 42 } });
    expect(res.body.timings_ms.training).toBeGreaterThan(0);
    champion = res.body.model.id;
    expect(h.fraudModels.pick('cus_1').primary).toMatchObject({ version: champion, role: 'champion' });
  }, 120_000);

  it('when the report is fetched → one self-contained HTML page with SVG curves and feature importance', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: `/v1/models/${champion}/report`,
      headers: { authorization: `Bearer ${h.adminKey}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const html = res.body;
    expect(html).toContain(champion);
    expect(html.match(/<svg /g)?.length).toBe(3);
    for (const text of ['ROC curve', 'Precision–recall curve', 'Feature importance']) {
      expect(html).toContain(text);
    }
    // The importance chart's bars are labelled with feature names (the top 25; which ones depend on the demo data).
    const named = FRAUD_FEATURES.filter((f) => html.includes(`>${f}</text>`));
    expect(named.length).toBeGreaterThanOrEqual(10);
    // Nothing external: no scripts, links, or URLs other than the SVG namespace.
    expect(html).not.toMatch(/<script|<link|src=|href=/i);
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
  });

  it('when a second model is trained on the same window → candidate; the gate will not judge it; forced with a reason it is promoted, the event naming the key and the reason', async () => {
    const trained = await h.api('POST', '/v1/models/fraud/train', { seed: 42, to: NOW.toISOString() });
    expect(trained.status).toBe(201);
    expect(trained.body).toMatchObject({ became_champion: false, model: { state: 'candidate' } });
    candidate = trained.body.model.id;
    const list = await h.api('GET', '/v1/models?task=fraud');
    expect(list.body.data.map((m: { id: string }) => m.id).sort()).toEqual([champion, candidate].sort());
    // Same window as the champion: no row is fresh for both, so there is nothing fair to compare on.
    const gated = await h.api('POST', `/v1/models/${candidate}/promote`, {});
    expect(gated).toMatchObject({ status: 409, body: { code: 'promotion_gate_undecidable' } });
    expect(await h.api('POST', `/v1/models/${candidate}/promote`, { force: true })).toMatchObject({
      status: 422,
      body: { code: 'force_reason_required' },
    });
    const admin = await h.keyWith(['models:admin']);
    const promoted = await h.api(
      'POST',
      `/v1/models/${candidate}/promote`,
      { force: true, reason: 'retrained after the label fix' },
      { authorization: `Bearer ${admin}` },
    );
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ previous: champion, gate: null });
    expect(h.fraudModels.pick('cus_1').primary?.version).toBe(candidate);
    expect((await h.api('GET', `/v1/models/${champion}`)).body.state).toBe('retired');
    const events = await h.api('GET', `/v1/models/${candidate}/events`);
    const event = events.body.data.at(-1);
    expect(event).toMatchObject({
      event: 'promoted',
      reason: 'forced',
      detail: { forced: true, force_reason: 'retrained after the label fix' },
    });
    expect(event.detail.forced_by).toMatch(/^api_key:key_/);
  }, 120_000);

  it('when rolled back → the previous champion serves again', async () => {
    const res = await h.api('POST', '/v1/models/fraud/rollback', { reason: 'checkout errors' });
    expect(res).toMatchObject({
      status: 200,
      body: { rolled_back: candidate, model: { id: champion, state: 'champion' } },
    });
    expect(h.fraudModels.pick('cus_1').primary?.version).toBe(champion);
    const events = await h.api('GET', `/v1/models/${candidate}/events`);
    expect(events.body.data.at(-1)).toMatchObject({ event: 'rolled_back', reason: 'checkout errors' });
  });

  it('when a canary is started, inspected and stopped → the app routes its share and the champion shadows', async () => {
    const trained = await h.api('POST', '/v1/models/fraud/train', { seed: 7, to: NOW.toISOString() });
    const version = trained.body.model.id as string;
    const started = await h.api('POST', '/v1/models/fraud/canary', { version, share: 0.5 });
    expect(started).toMatchObject({ status: 201, body: { object: 'model_canary', model_id: version, share: 0.5 } });
    const picks = Array.from({ length: 400 }, (_, i) => h.fraudModels.pick(`cus_${i}`));
    const canaried = picks.filter((p) => p.primary?.role === 'canary');
    expect(canaried.length).toBeGreaterThan(150);
    expect(canaried.length).toBeLessThan(250);
    expect(canaried.every((p) => p.shadow?.version === champion)).toBe(true);
    h.fraudModels.observe(version, { ok: true, ms: 1.5 });
    const live = await h.api('GET', '/v1/models/fraud/canary');
    expect(live.body).toMatchObject({ canary: { model_id: version }, live: { calls: 1, errors: 0, p99_ms: 1.5 } });
    expect((await h.api('DELETE', '/v1/models/fraud/canary')).status).toBe(200);
    expect(h.fraudModels.pick('cus_1').shadow).toBeNull();
    const again = await h.api('DELETE', '/v1/models/fraud/canary');
    expect(again).toMatchObject({ status: 404, body: { code: 'canary_not_found' } });
    expect(again.headers['content-type']).toContain('application/problem+json');
  }, 120_000);

  it('when a request is wrong → problem+json naming it', async () => {
    expect(await h.api('POST', '/v1/models/fraud/train', { validation_share: 0.9 })).toMatchObject({ status: 400 });
    expect(await h.api('POST', '/v1/models/fraud/canary', { version: champion, share: 0.1 })).toMatchObject({
      status: 409,
      body: { code: 'not_a_candidate' },
    });
    expect(await h.api('POST', '/v1/models/fraud-20990101-zzzz/promote', {})).toMatchObject({
      status: 404,
      body: { code: 'model_not_found' },
    });
    expect(await h.api('GET', '/v1/models/fraud-20990101-zzzz/report')).toMatchObject({ status: 404 });
  });

  it('when the retrain-fraud job runs → it registers a candidate and says so in its summary', async () => {
    const res = await h.api('POST', '/v1/jobs/retrain-fraud/runs', {});
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ job: 'retrain-fraud', status: 'succeeded', summary: { state: 'candidate' } });
    expect(res.body.summary.version).toMatch(/^fraud-\d{8}-[0-9a-z]{4}$/);
    expect(h.fraudModels.pick('cus_1').primary?.version).toBe(champion);
  }, 120_000);

  it('when a server is running → `kosh models` and `kosh train` go through its API', async () => {
    writeServerFile(dir, { url: h.url, pid: process.pid, admin_key: h.adminKey, started_at: NOW.toISOString() });
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    const err = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    try {
      const env = { KOSH_DATA_DIR: dir, LOG_LEVEL: 'silent' };
      expect(await main(['models', 'list'], env)).toBe(0);
      expect(out.join('\n')).toContain(champion);
      expect(await main(['models', 'canary', candidate, '0.1'], env)).toBe(1);
      expect(out.join('\n')).toContain('only a candidate can run as a canary');
      expect(await main(['models', 'promote', candidate, '--force'], env)).toBe(1);
      expect(out.join('\n')).toContain('--force needs --reason');
      out.length = 0;
      expect(await main(['train', 'fraud', '--seed', '9'], env)).toBe(0);
      expect(out.join('\n')).toMatch(/training on the server[\s\S]*: candidate[\s\S]*via the server at/);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  }, 120_000);
});
