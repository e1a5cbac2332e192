import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { FRAUD_FEATURE_SET_VERSION, FRAUD_FEATURES } from '../../features/fraud/feature-set.js';
import { offlineFraudFeatures } from '../../features/fraud/offline-features.js';
import { trainFraudModel } from '../../models/fraud/model.js';
import { listModels } from '../../models/registry/find-models.js';
import { modelKeys } from '../../models/registry/types.js';
import { createWebhookInbox } from '../../payments-core/webhooks/webhook-inbox.js';
import { JOBS } from '../../pipelines/jobs.js';
import { hashTrainingSet, splitByTime, trainFraud, trainFraudModelInWorker } from '../../pipelines/train-fraud.js';
import { fixedClock } from '../../platform/clock.js';
import { NOW, type RegistryDeps, registryDeps, seededDb } from '../models/registry/support.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';

describe('fraud training pipeline', () => {
  let deps: RegistryDeps;
  beforeAll(async () => {
    deps = await registryDeps({ payments: 12_000 });
  }, 120_000);
  afterAll(async () => deps.close());

  it('when attempts are split → the validation part is the newest share, after every training attempt', async () => {
    const set = await offlineFraudFeatures(deps, { to: NOW });
    const { order, train, validation, validationFrom } = splitByTime(set, 0.2, NOW);
    expect(train.rows.length + validation.rows.length).toBe(set.rows.length);
    expect(validation.rows.length).toBe(set.rows.length - Math.floor(set.rows.length * 0.8));
    const cut = train.rows.length;
    const lastTrain = set.at[order[cut - 1] as number] as Date;
    expect(lastTrain.getTime()).toBeLessThanOrEqual(validationFrom.getTime());
    for (const i of order.slice(cut))
      expect((set.at[i] as Date).getTime()).toBeGreaterThanOrEqual(validationFrom.getTime());
    expect(hashTrainingSet(set, order)).toBe(hashTrainingSet(await offlineFraudFeatures(deps, { to: NOW }), order));
  });

  it('when a window is trained → metrics, thresholds and a report saved with the model; progress reported by phase', async () => {
    const phases = new Set<string>();
    let lastTraining = 0;
    const from = new Date(NOW.getTime() - 200 * 86_400_000);
    const result = await trainFraud(deps, {
      from,
      seed: 3,
      validationShare: 0.25,
      onProgress: (phase, done, total) => {
        phases.add(phase);
        if (phase === 'training') lastTraining = done / total;
      },
    });
    expect([...phases]).toEqual(['features', 'training', 'report', 'saving']);
    expect(lastTraining).toBe(1);
    const m = result.model;
    expect(m).toMatchObject({ state: 'champion', seed: 3, train_from: from, train_to: NOW });
    expect(result.became_champion).toBe(true);
    // Train / calibration / test: the newest 25 % tests, the 25 % before it calibrates, the rest trains.
    expect(m.validation_rows / (m.train_rows + 2 * m.validation_rows)).toBeCloseTo(0.25, 2);
    expect(m.metrics['calibrationRows']).toBe(m.validation_rows);
    expect(m.metrics['protocol']).toBe('time-ordered-train-calibration-test-v1');
    const test = m.metrics['test'] as { rocAuc: { value: number; lo: number; hi: number } };
    expect(test.rocAuc.value).toBe(m.metrics['rocAuc']);
    expect(test.rocAuc.lo).toBeLessThanOrEqual(test.rocAuc.value);
    expect(test.rocAuc.hi).toBeGreaterThanOrEqual(test.rocAuc.value);
    for (const k of ['rocAuc', 'prAuc', 'recallAtHalfPercentFpr', 'precisionAtBlock', 'calibrationError']) {
      expect(typeof m.metrics[k]).toBe('number');
    }
    expect(Object.keys(m.thresholds)).toEqual(expect.arrayContaining(['review', 'block', 'blockFpr', 'blockRecall']));
    const report = Buffer.from((await deps.objects.get('models', modelKeys('fraud', m.id).report)) ?? []).toString();
    expect(report).toMatch(/^<!doctype html>/);
    expect(report).toContain(m.id);
    expect(report).toContain(m.data_hash);
    // The model card states the protocol, the data windows and the label definition.
    expect(report).toContain('time-ordered-train-calibration-test-v1');
    expect(report).toContain('Test window (newest, untouched)');
    expect(report).toContain('Calibration window');
    expect(report).toContain('plain declines are not labels');
    expect(report).toMatch(/95 % interval/);
    expect(report).not.toMatch(/<script|<link|src=|href=/i);
    const manifest = JSON.parse(
      Buffer.from((await deps.objects.get('models', modelKeys('fraud', m.id).manifest)) ?? []).toString(),
    );
    expect(manifest.metrics.roc.length).toBeGreaterThan(2);
    expect(manifest.training).toMatchObject({ from: from.toISOString(), to: NOW.toISOString(), seed: 3 });
  }, 120_000);

  it('when trained in a worker thread → the same model as on this thread, and the event loop stays free meanwhile', async () => {
    const set = await offlineFraudFeatures(deps, { to: NOW });
    const { train, validation } = splitByTime(set, 0.2, NOW);
    const options = { seed: 42, featureNames: FRAUD_FEATURES, featureSetVersion: FRAUD_FEATURE_SET_VERSION };
    let worstLag = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      worstLag = Math.max(worstLag, now - last - 10);
      last = now;
    }, 10);
    let inWorker: Awaited<ReturnType<typeof trainFraudModelInWorker>>;
    try {
      inWorker = await trainFraudModelInWorker(train, validation, options);
    } finally {
      clearInterval(ticker);
    }
    const here = await trainFraudModel(train, validation, options);
    expect(Buffer.from(inWorker.model.serialize().artifact).equals(Buffer.from(here.model.serialize().artifact))).toBe(
      true,
    );
    const a = inWorker.model.scoreMany(validation.rows);
    const b = here.model.scoreMany(validation.rows);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(inWorker.metrics.prAuc).toBe(here.metrics.prAuc);
    expect(worstLag).toBeLessThan(250);
  }, 120_000);

  it('when the window holds too little data or the options are out of range → 400 and nothing registered', async () => {
    const before = (await listModels(deps)).length;
    await expect(trainFraud(deps, { from: new Date(NOW.getTime() - 3_600_000), to: NOW })).rejects.toMatchObject({
      code: 'not_enough_training_data',
    });
    await expect(trainFraud(deps, { validationShare: 0.9 })).rejects.toMatchObject({
      code: 'invalid_validation_share',
    });
    await expect(trainFraud(deps, { seed: -1 })).rejects.toMatchObject({ code: 'invalid_seed' });
    await expect(trainFraud(deps, { from: NOW, to: NOW })).rejects.toMatchObject({ code: 'invalid_window' });
    expect((await listModels(deps)).length).toBe(before);
  });

  it('when the weekly job runs → it trains on everything before its time and registers a candidate', async () => {
    const job = JOBS.find((j) => j.name === 'retrain-fraud');
    expect(job?.cron).toBe('0 3 * * 0');
    const gateway = {} as Parameters<NonNullable<typeof job>['run']>[0]['gateway'];
    const summary = await job?.run({ ...deps, gateway, inbox: createWebhookInbox({ ...deps, gateway }) }, { now: NOW });
    expect(summary).toMatchObject({ state: 'candidate', version: expect.stringMatching(/^fraud-20261128-/) });
    await expect(
      job?.run(
        { db: deps.db, clock: deps.clock, log: deps.log, gateway, inbox: createWebhookInbox({ ...deps, gateway }) },
        { now: NOW },
      ),
    ).rejects.toThrow(/object store/);
  }, 120_000);
});

