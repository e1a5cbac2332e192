import type { Db } from '../../platform/db.js';
import type { JobSummary } from '../../platform/job.js';

/** Writers of cursors (a follower registering, a cursor moving) wait for the few statements below; readers do not. */
const LOCK_CURSORS = 'LOCK TABLE feed_cursors IN SHARE ROW EXCLUSIVE MODE';
/** Followers whose process stopped pushing their expiry (it died or stalled): they hold nothing back any more. */
const DROP_EXPIRED_FOLLOWERS = 'DELETE FROM feed_cursors WHERE expires_at IS NOT NULL AND expires_at < $now';
const OLDEST_CURSOR = `
SELECT xid::text AS xid, seq, (SELECT count(*) FROM feed_cursors)::INTEGER AS consumers
FROM feed_cursors ORDER BY xid, seq LIMIT 1`;
/** Changes every consumer has read. */
const PRUNE_CHANGES = 'DELETE FROM payment_changes WHERE (xid, seq) <= ($xid::xid8, $seq::bigint)';

/**
 * Job `prune-payment-changes`: deletes the payments changes every registered consumer of the feed has read (at or
 * behind the oldest cursor), after dropping followers past their expiry. Never a change a registered consumer has not
 * read: a consumer down for days keeps its changes. With no consumer registered nothing is deleted.
 */
export async function prunePaymentChanges(deps: { db: Db }, ctx: { now: Date }): Promise<JobSummary> {
  return deps.db.transaction(async (tx) => {
    await tx.run(LOCK_CURSORS);
    const expired = await tx.run(DROP_EXPIRED_FOLLOWERS, { now: ctx.now });
    const oldest = await tx.one<{ xid: string; seq: number; consumers: number }>(OLDEST_CURSOR);
    if (oldest === undefined) return { expired_followers: expired, consumers: 0, pruned: 0 };
    const pruned = await tx.run(PRUNE_CHANGES, { xid: oldest.xid, seq: oldest.seq });
    return { expired_followers: expired, consumers: oldest.consumers, pruned };
  });
}
