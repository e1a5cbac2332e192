import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLAIM_CURSOR, CREATE_CURSOR, MOVE_CURSOR, READ_CURSOR } from '../../payments-core/payments/feed-cursors.js';
import type { FeedPosition } from '../../payments-core/payments/read-payment-changes.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { snapshotToDuckDb } from '../../platform/duckdb-snapshot.js';
import type { KillPoints } from '../../platform/kill-points.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import { LAKE_BUCKET, PARQUET_CONTENT_TYPE } from '../lake-export.js';

/** The lake appender's cursor in `feed_cursors`. */
export const LAKE_FEED_CURSOR = 'lake:payments';
/**
 * The lake compaction's cursor: every change behind it is in a nightly partition and its part file is deleted. The
 * compaction reads the changes of a part to know whether the partitions hold them, so the pruning must not pass it.
 */
export const LAKE_COMPACTED_CURSOR = 'lake:compacted';
/** Where the appended part files live in the analytics bucket, beside the nightly `payments/dt=…` partitions. */
export const PAYMENT_CHANGES_PREFIX = 'payments_changes/';
/** Reached after a part file is stored and before the cursor moves past it (the crash test's point). */
export const PART_WRITTEN = 'lake_part_written';

const DIGITS = /^\d+$/;
const pad = (n: string): string => n.padStart(20, '0');

/**
 * The part file of the changes after `from`: named by where it starts, so a retry after a crash (the file written,
 * the cursor not moved) writes the same key again, never a second copy. The retry may hold more rows (the feed
 * grew); they are the same rows first, in the same order.
 */
export const partKey = (from: FeedPosition): string =>
  `${PAYMENT_CHANGES_PREFIX}part-${pad(from.xid)}-${pad(String(from.seq))}.parquet`;
const PART = /^payments_changes\/part-(\d{20})-(\d{20})\.parquet$/;
/** The position a part file starts after, from its key; null for any other key. */
export function partStart(key: string): FeedPosition | null {
  const m = PART.exec(key);
  return m === null ? null : { xid: String(BigInt(m[1] as string)), seq: Number(m[2]) };
}

// Concurrency: a part is stored and the cursor moved only under the cursor's row lock (`FOR UPDATE SKIP LOCKED`),
// and only when the cursor is still where the part starts: a second appender finds it taken or moved and drops its
// part. The cursor moves only after the file is stored. (The cursor SQL is the feed's: feed-cursors.ts.)
/** The oldest transaction still running (read outside any transaction of the appender's: a snapshot's xmin counts its own). */
const FEED_BOUND = 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xid';
/**
 * The last change of the next batch: the feed in (xid, seq) order, only below `$bound`, a transaction that was the
 * oldest still running (payments-core/payments/read-payment-changes.ts says why).
 */
const BATCH_END = `
SELECT xid::text AS xid, seq FROM (
  SELECT xid, seq FROM payment_changes
  WHERE (xid, seq) > ($xid::xid8, $seq::bigint) AND xid < $bound::xid8
  ORDER BY xid, seq LIMIT $limit) b
ORDER BY xid DESC, seq DESC LIMIT 1`;

export interface AppendResult {
  /** The part file written, or null when there was nothing new (or another process holds the cursor). */
  readonly key: string | null;
  readonly changes: number;
  readonly payments: number;
  readonly position: FeedPosition | null;
}

/**
 * One tick of the lake appender: the payments changed since the cursor (at most `limit` changes), in their state
 * now, into one Parquet part file (`payments_changes/part-<from>.parquet`, one row per payment with the change's
 * `change_xid`, `change_seq`), then the cursor moves past them. A crash between the two leaves the cursor where
 * it was, and the next tick rewrites the same key. A consumer that was down catches up from its cursor.
 */
export async function appendPaymentChanges(
  deps: { db: Db; objects: ObjectStore; clock: Clock; log?: Log; kill?: KillPoints },
  options: { limit?: number } = {},
): Promise<AppendResult> {
  const limit = options.limit ?? 50_000;
  await deps.db.run(CREATE_CURSOR, { name: LAKE_FEED_CURSOR, at: deps.clock.now() });
  // The compaction's cursor too: until the nightly partitions hold a change, the compaction needs its row.
  await deps.db.run(CREATE_CURSOR, { name: LAKE_COMPACTED_CURSOR, at: deps.clock.now() });
  // The part is made before the cursor is claimed: the claim holds a transaction id, and while it is open every
  // feed reader (the online features of every process) stops below it. Only the put and the move run under it.
  const from = await deps.db.one<FeedPosition>(READ_CURSOR, { name: LAKE_FEED_CURSOR });
  if (from === undefined) throw new Error('lake cursor vanished');
  const bound = (await deps.db.one<{ xid: string }>(FEED_BOUND))?.xid;
  const to = await deps.db.one<FeedPosition>(BATCH_END, { ...from, bound, limit });
  if (to === undefined) return { key: null, changes: 0, payments: 0, position: from };
  // Bounds read from the database above, checked as digits: the snapshot's conditions take no parameters.
  for (const v of [from.xid, to.xid, String(from.seq), String(to.seq)]) {
    if (!DIGITS.test(v)) throw new Error(`feed position is not a number: ${v}`);
  }
  const range = `(xid, seq) > ('${from.xid}'::xid8, ${from.seq}) AND (xid, seq) <= ('${to.xid}'::xid8, ${to.seq})`;
  const work = await mkdtemp(path.join(tmpdir(), 'kosh-lake-part-'));
  try {
    const file = path.join(work, 'part.parquet');
    const duck = await snapshotToDuckDb(deps.db, [
      { table: 'payment_changes', where: range },
      { table: 'payments', where: `id IN (SELECT payment_id FROM payment_changes WHERE ${range})` },
    ]);
    let counts: { changes: number; payments: number } | undefined;
    try {
      // One row per payment: its state now, with the last change of this range that touched it.
      await duck.run(
        `COPY (SELECT p.* EXCLUDE (ip), c.change_xid, c.change_seq
               FROM payments p JOIN (
                 SELECT payment_id, CAST(xid AS UBIGINT) AS change_xid, seq AS change_seq FROM payment_changes
                 QUALIFY row_number() OVER (PARTITION BY payment_id ORDER BY CAST(xid AS UBIGINT) DESC, seq DESC) = 1
               ) c ON c.payment_id = p.id
               ORDER BY c.change_xid, c.change_seq)
         TO '${file.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`,
      );
      counts = await duck.one<{ changes: number; payments: number }>(
        'SELECT count(*) AS changes, count(DISTINCT payment_id) AS payments FROM payment_changes',
      );
    } finally {
      await duck.close();
    }
    const body = await readFile(file);
    const key = partKey(from);
    return await deps.db.transaction(async (tx) => {
      const claimed = await tx.one<FeedPosition>(CLAIM_CURSOR, { name: LAKE_FEED_CURSOR });
      // Another appender holds the cursor, or moved it since it was read: its part covers these changes.
      if (claimed === undefined || claimed.xid !== from.xid || claimed.seq !== from.seq) {
        return { key: null, changes: 0, payments: 0, position: claimed ?? null };
      }
      await deps.objects.put(LAKE_BUCKET, key, body, PARQUET_CONTENT_TYPE);
      deps.kill?.at(PART_WRITTEN);
      await tx.run(MOVE_CURSOR, { name: LAKE_FEED_CURSOR, xid: to.xid, seq: to.seq, at: deps.clock.now() });
      const result = { key, changes: counts?.changes ?? 0, payments: counts?.payments ?? 0, position: to };
      deps.log?.debug(result, 'lake: payment changes appended');
      return result;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
