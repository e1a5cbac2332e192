import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../../data/seed.js';
import { CHURN_FEATURES } from '../../../features/churn/feature-set.js';
import { churnSnapshots } from '../../../features/churn/offline-features.js';
import { fixedClock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db.js';
import { migrate } from '../../../platform/migrate.js';
import { openTestDb } from '../../support/db.js';

const NOW = new Date('2026-11-28T12:00:00Z');
const AS_OF = new Date('2026-09-15T00:00:00Z');

describe('churn features', () => {
  let db: Db;
  beforeAll(async () => {
    const clock = fixedClock(NOW);
    db = await openTestDb();
    await migrate(db, clock);
    await seedDemoData({ db, clock }, { seed: 7, payments: 3_000, churn: true });
  }, 300_000);
  afterAll(async () => db?.close());

  it('when rows are created after the snapshot → the features do not change (point-in-time), only the label may', async () => {
    const before = await churnSnapshots(db, { first: AS_OF, last: AS_OF });
    expect(before.rows.length).toBeGreaterThan(20);
    await db.run('DELETE FROM refunds WHERE created_at > $at', { at: AS_OF });
    await db.run('DELETE FROM payments WHERE created_at > $at', { at: AS_OF });
    const after = await churnSnapshots(db, { first: AS_OF, last: AS_OF });
    expect(after.customerIds).toEqual(before.customerIds);
    expect(after.rows.map((r) => Array.from(r))).toEqual(before.rows.map((r) => Array.from(r)));
    // With no later payments every customer looks churned: the label reads the future, the features never do.
    expect(after.labels.every((y) => y === 1)).toBe(true);
    expect(after.featureNames).toEqual(CHURN_FEATURES);
  });

  it('when the dunning tables do not exist → features are still computed, dunning counts 0', async () => {
    await db.run('DROP TABLE IF EXISTS dunning_cases CASCADE');
    const set = await churnSnapshots(db, { first: AS_OF, last: AS_OF });
    const at = CHURN_FEATURES.indexOf('dunning_cases_180d');
    expect(set.rows.length).toBeGreaterThan(0);
    expect(set.rows.every((r) => r[at] === 0)).toBe(true);
  });
});
