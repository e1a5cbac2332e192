import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExportCli } from '../../bin/export-cli.js';
import { seedDemoData } from '../../data/seed.js';
import { FRAUD_FEATURES } from '../../features/fraud/feature-set.js';
import { offlineFraudFeatures } from '../../features/fraud/offline-features.js';
import { SCHEDULE_RULES } from '../../pipelines/schedule.js';
import { fixedClock } from '../../platform/clock.js';
import { loadConfig } from '../../platform/config.js';
import { openDb } from '../../platform/db.js';
import { migrate } from '../../platform/migrate.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';
import { type Harness, startHarness } from '../support/harness.js';

const NOW = new Date('2026-11-28T06:00:00Z');

async function readParquet(bytes: Uint8Array, dir: string): Promise<Record<string, unknown>[]> {
  const file = path.join(dir, `read-${Math.random().toString(36).slice(2)}.parquet`);
  await writeFile(file, bytes);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet('${file}') ORDER BY event_time, id`);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

async function fetchBytes(h: Harness, pathname: string, key = h.adminKey) {
  const res = await fetch(`${h.url}${pathname}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

describe('feature export (kosh export features, GET /v1/features/:set/export)', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kosh-export-'));
    h = await startHarness({ clock: fixedClock(NOW) });
    await seedDemoData({ db: h.db, clock: fixedClock(NOW) }, { seed: 5, payments: 1_500, months: 2 });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exports the fraud set as Parquet with the same rows, labels and values as the offline builder', async () => {
    const expected = await offlineFraudFeatures({ db: h.db });
    const res = await fetchBytes(h, '/v1/features/fraud/export?format=parquet');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(Number(res.headers.get('x-kosh-rows'))).toBe(expected.ids.length);
    const rows = await readParquet(res.bytes, dir);
    expect(rows.length).toBe(expected.ids.length);
    expect(Object.keys(rows[0] ?? {})).toEqual(['id', 'event_time', 'label', ...FRAUD_FEATURES]);
    const labels = rows.reduce((n, r) => n + Number(r.label), 0);
    expect(labels).toBe(expected.labels.reduce((n, v) => n + v, 0));
    for (const i of [0, Math.floor(rows.length / 2), rows.length - 1]) {
      const row = rows[i] as Record<string, unknown>;
      expect(row.id).toBe(expected.ids[i]);
      for (const [j, f] of FRAUD_FEATURES.entries()) expect(row[f]).toBeCloseTo(expected.rows[i]?.[j] as number, 9);
    }
  });

  it('exports Arrow IPC files and honours the window', async () => {
    const from = '2026-11-01';
    const expected = await offlineFraudFeatures({ db: h.db }, { from: new Date(from) });
    const res = await fetchBytes(h, `/v1/features/fraud/export?format=arrow&from=${from}`);
    expect(res.status).toBe(200);
    const table = tableFromIPC(res.bytes);
    expect(table.numRows).toBe(expected.ids.length);
    expect(table.numRows).toBeGreaterThan(0);
    expect(table.schema.fields.map((f) => f.name).slice(0, 3)).toEqual(['id', 'event_time', 'label']);
    expect(table.getChild(FRAUD_FEATURES[0] as string)?.get(0)).toBeCloseTo(expected.rows[0]?.[0] as number, 9);
  });

  it('answers bad requests with problem+json naming the field, and needs models:admin', async () => {
    const unknown = await h.api('GET', '/v1/features/nope/export');
    expect(unknown.status).toBe(404);
    const badFormat = await h.api('GET', '/v1/features/fraud/export?format=csv');
    expect(badFormat.status).toBe(400);
    expect(JSON.stringify(badFormat.body)).toContain('format');
    const badWindow = await h.api('GET', '/v1/features/fraud/export?from=2026-11-10&to=2026-11-01');
    expect(badWindow.status).toBe(422);
    expect(badWindow.body.errors?.[0]?.field ?? JSON.stringify(badWindow.body)).toContain('from');
    const reader = await h.keyWith(['payments:read']);
    expect((await fetchBytes(h, '/v1/features/fraud/export', reader)).status).toBe(403);
  });

  it('kosh export features writes the file from the database when no server runs', async () => {
    const dataDir = path.join(dir, 'data');
    const url = await createTestDatabase();
    const config = loadConfig({ KOSH_DATA_DIR: dataDir, KOSH_DATABASE_URL: url }, SCHEDULE_RULES);
    const db = await openDb(url);
    await migrate(db, fixedClock(NOW));
    await seedDemoData({ db, clock: fixedClock(NOW) }, { seed: 6, payments: 500, months: 1 });
    const n = (await offlineFraudFeatures({ db })).ids.length;
    await db.close();
    const out = path.join(dir, 'fraud.parquet');
    expect(await runExportCli(['features', '--set', 'fraud', '--out', out], config, 'usage')).toBe(0);
    expect((await readParquet(new Uint8Array(await readFile(out)), dir)).length).toBe(n);
    expect(await runExportCli(['features', '--set', 'fraud', '--out', path.join(dir, 'x.csv')], config, 'usage')).toBe(
      1,
    );
    expect(await runExportCli(['features', '--set', 'nope', '--out', out], config, 'usage')).toBe(1);
    await dropTestDatabase(url);
  });
});
