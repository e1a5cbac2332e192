import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { listPage, type Page } from '../../platform/pagination.js';

export type ReviewState = 'pending' | 'approved' | 'declined';

/**
 * Why a review was declined. Only `fraud` (the reviewer confirmed fraud) is a fraud label for training; the others
 * are plain operator declines. A review declined before reasons were recorded has none (not confirmed fraud).
 */
export const DECLINE_REASONS = ['fraud', 'customer_request', 'duplicate', 'other'] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

export interface FraudReview {
  readonly object: 'fraud_review';
  readonly id: string;
  readonly payment_id: string;
  readonly decision_id: string;
  readonly customer_id: string;
  readonly amount: number;
  readonly state: ReviewState;
  readonly reviewer: string | null;
  /** Set on a decline only. */
  readonly reason: DeclineReason | null;
  readonly created_at: Date;
  readonly decided_at: Date | null;
}

const REVIEW_SELECT = `SELECT 'fraud_review' AS object, t.id, t.payment_id, t.decision_id, t.customer_id,
  t.amount_minor AS amount, t.state, t.reviewer, t.reason, t.created_at, t.decided_at FROM fraud_reviews t {where}`;
const REVIEW_BY_ID = REVIEW_SELECT.replace('{where}', 'WHERE t.id = $id');
const INSERT_REVIEW = `
INSERT INTO fraud_reviews (id, payment_id, decision_id, customer_id, amount_minor, state, created_at)
VALUES ($id, $payment_id, $decision_id, $customer_id, $amount, 'pending', $at)
ON CONFLICT DO NOTHING`;
const DECIDE_REVIEW = `
UPDATE fraud_reviews SET state = $state, outcome = $state, reason = $reason, reviewer = $reviewer, decided_at = $at
WHERE id = $id AND state = $pending`;

/** Queues a held payment for review (idempotent per payment). */
export async function queueReview(
  deps: { db: Db; clock: Clock },
  input: { payment_id: string; decision_id: string; customer_id: string; amount: number },
): Promise<void> {
  await deps.db.transaction((tx) => tx.run(INSERT_REVIEW, { id: newId('frv'), ...input, at: deps.clock.now() }));
}

export async function listReviews(
  deps: { db: Db },
  query: { state?: ReviewState | undefined; limit?: number | undefined; starting_after?: string | undefined },
): Promise<Page<FraudReview>> {
  return listPage<FraudReview>(
    deps.db,
    {
      select: REVIEW_SELECT,
      table: 'fraud_reviews',
      resource: 'fraud_review',
      ...(query.state === undefined ? {} : { where: 't.state = $state', params: { state: query.state } }),
    },
    query,
  );
}

export async function getReview(deps: { db: Db }, id: string): Promise<FraudReview> {
  const review = await deps.db.one<FraudReview>(REVIEW_BY_ID, { id });
  if (review === undefined) throw notFound('fraud_review', id);
  return review;
}

/**
 * Decides a pending review: the decision is recorded first (so two reviewers cannot both act), then the
 * held payment is released through `release` (approve → charged now, decline → failed). A decline records its
 * reason (`other` when none is given); only a decline with reason `fraud` is a fraud label for the next training
 * run. An approval has no reason.
 */
export async function decideReview<P>(
  deps: { db: Db; clock: Clock; release: (paymentId: string, approve: boolean) => Promise<P> },
  input: { id: string; approve: boolean; reviewer: string; reason?: DeclineReason | undefined },
): Promise<{ review: FraudReview; payment: P }> {
  if (input.approve && input.reason !== undefined) {
    throw invalid('reason_on_approval', 'only a decline takes a reason', [
      { field: '/reason', code: 'reason_on_approval', message: 'only a decline takes a reason' },
    ]);
  }
  const review = await getReview(deps, input.id);
  if (review.state !== 'pending') {
    throw conflict('review_already_decided', `review ${review.id} is already ${review.state}`, { state: review.state });
  }
  const changed = await deps.db.transaction((tx) =>
    tx.run(DECIDE_REVIEW, {
      id: review.id,
      state: input.approve ? 'approved' : 'declined',
      reason: input.approve ? null : (input.reason ?? 'other'),
      reviewer: input.reviewer,
      at: deps.clock.now(),
      pending: 'pending',
    }),
  );
  if (changed === 0) throw conflict('review_already_decided', `review ${review.id} was decided meanwhile`);
  const payment = await deps.release(review.payment_id, input.approve);
  return { review: await getReview(deps, review.id), payment };
}
