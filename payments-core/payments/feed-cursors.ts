import type { Sql } from '../../platform/db.js';
import type { FeedPosition } from './read-payment-changes.js';

// Where each consumer of the payments change feed is (`feed_cursors`, migrations 031 and 042), owned here beside the
// feed. Durable consumers (`expires_at` NULL) keep their cursor until they read on; a process's in-memory follower
// (the online fraud features) registers at the feed's head and pushes its expiry forward while it reads.
// Concurrency: a durable cursor moves under its row lock (`FOR UPDATE SKIP LOCKED`, one appender at a time); a
// follower's row is its own; the pruning locks the table against writers while it reads the oldest cursor, and a
// follower's start is the head read inside its INSERT, so a change the pruning deletes is behind every cursor.

/** Creates a durable consumer's cursor before every change, if it does not exist. */
export const CREATE_CURSOR = `
INSERT INTO feed_cursors (name, xid, seq, updated_at) VALUES ($name, '0'::xid8, 0, $at) ON CONFLICT (name) DO NOTHING`;
export const READ_CURSOR = 'SELECT xid::text AS xid, seq FROM feed_cursors WHERE name = $name';
export const CLAIM_CURSOR = `${READ_CURSOR} FOR UPDATE SKIP LOCKED`;
export const MOVE_CURSOR = 'UPDATE feed_cursors SET xid = $xid::xid8, seq = $seq, updated_at = $at WHERE name = $name';
/** Moves a durable cursor forward only (two compactions at once: the further one stands). */
const ADVANCE_CURSOR = `
INSERT INTO feed_cursors (name, xid, seq, updated_at) VALUES ($name, $xid::xid8, $seq, $at)
ON CONFLICT (name) DO UPDATE SET xid = EXCLUDED.xid, seq = EXCLUDED.seq, updated_at = EXCLUDED.updated_at
WHERE (feed_cursors.xid, feed_cursors.seq) < (EXCLUDED.xid, EXCLUDED.seq)`;

/** A follower starts at the head read in its own INSERT: no change it needs can be pruned before it is counted. */
const REGISTER_FOLLOWER = `
INSERT INTO feed_cursors (name, xid, seq, updated_at, expires_at)
VALUES ($name, pg_snapshot_xmin(pg_current_snapshot()), 0, $at, $expires_at)
ON CONFLICT (name) DO UPDATE SET xid = EXCLUDED.xid, seq = 0, updated_at = EXCLUDED.updated_at,
  expires_at = EXCLUDED.expires_at
RETURNING xid::text AS xid, seq`;
const SAVE_FOLLOWER = `
UPDATE feed_cursors SET xid = $xid::xid8, seq = $seq, updated_at = $at, expires_at = $expires_at
WHERE name = $name AND expires_at IS NOT NULL`;
const DROP_FOLLOWER = 'DELETE FROM feed_cursors WHERE name = $name AND expires_at IS NOT NULL';

/** Moves a durable consumer's cursor to `to` unless it is already further. */
export async function advanceFeedCursor(db: Sql, input: { name: string; to: FeedPosition; at: Date }): Promise<void> {
  await db.run(ADVANCE_CURSOR, { name: input.name, xid: input.to.xid, seq: input.to.seq, at: input.at });
}

/** Registers a process's follower at the feed's head, holding the pruning back until `expiresAt`. */
export async function registerFeedFollower(
  db: Sql,
  input: { name: string; at: Date; expiresAt: Date },
): Promise<FeedPosition> {
  const row = await db.one<FeedPosition>(REGISTER_FOLLOWER, {
    name: input.name,
    at: input.at,
    expires_at: input.expiresAt,
  });
  if (row === undefined) throw new Error('registering a feed follower returned no row');
  return { xid: row.xid, seq: Number(row.seq) };
}

/** Saves where a follower is and pushes its expiry; false when its registration is gone (it expired: pruned past). */
export async function saveFeedFollower(
  db: Sql,
  input: { name: string; position: FeedPosition; at: Date; expiresAt: Date },
): Promise<boolean> {
  const n = await db.run(SAVE_FOLLOWER, {
    name: input.name,
    xid: input.position.xid,
    seq: input.position.seq,
    at: input.at,
    expires_at: input.expiresAt,
  });
  return n > 0;
}

/** A follower that stops leaves: it holds nothing back any more. */
export async function dropFeedFollower(db: Sql, name: string): Promise<void> {
  await db.run(DROP_FOLLOWER, { name });
}
