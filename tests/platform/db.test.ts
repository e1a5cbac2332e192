import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
