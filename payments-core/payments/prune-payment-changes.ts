import type { Db } from '../../platform/db.js';
import type { JobSummary } from '../../platform/job.js';

/** Writers of cursors (a follower registering, a cursor moving) wait for the few statements below; readers do not. */
const LOCK_CURSORS = 'LOCK TABLE feed_cursors IN SHARE ROW EXCLUSIVE MODE';
/** Followers whose process stopped pushing their expiry (it died or stalled): they hold nothing back any more. */
const DROP_EXPIRED_FOLLOWERS = 'DELETE FROM feed_cursors WHERE expires_at IS NOT NULL AND expires_at < $now';
const OLDEST_CURSOR = `
SELECT xid::text AS xid, seq, (SELECT count(*) FROM feed_cursors)::INTEGER AS consumers
FROM feed_cursors ORDER BY xid, seq LIMIT 1`;
/** Up to `$limit` of the changes every consumer has read, oldest first (index payment_changes_xid_seq). */
const PRUNE_BATCH = `
DELETE FROM payment_changes WHERE seq IN (
  SELECT seq FROM payment_changes WHERE (xid, seq) <= ($xid::xid8, $seq::bigint) ORDER BY xid, seq LIMIT $limit)`;

/** Changes deleted per transaction: a large backlog never holds one long transaction or the cursors' lock. */
export const PRUNE_BATCH_SIZE = 10_000;

/**
 * Job `prune-payment-changes`: deletes the payments changes every registered consumer of the feed has read (at or
 * behind the oldest cursor), after dropping followers past their expiry. Never a change a registered consumer has not
 * read: a consumer down for days keeps its changes. With no consumer registered nothing is deleted.
 *
 * The bound is read under the cursors' lock, in a short transaction; the deleting runs after it, `batchSize` changes
 * per transaction. That is safe without the lock: cursors only move forward, and a follower that registers meanwhile
 * starts at the feed's head, which is past the bound.
 */
export async function prunePaymentChanges(
  deps: { db: Db },
  ctx: { now: Date },
  options: { batchSize?: number } = {},
): Promise<JobSummary> {
  const bound = await deps.db.transaction(async (tx) => {
    await tx.run(LOCK_CURSORS);
    const expired = await tx.run(DROP_EXPIRED_FOLLOWERS, { now: ctx.now });
    const oldest = await tx.one<{ xid: string; seq: number; consumers: number }>(OLDEST_CURSOR);
    return { expired, oldest };
  });
  if (bound.oldest === undefined) return { expired_followers: bound.expired, consumers: 0, pruned: 0, batches: 0 };
  const limit = options.batchSize ?? PRUNE_BATCH_SIZE;
  let pruned = 0;
  let batches = 0;
  for (;;) {
    const n = await deps.db.run(PRUNE_BATCH, { xid: bound.oldest.xid, seq: bound.oldest.seq, limit });
    pruned += n;
    if (n > 0) batches++;
    if (n < limit) break;
  }
  return { expired_followers: bound.expired, consumers: bound.oldest.consumers, pruned, batches };
}
