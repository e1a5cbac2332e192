import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FOLLOWER_SAVE_EVERY_MS,
  loadFollowedOnlineFraudFeatures,
} from '../../features/fraud/follow-payment-changes.js';
import { readPaymentFeedLag } from '../../payments-core/monitoring/state-gauges.js';
import { prunePaymentChanges } from '../../payments-core/payments/prune-payment-changes.js';
import {
  appendPaymentChanges,
  LAKE_FEED_CURSOR,
  PART_WRITTEN,
  PAYMENT_CHANGES_PREFIX,
  partKey,
} from '../../pipelines/lake/append-payment-changes.js';
import { compactPaymentChanges } from '../../pipelines/lake/compact-payment-changes.js';
import { livePaymentsSql } from '../../pipelines/lake/live-payments.js';
import { exportLakeRange, LAKE_BUCKET } from '../../pipelines/lake-export.js';
import { fixedClock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { type DuckDb, openDuckDb } from '../../platform/duckdb.js';
import type { KillPoints } from '../../platform/kill-points.js';
import { createLog } from '../../platform/log.js';
import { localObjectStore, type ObjectStore } from '../../platform/objects.js';
import { openTestDb } from '../support/db.js';

const T0 = new Date('2026-11-28T04:00:00Z');
/** How often kosh serve runs the appender (serving/server.ts); the freshness bound is this plus one tick's work. */
const APPEND_EVERY_MS = 10_000;
const clock = fixedClock(T0);
const root = mkdtempSync(path.join(tmpdir(), 'kosh-lake-append-'));
let db: Db;
let objects: ObjectStore;
/** DuckDB reads the lake's files, as an analyst would. */
let duck: DuckDb;

async function insertPayment(id: string): Promise<void> {
  const at = clock.now();
  await db.run(
    `INSERT INTO orders (id, customer_id, school_id, amount_minor, currency, status, created_at, updated_at)
     VALUES ($order_id, 'cus_1', 'sch_1', 42000, 'INR', 'attempted', $at, $at)`,
    { order_id: `ord_${id}`, at },
  );
  await db.run(
    `INSERT INTO payments (id, order_id, customer_id, school_id, method, amount_minor, currency, status, capture_mode,
       ip, created_at, updated_at)
     VALUES ($id, $order_id, 'cus_1', 'sch_1', 'upi', 42000, 'INR', 'created', 'auto', '10.0.0.9', $at, $at)`,
    { id, order_id: `ord_${id}`, at },
  );
}

const lake = (sql: string) => duck.all<{ id: string; status: string; n: number }>(sql);
const live = async (id: string): Promise<string[]> => {
  const sql = livePaymentsSql(root);
  if (sql === null) return [];
  return (await lake(`SELECT id, status FROM (${sql}) WHERE id = '${id}'`)).map((x) => x.status);
};
/** Copies of a payment across every part file: the lake's raw rows, no dedupe. */
const copies = async (id: string) =>
  (
    await lake(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${path.join(root, LAKE_BUCKET, PAYMENT_CHANGES_PREFIX)}*.parquet') WHERE id = '${id}'`,
    )
  )[0]?.n;

beforeAll(async () => {
  db = await openTestDb();
  objects = localObjectStore(root);
  duck = await openDuckDb(':memory:');
});
afterAll(async () => {
  await duck?.close();
  await db?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the lake appender', () => {
  it('when a payment commits → a DuckDB query of the lake sees it after the next tick, within 60 s, and then its new state', async () => {
    await insertPayment('pay_l1');
    const committed = clock.now().getTime();
    expect(await live('pay_l1')).toEqual([]);
    clock.advance(APPEND_EVERY_MS); // the next scheduled tick
    const started = performance.now();
    const r = await appendPaymentChanges({ db, objects, clock });
    const tickMs = performance.now() - started;
    expect(r).toMatchObject({ changes: 1, payments: 1 });
    expect(await live('pay_l1')).toEqual(['created']);
    expect(clock.now().getTime() - committed + tickMs).toBeLessThan(60_000);
    // The raw IP stays in the database, as in the nightly export.
    const cols = await lake(`DESCRIBE ${livePaymentsSql(root)}`);
    expect(cols.map((c) => (c as unknown as { column_name: string }).column_name)).not.toContain('ip');

    clock.advance(1000);
    await db.run(
      `UPDATE payments SET status = 'failed', error_code = 'BAD_REQUEST_ERROR', failed_at = $at, updated_at = $at
       WHERE id = 'pay_l1'`,
      { at: clock.now() },
    );
    clock.advance(APPEND_EVERY_MS);
    await appendPaymentChanges({ db, objects, clock });
    expect(await live('pay_l1')).toEqual(['failed']);
    expect(await appendPaymentChanges({ db, objects, clock })).toMatchObject({ key: null, changes: 0 });
  });

  it('when the appender dies after writing a part and before moving its cursor → the retry rewrites that part, and the payment is in the lake once', async () => {
    const before = await db.one<{ xid: string; seq: number }>(
      'SELECT xid::text AS xid, seq FROM feed_cursors WHERE name = $name',
      { name: LAKE_FEED_CURSOR },
    );
    await insertPayment('pay_l2');
    const dies: KillPoints = {
      at: (p) => {
        if (p === PART_WRITTEN) throw new Error('killed');
      },
    };
    await expect(appendPaymentChanges({ db, objects, clock, kill: dies })).rejects.toThrow('killed');
    const key = partKey(before as { xid: string; seq: number });
    expect(await objects.list(LAKE_BUCKET, PAYMENT_CHANGES_PREFIX)).toContain(key);
    expect(await copies('pay_l2')).toBe(1);
    // More is committed before the retry: the retry's part starts at the same cursor and holds both.
    await insertPayment('pay_l3');
    clock.advance(APPEND_EVERY_MS);
    const retry = await appendPaymentChanges({ db, objects, clock });
    expect(retry).toMatchObject({ key, payments: 2 });
    expect(await copies('pay_l2')).toBe(1);
    expect(await copies('pay_l3')).toBe(1);
    expect(await live('pay_l2')).toEqual(['created']);
  });

  it('when the appender was down while payments committed → one tick catches up from its cursor; a second appender at the same time writes nothing', async () => {
    for (let i = 0; i < 5; i++) await insertPayment(`pay_down_${i}`);
    clock.advance(APPEND_EVERY_MS);
    const [a, b] = await Promise.all([
      appendPaymentChanges({ db, objects, clock }),
      appendPaymentChanges({ db, objects, clock }),
    ]);
    expect([a.payments, b.payments].sort()).toEqual([0, 5]);
    for (let i = 0; i < 5; i++) expect(await copies(`pay_down_${i}`)).toBe(1);
    const parts = await objects.list(LAKE_BUCKET, PAYMENT_CHANGES_PREFIX);
    expect(parts).toHaveLength(4);
  });

  it('when the nightly export has written a day → the part files it holds are deleted, today’s stay, and the lake answers each payment once with its newest state', async () => {
    // The next morning (29 Nov 08:00 IST): a payment of today, appended; then the night's export of 28 Nov.
    clock.set(new Date('2026-11-29T02:30:00Z'));
    await insertPayment('pay_today');
    await appendPaymentChanges({ db, objects, clock });
    const parts = await objects.list(LAKE_BUCKET, PAYMENT_CHANGES_PREFIX);
    expect(parts).toHaveLength(5);
    // Compaction before the day is exported deletes nothing.
    expect(await compactPaymentChanges({ db, objects, clock })).toEqual({ deleted: 0, kept: 5 });
    await exportLakeRange({ db, objects, clock }, { from: '2026-11-28', to: '2026-11-28', tables: ['payments'] });
    expect(await compactPaymentChanges({ db, objects, clock })).toEqual({ deleted: 4, kept: 1 });
    expect(await objects.list(LAKE_BUCKET, PAYMENT_CHANGES_PREFIX)).toEqual([parts[4]]);
    expect(await live('pay_l1')).toEqual(['failed']);
    expect(await live('pay_today')).toEqual(['created']);
    const sql = livePaymentsSql(root);
    const n = await lake(`SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids FROM (${sql})`);
    const inDb = await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM payments');
    expect(n[0]).toMatchObject({ n: inDb?.n, ids: inDb?.n });
  });

  it('when the appender is down while a follower reads and the pruning runs → nothing it has not read is pruned, it catches up with each payment once; changes every consumer passed are pruned, and a follower past its expiry stops holding them', async () => {
    const follower = await loadFollowedOnlineFraudFeatures(
      { db, clock, log: createLog({ level: 'silent' }) },
      { now: clock.now(), intervalMs: 0 },
    );
    const rowsOf = async (like: string) =>
      (
        await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM payment_changes WHERE payment_id LIKE $like', {
          like,
        })
      )?.n;
    const lagOf = async (consumer: string) =>
      (await readPaymentFeedLag(db)).find((l) => l.consumer.startsWith(consumer))?.lagSeconds;
    // The appender is down: payments commit, this process's follower reads them, the pruning runs.
    for (let i = 0; i < 3; i++) await insertPayment(`pay_prune_${i}`);
    clock.advance(FOLLOWER_SAVE_EVERY_MS);
    expect(await follower.feed.tick()).toBe(3);
    expect(await lagOf('lake:payments')).toBeGreaterThan(0);
    expect(await lagOf('fraud-features:')).toBe(0);
    expect(await rowsOf('pay_l%')).toBeGreaterThan(0);
    const first = await prunePaymentChanges({ db }, { now: clock.now() });
    expect(first).toMatchObject({ consumers: 3, expired_followers: 0 });
    expect(await rowsOf('pay_l%')).toBe(0); // 28 Nov: read by all, in the nightly partition
    expect(await rowsOf('pay_prune_%')).toBe(3); // not read by the lake appender yet
    expect(await rowsOf('pay_today')).toBe(1); // read by all, but its day is not in a partition yet

    // Back up: one tick catches up, each payment once.
    expect(await appendPaymentChanges({ db, objects, clock })).toMatchObject({ payments: 3 });
    for (let i = 0; i < 3; i++) expect(await copies(`pay_prune_${i}`)).toBe(1);
    expect(await lagOf('lake:payments')).toBe(0);
    expect((await prunePaymentChanges({ db }, { now: clock.now() })).pruned).toBe(0); // the compaction still needs them

    // The next night exports 29 Nov and compacts; this process stalled past its expiry meanwhile.
    clock.set(new Date('2026-11-30T02:30:00Z'));
    await exportLakeRange({ db, objects, clock }, { from: '2026-11-29', to: '2026-11-29', tables: ['payments'] });
    expect(await compactPaymentChanges({ db, objects, clock })).toEqual({ deleted: 2, kept: 0 });
    await insertPayment('pay_unread'); // read by no one yet
    // In batches of 3: a backlog is deleted in several short transactions, never one long one.
    const last = await prunePaymentChanges({ db }, { now: clock.now() }, { batchSize: 3 });
    expect(last).toMatchObject({ expired_followers: 1, consumers: 2, pruned: 4, batches: 2 });
    expect(await rowsOf('pay_prune_%')).toBe(0);
    expect(await rowsOf('pay_unread')).toBe(1);
    for (let i = 0; i < 3; i++) expect(await live(`pay_prune_${i}`)).toEqual(['created']);
    await follower.feed.stop();
  });
});
