import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendRows } from '../../platform/bulk.js';
import type { Db } from '../../platform/db.js';
import { openTestDb } from '../support/db.js';

/**
 * DuckDB 1.5.6 plans a prepared statement against the statistics of the moment it was prepared; a cached,
 * reused statement then answers wrongly after the data changes. platform/db.ts prepares every call afresh:
 * these tests fail if a statement cache comes back.
 */
describe('db: the same SQL text asked before and after the data changes', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb();
    await db.run('CREATE TABLE holds (id VARCHAR PRIMARY KEY, status VARCHAR NOT NULL)');
  });
  afterEach(async () => db.close());

  it('when rows with a literal-filtered value appear later → the filter finds them', async () => {
    const onHold = "SELECT id FROM holds WHERE status = 'on_hold'";
    expect(await db.all(onHold)).toEqual([]);
    await db.transaction((tx) => tx.run("INSERT INTO holds VALUES ('frl_1', 'on_hold'), ('frl_2', 'created')"));
    expect(await db.all(onHold)).toEqual([{ id: 'frl_1' }]);
    expect(await db.all(onHold)).toEqual([{ id: 'frl_1' }]);
  });

  it('when a parameterless ORDER BY over strings first ran on an empty table → later rows come back intact', async () => {
    const ordered = 'SELECT id, status FROM holds ORDER BY id';
    expect(await db.all(ordered)).toEqual([]);
    await db.transaction((tx) => tx.run("INSERT INTO holds VALUES ('frl_2', 'created'), ('frl_1', 'on_hold')"));
    expect(await db.all(ordered)).toEqual([
      { id: 'frl_1', status: 'on_hold' },
      { id: 'frl_2', status: 'created' },
    ]);
  });

  it("when a bulk load names its columns and the table's column order changes → each value lands in its column", async () => {
    // Dropping and re-adding a column moves it to the end: the table is now (id, note, amount), the load says
    // (id, amount, note). A COPY by position would put 5 into note and fail on 'paid' as a bigint.
    await db.run('CREATE TABLE probes (id VARCHAR PRIMARY KEY, amount BIGINT, note VARCHAR)');
    await db.run('ALTER TABLE probes DROP COLUMN amount');
    await db.run('ALTER TABLE probes ADD COLUMN amount BIGINT NOT NULL');
    await db.transaction((tx) =>
      appendRows(tx, 'probes', { id: 'varchar', amount: 'bigint', note: 'varchar' }, [['prb_1', 5, 'paid\tin full']]),
    );
    expect(await db.all('SELECT id, amount, note FROM probes')).toEqual([
      { id: 'prb_1', amount: 5, note: 'paid\tin full' },
    ]);
  });

  it('when a transaction fails → nothing of it stays, and the writer works on', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO holds VALUES ('frl_3', 'created')");
        await tx.run("INSERT INTO holds VALUES ('frl_3', 'created')");
      }),
    ).rejects.toThrow();
    expect(await db.all('SELECT id FROM holds')).toEqual([]);
    await db.transaction((tx) => tx.run("INSERT INTO holds VALUES ('frl_4', 'created')"));
    expect(await db.all('SELECT id FROM holds')).toEqual([{ id: 'frl_4' }]);
  });
});

describe('db: faults PostgreSQL raises under concurrency', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb({ max: 4, connectionTimeoutMs: 300 });
    await db.run('CREATE TABLE counters (id VARCHAR PRIMARY KEY, n INTEGER NOT NULL)');
    await db.run("INSERT INTO counters VALUES ('a', 0), ('b', 0)");
  });
  afterEach(async () => db.close());

  const until = (check: () => boolean) =>
    new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (check()) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });

  it('when two transactions deadlock → the one PostgreSQL aborts is retried, and both changes land', async () => {
    let attempts = 0;
    let aLocked = false;
    let bLocked = false;
    const a = db.transaction(async (tx) => {
      attempts++;
      await tx.run("UPDATE counters SET n = n + 1 WHERE id = 'a'");
      aLocked = true;
      await until(() => bLocked);
      await tx.run("UPDATE counters SET n = n + 1 WHERE id = 'b'");
    });
    const b = db.transaction(async (tx) => {
      attempts++;
      await tx.run("UPDATE counters SET n = n + 10 WHERE id = 'b'");
      bLocked = true;
      await until(() => aLocked);
      await tx.run("UPDATE counters SET n = n + 10 WHERE id = 'a'");
    });
    await Promise.all([a, b]);
    expect(await db.all('SELECT id, n FROM counters ORDER BY id')).toEqual([
      { id: 'a', n: 11 },
      { id: 'b', n: 11 },
    ]);
    // One of the two was aborted by the deadlock detector and ran again.
    expect(attempts).toBe(3);
  });

  it('when serializable transactions conflict → the loser is retried on a fresh snapshot, and no increment is lost', async () => {
    const increment = () =>
      db.transaction(
        async (tx) => {
          const row = await tx.one<{ n: number }>("SELECT n FROM counters WHERE id = 'a'");
          await new Promise((r) => setTimeout(r, 20));
          await tx.run("UPDATE counters SET n = $n WHERE id = 'a'", { n: (row?.n ?? 0) + 1 });
        },
        { isolation: 'serializable' },
      );
    await Promise.all([increment(), increment(), increment()]);
    expect(await db.one("SELECT n FROM counters WHERE id = 'a'")).toEqual({ n: 3 });
  });

  it('when every connection is held → a query fails 503-style (database_unavailable) within the pool timeout, never hangs', async () => {
    let release = () => undefined as void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const holders = Array.from({ length: 4 }, () => db.transaction(() => held));
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await expect(db.one('SELECT 1')).rejects.toMatchObject({ kind: 'unavailable', code: 'database_unavailable' });
    expect(Date.now() - started).toBeLessThan(3_000);
    release();
    await Promise.all(holders);
    expect(await db.one('SELECT 1 AS ok')).toEqual({ ok: 1 });
  });
});
