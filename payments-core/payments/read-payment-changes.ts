import type { Sql } from '../../platform/db.js';

/**
 * A place in the payments change feed (migration 031): every change at or before (xid, seq) is behind it. `xid` is
 * the changing transaction's 64-bit id as decimal text (beyond a safe integer in principle).
 */
export interface FeedPosition {
  readonly xid: string;
  readonly seq: number;
}

/** Before every change. */
export const FEED_START: FeedPosition = { xid: '0', seq: 0 };

/** One change and the payment's state when it was read (a later change may already show in it). */
export interface PaymentChange {
  readonly xid: string;
  readonly seq: number;
  readonly op: 'insert' | 'update';
  readonly id: string;
  readonly customer_id: string;
  readonly school_id: string;
  readonly amount: number;
  readonly payment_method_id: string | null;
  readonly device_id: string | null;
  readonly ip: string | null;
  readonly status: string;
  readonly created_at: Date;
  readonly failed_at: Date | null;
  /** Whether the change was committed in the `snapshot` the reader passed (a load made then saw it). */
  readonly in_snapshot: boolean;
}

/**
 * Changes after `$xid, $seq` in (xid, seq) order, of transactions below the oldest one still running: each of
 * those has ended, so a row can never appear behind a position handed out here (the sequence gap: a slower
 * transaction's lower seq). `$snapshot`: a snapshot the caller loaded in, to tell which changes its load saw.
 * Read only; many readers at once are fine.
 */
const PAYMENT_CHANGES_AFTER = `
SELECT c.xid::text AS xid, c.seq, c.op, p.id, p.customer_id, p.school_id, p.amount_minor AS amount,
       p.payment_method_id, p.device_id, p.ip, p.status, p.created_at, p.failed_at,
       coalesce(pg_visible_in_snapshot(c.xid, $snapshot::text::pg_snapshot), false) AS in_snapshot
FROM payment_changes c JOIN payments p ON p.id = c.payment_id
WHERE (c.xid, c.seq) > ($xid::xid8, $seq::bigint)
  AND c.xid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY c.xid, c.seq
LIMIT $limit`;

/** The newest position nothing can appear behind, and the snapshot a load made just after it sees at least. */
const FEED_HEAD = `
SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xid, pg_current_snapshot()::text AS snapshot`;

/** The next changes after `after`, oldest first, at most `limit`; none until the transactions before them end. */
export async function readPaymentChanges(
  deps: { db: Sql },
  input: { after: FeedPosition; limit: number; snapshot?: string | null },
): Promise<PaymentChange[]> {
  return deps.db.all<PaymentChange>(PAYMENT_CHANGES_AFTER, {
    xid: input.after.xid,
    seq: input.after.seq,
    snapshot: input.snapshot ?? null,
    limit: input.limit,
  });
}

/**
 * Where a consumer that loads the current state now starts: from the oldest running transaction. Changes
 * `in_snapshot` were committed before the load began, so it saw them (as far as it loads them); one committed
 * while the load runs may be both loaded and read: consumers are idempotent by payment id.
 */
export async function paymentFeedHead(deps: { db: Sql }): Promise<{ position: FeedPosition; snapshot: string }> {
  const row = await deps.db.one<{ xid: string; snapshot: string }>(FEED_HEAD);
  if (row === undefined) throw new Error('no feed head');
  return { position: { xid: row.xid, seq: 0 }, snapshot: row.snapshot };
}
