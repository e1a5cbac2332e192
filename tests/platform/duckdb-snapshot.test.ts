import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../platform/db.js';
import { snapshotToDuckDb } from '../../platform/duckdb-snapshot.js';
import { openTestDb } from '../support/db.js';

describe('a DuckDB snapshot of PostgreSQL tables', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb();
    await db.run(`CREATE TABLE snap (id VARCHAR PRIMARY KEY, amount BIGINT, at TIMESTAMPTZ, day DATE, tags VARCHAR[],
                  notes JSON, ok BOOLEAN, share DOUBLE PRECISION, text VARCHAR)`);
    await db.run(
      `INSERT INTO snap VALUES
        ('a', 9007199254740991, '2026-03-31T18:30:00.123456Z', '2026-04-01', ARRAY['x', 'y,z'], '{"k": "v"}', true, 0.25, 'comma, "quote"' || chr(10) || 'line'),
        ('b', -5, NULL, NULL, NULL, NULL, NULL, NULL, ''),
        ('c', 0, '2026-01-01T00:00:00Z', '2026-01-01', ARRAY[]::VARCHAR[], 'null', false, 1e-9, NULL)`,
    );
  });
  afterAll(async () => db.close());

  it('when tables are copied → every value arrives with its type: timestamps in UTC, lists, JSON text, NULL vs empty', async () => {
    const duck = await snapshotToDuckDb(db, [{ table: 'snap' }]);
    try {
      const rows = await duck.all('SELECT * FROM snap ORDER BY id');
      expect(rows).toEqual([
        {
          id: 'a',
          amount: 9007199254740991,
          at: new Date('2026-03-31T18:30:00.123Z'),
          day: new Date('2026-04-01T00:00:00Z'),
          tags: ['x', 'y,z'],
          notes: '{"k": "v"}',
          ok: true,
          share: 0.25,
          text: 'comma, "quote"\nline',
        },
        { id: 'b', amount: -5, at: null, day: null, tags: null, notes: null, ok: null, share: null, text: '' },
        {
          id: 'c',
          amount: 0,
          at: new Date('2026-01-01T00:00:00Z'),
          day: new Date('2026-01-01T00:00:00Z'),
          tags: [],
          notes: 'null',
          ok: false,
          share: 1e-9,
          text: null,
        },
      ]);
      expect(await duck.one(`SELECT "at" + INTERVAL 330 MINUTE AS ist FROM snap WHERE id = 'a'`)).toEqual({
        ist: new Date('2026-04-01T00:00:00.123Z'),
      });
    } finally {
      await duck.close();
    }
  });

  it('when a condition is given → only those rows', async () => {
    const duck = await snapshotToDuckDb(db, [{ table: 'snap', where: 'amount >= 0' }]);
    try {
      expect(await duck.all('SELECT id FROM snap ORDER BY id')).toEqual([{ id: 'a' }, { id: 'c' }]);
    } finally {
      await duck.close();
    }
  });
});
