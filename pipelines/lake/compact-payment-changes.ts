import { advanceFeedCursor } from '../../payments-core/payments/feed-cursors.js';
import type { FeedPosition } from '../../payments-core/payments/read-payment-changes.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import { LAKE_BUCKET } from '../lake-export.js';
import {
  LAKE_COMPACTED_CURSOR,
  LAKE_FEED_CURSOR,
  PAYMENT_CHANGES_PREFIX,
  partStart,
} from './append-payment-changes.js';

const CURSOR = 'SELECT xid::text AS xid, seq FROM feed_cursors WHERE name = $name';
/**
 * The changes of a part's range whose payment's nightly partition does not hold them yet: never exported, or
 * exported by a snapshot taken before the change ended (`feed_xid`, migration 031). Read only.
 */
const CHANGES_NOT_IN_PARTITIONS = `
SELECT count(*)::INTEGER AS n
FROM payment_changes c JOIN payments p ON p.id = c.payment_id
LEFT JOIN lake_partitions lp
  ON lp.table_name = 'payments' AND lp.dt = CAST((p.created_at AT TIME ZONE 'Asia/Kolkata') AS DATE)
WHERE (c.xid, c.seq) > ($from_xid::xid8, $from_seq::bigint) AND (c.xid, c.seq) <= ($to_xid::xid8, $to_seq::bigint)
  AND (lp.feed_xid IS NULL OR lp.feed_xid <= c.xid)`;

const before = (a: FeedPosition, b: FeedPosition): boolean =>
  BigInt(a.xid) < BigInt(b.xid) || (a.xid === b.xid && a.seq < b.seq);

/**
 * Deletes the payments part files whose every change the nightly partitions now hold (a part covers the changes
 * after its start up to the next part's start, the last one up to the appender's cursor). A part at the cursor
 * (written, cursor not moved: a crash) is never touched: the appender rewrites it. Today's payments keep their
 * parts until their day is exported. Safe beside a running appender: it writes only the part at its cursor. Then
 * the compaction's feed cursor moves to the first part kept (or the appender's cursor): the changes behind it are in
 * the partitions, and the feed's pruning may delete them.
 */
export async function compactPaymentChanges(deps: {
  db: Db;
  objects: ObjectStore;
  clock: Clock;
  log?: Log;
}): Promise<{ deleted: number; kept: number }> {
  const cursor = await deps.db.one<FeedPosition>(CURSOR, { name: LAKE_FEED_CURSOR });
  if (cursor === undefined) return { deleted: 0, kept: 0 };
  const parts = (await deps.objects.list(LAKE_BUCKET, PAYMENT_CHANGES_PREFIX))
    .map((key) => ({ key, start: partStart(key) }))
    .filter((p): p is { key: string; start: FeedPosition } => p.start !== null && before(p.start, cursor));
  let deleted = 0;
  let firstKept: FeedPosition | null = null;
  for (const [i, part] of parts.entries()) {
    const end = parts[i + 1]?.start ?? cursor;
    const open = await deps.db.one<{ n: number }>(CHANGES_NOT_IN_PARTITIONS, {
      from_xid: part.start.xid,
      from_seq: part.start.seq,
      to_xid: end.xid,
      to_seq: end.seq,
    });
    if ((open?.n ?? 1) > 0) {
      firstKept ??= part.start;
      continue;
    }
    await deps.objects.delete(LAKE_BUCKET, part.key);
    deleted++;
  }
  await advanceFeedCursor(deps.db, { name: LAKE_COMPACTED_CURSOR, to: firstKept ?? cursor, at: deps.clock.now() });
  deps.log?.info({ deleted, kept: parts.length - deleted }, 'lake: payments part files compacted');
  return { deleted, kept: parts.length - deleted };
}
