import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cli.js';
import type { Db } from '../../platform/db.js';
import { openDuckDb } from '../../platform/duckdb.js';
import { ImportRefused, importDuckDb } from '../../platform/import-duckdb.js';
import { createTestDatabase, dropTestDatabase, openTestDb } from '../support/db.js';

const SCHEMA = path.resolve('tests/fixtures/duckdb-schema');

/** A kosh DuckDB file as an install before PostgreSQL left it: the old migrations, and rows of record. */
async function makeOldInstall(file: string): Promise<void> {
  const duck = await openDuckDb(file);
  for (const name of readdirSync(SCHEMA)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const sql = readFileSync(path.join(SCHEMA, name), 'utf8').replace(/--[^\n]*/g, '');
    for (const statement of sql
      .split(/;\s*(?:\n|$)/)
      .map((s) => s.trim())
      .filter((s) => s !== '')) {
      await duck.run(statement);
    }
  }
  await duck.run(
    `INSERT INTO schools VALUES ('sch_1', 'Green Valley', 'Bengaluru', 'KA', NULL, TIMESTAMP '2026-01-01 00:00:00')`,
  );
  await duck.run(`INSERT INTO customers VALUES ('cus_1', 'sch_1', 'अनन्या राव', 'a@example.in', '+919800000001', 'KA', NULL,
                  '{"child": "Ira"}', TIMESTAMP '2026-01-02 03:04:05.678901')`);
  await duck.run(`INSERT INTO orders VALUES ('ord_1', 'cus_1', 'sch_1', 110000, 'INR', 'paid', 'Lunch, term 1', 'order_X', NULL,
                  TIMESTAMP '2026-01-03 10:00:00', TIMESTAMP '2026-01-03 10:00:01')`);
  await duck.run(`INSERT INTO api_keys VALUES ('key_1', 'ops', 'kosh_ab', 'hash1', ['payments:read', 'billing:admin'],
                  TIMESTAMP '2026-01-01 00:00:00', NULL)`);
  await duck.run(`INSERT INTO journal_entries VALUES ('je_1', 'capture', 'payment', 'pay_1', 'INR', NULL, TIMESTAMP '2026-01-03 10:00:02'),
                  ('je_2', 'refund_processed', 'refund', 'rfnd_1', 'INR', 'tab\tand\nnewline', TIMESTAMP '2026-01-04 10:00:02')`);
  await duck.run(`INSERT INTO journal_lines VALUES ('je_1', 1, 'gateway_clearing', 'sch_1', 110000, 'INR'),
                  ('je_1', 2, 'school_payable', 'sch_1', -110000, 'INR'),
                  ('je_2', 1, 'school_payable', 'sch_1', 10000, 'INR'), ('je_2', 2, 'gateway_clearing', 'sch_1', -10000, 'INR')`);
  await duck.run(`INSERT INTO model_events (id, task, model_id, event, created_at) VALUES
                  ('mev_1', 'fraud', 'm1', 'registered', TIMESTAMP '2026-01-05 00:00:00'),
                  ('mev_2', 'fraud', 'm1', 'promoted', TIMESTAMP '2026-01-05 00:00:01')`);
  await duck.run('CREATE TABLE scratch_notes (id VARCHAR)');
  await duck.close();
}

describe('kosh import-duckdb', () => {
  let dir: string;
  let file: string;
  let db: Db;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kosh-import-'));
    file = path.join(dir, 'kosh.duckdb');
    await makeOldInstall(file);
    db = await openTestDb();
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when an old install is imported into an empty database → every row arrives, counts and ledger sums are proven equal', async () => {
    const report = await importDuckDb(db, file);
    const rows = Object.fromEntries(report.tables.map((t) => [t.table, t.rows]));
    expect(rows).toMatchObject({
      schools: 1,
      customers: 1,
      orders: 1,
      api_keys: 1,
      journal_entries: 2,
      journal_lines: 4,
      model_events: 2,
    });
    // The default invoice template and supplier the migrations seed come over from the file, not doubled.
    expect(rows['invoice_templates']).toBe(1);
    expect(report.skipped).toEqual(['scratch_notes']);
    expect(report.ledgerLines).toBe(4);
    expect(report.ledger).toEqual([
      { account: 'gateway_clearing', currency: 'INR', amount_minor: 100000 },
      { account: 'school_payable', currency: 'INR', amount_minor: -100000 },
    ]);
    expect(await db.one('SELECT name, notes, created_at FROM customers')).toEqual({
      name: 'अनन्या राव',
      notes: '{"child": "Ira"}',
      created_at: new Date('2026-01-02T03:04:05.678Z'),
    });
    expect(await db.one('SELECT scopes FROM api_keys')).toEqual({ scopes: ['payments:read', 'billing:admin'] });
    expect(await db.one("SELECT memo FROM journal_entries WHERE id = 'je_2'")).toEqual({ memo: 'tab\tand\nnewline' });
    // The model event sequence continues after the imported values.
    expect(await db.one("SELECT nextval('model_event_seq') AS n")).toEqual({ n: 3 });
  });

  it('when the target already holds records → refused, and nothing changes', async () => {
    await expect(importDuckDb(db, file)).rejects.toBeInstanceOf(ImportRefused);
    expect(await db.one('SELECT count(*) AS n FROM journal_lines')).toEqual({ n: 4 });
  });

  it('when run as `kosh import-duckdb FILE` → exit 0 into a fresh database, then 1 (refused) a second time', async () => {
    const url = await createTestDatabase();
    const env = { KOSH_DATABASE_URL: url, KOSH_DATA_DIR: dir, LOG_LEVEL: 'silent' };
    try {
      expect(await main(['import-duckdb', file], env)).toBe(0);
      expect(await main(['import-duckdb', file], env)).toBe(1);
    } finally {
      await dropTestDatabase(url);
    }
  });
});
