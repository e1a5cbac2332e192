import type { Sql } from '../../platform/db.js';

/** Decisions per IST day and action in [from, to); a decision's school is the one its attempt was scored for. */
const DECISIONS_BY_DAY = `
SELECT to_char(created_at + INTERVAL '330 minutes', 'YYYY-MM-DD') AS day,
       count(*) FILTER (WHERE decision = 'allow')::BIGINT AS allow,
       count(*) FILTER (WHERE decision = 'review')::BIGINT AS review,
       count(*) FILTER (WHERE decision = 'block')::BIGINT AS block
FROM fraud_decisions
WHERE created_at >= $from AND created_at < $to
  AND (CAST($school_id AS VARCHAR) IS NULL OR school_id = CAST($school_id AS VARCHAR))
GROUP BY 1 ORDER BY 1`;

/** The review queue now (pending) and the reviews decided in [from, to); a review's school is its payment's. */
const REVIEW_QUEUE = `
SELECT count(*) FILTER (WHERE r.state = 'pending')::BIGINT AS pending,
       coalesce(sum(r.amount_minor) FILTER (WHERE r.state = 'pending'), 0)::BIGINT AS pending_amount,
       count(*) FILTER (WHERE r.state = 'approved' AND r.decided_at >= $from::timestamptz
         AND r.decided_at < $to::timestamptz)::BIGINT AS approved,
       count(*) FILTER (WHERE r.state = 'declined' AND r.decided_at >= $from::timestamptz
         AND r.decided_at < $to::timestamptz)::BIGINT AS declined,
       min(r.created_at) FILTER (WHERE r.state = 'pending') AS oldest_pending_at
FROM fraud_reviews r LEFT JOIN payments p ON p.id = r.payment_id
WHERE CAST($school_id AS VARCHAR) IS NULL OR p.school_id = CAST($school_id AS VARCHAR)`;

export interface FraudSummary {
  readonly object: 'fraud_summary';
  readonly from: Date;
  readonly to: Date;
  readonly school_id: string | null;
  readonly totals: { allow: number; review: number; block: number };
  readonly by_day: { day: string; allow: number; review: number; block: number }[];
  readonly review_queue: {
    pending: number;
    pending_amount: number;
    oldest_pending_at: Date | null;
    approved: number;
    declined: number;
  };
}

/** Fraud decisions (allow / review / block) per IST day in [from, to) and the review queue, optionally for one school. */
export async function getFraudSummary(
  deps: { db: Sql },
  query: { from: Date; to: Date; school_id?: string | undefined },
): Promise<FraudSummary> {
  const params = { from: query.from, to: query.to, school_id: query.school_id ?? null };
  const byDay = await deps.db.all<{ day: string; allow: number; review: number; block: number }>(
    DECISIONS_BY_DAY,
    params,
  );
  const queue = await deps.db.one<{
    pending: number;
    pending_amount: number;
    approved: number;
    declined: number;
    oldest_pending_at: Date | null;
  }>(REVIEW_QUEUE, params);
  const sum = (k: 'allow' | 'review' | 'block') => byDay.reduce((s, d) => s + d[k], 0);
  return {
    object: 'fraud_summary',
    from: query.from,
    to: query.to,
    school_id: query.school_id ?? null,
    totals: { allow: sum('allow'), review: sum('review'), block: sum('block') },
    by_day: byDay,
    review_queue: {
      pending: queue?.pending ?? 0,
      pending_amount: queue?.pending_amount ?? 0,
      oldest_pending_at: queue?.oldest_pending_at ?? null,
      approved: queue?.approved ?? 0,
      declined: queue?.declined ?? 0,
    },
  };
}