describe('kosh train / kosh models without a server', () => {
  let dir: string;
  let url: string;
  const out: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kosh-train-cli-'));
    url = await createTestDatabase();
    await (await seededDb(url, fixedClock(NOW), 12_000)).close();
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  }, 120_000);
  afterAll(async () => {
    vi.restoreAllMocks();
    await dropTestDatabase(url);
    rmSync(dir, { recursive: true, force: true });
  });
  const env = () => ({ KOSH_DATA_DIR: dir, KOSH_DATABASE_URL: url, LOG_LEVEL: 'silent' });

  it('when `kosh train fraud` runs → it trains in-process, says the first model is champion, and saves the report', async () => {
    out.length = 0;
    expect(
      await main(['train', 'fraud', '--to', '2026-11-28', '--seed', '42', '--validation-share', '0.2'], env()),
    ).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/fraud-\d{8}-[0-9a-z]{4}: champion \(the first fraud model: champion without a gate\)/);
    expect(text).toContain('in this process on');
    const version = /(fraud-\d{8}-[0-9a-z]{4})/.exec(text)?.[1] ?? '';
    expect(readFileSync(path.join(dir, 'objects', 'models', 'fraud', version, 'report.html'), 'utf8')).toContain(
      version,
    );
  }, 120_000);

  it('when `kosh models list` runs → the table shows the model; bad arguments print the usage', async () => {
    out.length = 0;
    expect(await main(['models', 'list'], env())).toBe(0);
    expect(out.join('\n')).toMatch(/VERSION\s+STATE[\s\S]*champion/);
    out.length = 0;
    expect(await main(['train', 'fraud', '--from', '28-11-2026'], env())).toBe(1);
    expect(out.join('\n')).toContain('--from must be a date YYYY-MM-DD');
    expect(await main(['models', 'promote'], env())).toBe(1);
    out.length = 0;
    expect(await main(['models', 'rollback'], env())).toBe(1);
    expect(out.join('\n')).toContain('no earlier fraud champion');
  });
});
