import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { seedDemoData } from '../../data/seed.js';
import { fixedClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { writeServerFile } from '../../serving/server-file.js';
import { type Harness, startHarness } from '../support/harness.js';

const NOW = new Date('2026-11-28T21:30:00Z');
const DAY = 86_400_000;

/** Churn models through the running server: trained by its API (and by `kosh train churn` through it), promoted
 * through the same registry path and the same fair gate as fraud. */
describe('churn models through the server', () => {
  let h: Harness;
  let dir: string;
  let champion: string;
  let fresh: string;
  const clock = fixedClock(NOW);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kosh-churn-models-'));
    h = await startHarness({ clock });
    await seedDemoData(
      { db: h.db, clock, log: createLog({ level: 'silent' }) },
      { seed: 42, payments: 8_000, churn: true },
    );
  }, 300_000);
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when churn is trained over HTTP → 201; the first is champion, with test-month metrics beside the base rate', async () => {
    const to = new Date(NOW.getTime() - 60 * DAY).toISOString().slice(0, 10);
    const res = await h.api('POST', '/v1/models/churn/train', { to, months: 6, candidates: ['logistic_regression'] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ became_champion: true, model: { task: 'churn', state: 'champion' } });
    const test = res.body.metrics.test;
    expect(test).toMatchObject({ protocol: 'time-ordered-train-calibration-test-v1' });
    expect(test.majorityAccuracy).toBeCloseTo(Math.max(test.baseRate, 1 - test.baseRate), 12);
    expect(test.rocAuc.lo).toBeLessThanOrEqual(test.rocAuc.value);
    expect(new Date(res.body.model.validation_from).getTime()).toBe(Date.parse(`${to}T00:00:00Z`) - 30 * DAY);
    champion = res.body.model.id;
  }, 300_000);

  it('when a retrained churn model on newer data is promoted → judged by the fair gate on its fresh test month, not refused as "not a fraud model"', async () => {
    const res = await h.api('POST', '/v1/models/churn/train', {
      to: NOW.toISOString(),
      months: 6,
      candidates: ['logistic_regression'],
    });
    expect(res).toMatchObject({ status: 201, body: { became_champion: false, model: { state: 'candidate' } } });
    fresh = res.body.model.id;
    const promoted = await h.api('POST', `/v1/models/${fresh}/promote`, {});
    // Either verdict is honest; what matters is that a verdict was given on the fresh month, by ROC-AUC difference.
    const gate = promoted.status === 200 ? promoted.body.gate : promoted.body.gate;
    expect([200, 409]).toContain(promoted.status);
    if (promoted.status === 409) expect(promoted.body.code).toBe('promotion_gate_failed');
    else {
      expect(promoted.body).toMatchObject({ previous: champion, model: { id: fresh, state: 'champion' } });
      expect(gate).toMatchObject({ metric: 'roc_auc_difference', passed: true });
      expect(new Date(gate.validation_from).toISOString()).toBe(res.body.model.validation_from);
    }
    expect(JSON.stringify(promoted.body)).not.toContain('not a fraud model');
  }, 300_000);

  it('when a churn model of the same window is promoted → undecidable; forced with a reason → champion, the event names key and reason', async () => {
    const res = await h.api('POST', '/v1/models/churn/train', {
      to: NOW.toISOString(),
      months: 6,
      seed: 7,
      candidates: ['logistic_regression'],
    });
    const twin = res.body.model.id as string;
    const current = (await h.api('GET', '/v1/models?task=churn&state=champion')).body.data[0].id;
    if (current !== fresh) {
      // The fresh model lost its gate: make it champion by force first, so `twin` shares its window.
      const forced = await h.api('POST', `/v1/models/${fresh}/promote`, { force: true, reason: 'test setup' });
      expect(forced.status).toBe(200);
    }
    const gated = await h.api('POST', `/v1/models/${twin}/promote`, {});
    expect(gated).toMatchObject({ status: 409, body: { code: 'promotion_gate_undecidable' } });
    const forced = await h.api('POST', `/v1/models/${twin}/promote`, { force: true, reason: 'seed 7 for the pilot' });
    expect(forced).toMatchObject({ status: 200, body: { model: { id: twin, state: 'champion', task: 'churn' } } });
    const events = await h.api('GET', `/v1/models/${twin}/events`);
    expect(events.body.data.at(-1)).toMatchObject({
      event: 'promoted',
      reason: 'forced',
      detail: { forced: true, force_reason: 'seed 7 for the pilot', forced_by: expect.stringMatching(/^api_key:/) },
    });
  }, 300_000);

  it('when a server is running → `kosh train churn` trains through its API instead of opening the database', async () => {
    writeServerFile(dir, { url: h.url, pid: process.pid, admin_key: h.adminKey, started_at: NOW.toISOString() });
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    const err = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    try {
      const env = { KOSH_DATA_DIR: dir, LOG_LEVEL: 'silent' };
      expect(await main(['train', 'churn', '--months', '4', '--seed', '3'], env)).toBe(0);
      const text = out.join('\n');
      expect(text).toContain(`training on the server at ${h.url}`);
      expect(text).toMatch(/churn-\d{8}-[0-9a-z]{4}: candidate/);
      expect(text).toMatch(/test month: {2}accuracy [\d.]+ \[[\d.]+, [\d.]+\] vs [\d.]+ for "nobody churns"/);
      expect(text).toContain('promote with: kosh models promote churn-');
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  }, 600_000);
});
