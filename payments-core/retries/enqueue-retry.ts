import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { classifyDecline } from './declines.js';
import { INSERT_RETRY, RETRY_BY_ORIGIN } from './repository.js';
import { nextAttemptAt, RETRY_POLICY } from './schedule.js';
import type { RetryItem } from './types.js';

/** Sources whose failed charges Razorpay itself retries (subscriptions: T+1 to T+3); kosh must not add its own. */
export const GATEWAY_RETRIED_SOURCES: ReadonlySet<string> = new Set(['razorpay_subscription']);

export interface EnqueueRetryInput {
  readonly source_type: string;
  readonly source_id: string;
  /** The failed attempt that causes this retry (its payment id): one failure enqueues at most once. */
  readonly origin_key: string;
  readonly order_id: string;
  readonly customer_id: string;
  readonly payment_method_id: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly error_reason: string | null;
  readonly error_code: string | null;
}

/**
 * Puts a failed off-session charge on the retry queue, inside the caller's transaction. A hard decline goes
 * straight to `dead` with its reason; a soft one is scheduled by the backoff. Refused for sources the
 * gateway retries itself.
 */
export async function enqueueRetry(
  tx: Sql,
  input: EnqueueRetryInput,
  at: Date,
  random: () => number = Math.random,
): Promise<RetryItem> {
  if (GATEWAY_RETRIED_SOURCES.has(input.source_type)) {
    throw invalid('source_retried_by_gateway', `Razorpay retries ${input.source_type} charges itself`, [
      {
        field: '/source_type',
        code: 'source_retried_by_gateway',
        message: 'Razorpay retries these charges (T+1 to T+3); kosh does not add retries',
      },
    ]);
  }
  const existing = await tx.one<RetryItem>(RETRY_BY_ORIGIN, { origin_key: input.origin_key });
  if (existing !== undefined) return existing;
  const code = input.error_reason ?? input.error_code;
  const hard = classifyDecline(input.error_reason, input.error_code) === 'hard';
  const id = newId('rty');
  await tx.run(INSERT_RETRY, {
    id,
    source_type: input.source_type,
    source_id: input.source_id,
    origin_key: input.origin_key,
    order_id: input.order_id,
    customer_id: input.customer_id,
    payment_method_id: input.payment_method_id,
    amount: input.amount,
    currency: input.currency,
    state: hard ? 'dead' : 'scheduled',
    max_attempts: RETRY_POLICY.maxAttempts,
    next_attempt_at: hard ? null : nextAttemptAt(at, 1, input.error_reason, random),
    last_payment_id: input.origin_key.startsWith('pay_') ? input.origin_key : null,
    last_error_code: code,
    reason: hard ? `hard_decline:${code ?? 'unknown'}` : null,
    at,
  });
  // The item of this failure: ours, or the one a concurrent enqueue committed first (the insert did nothing).
  const item = await tx.one<RetryItem>(RETRY_BY_ORIGIN, { origin_key: input.origin_key });
  if (item === undefined) throw new Error('retry item vanished after insert');
  return item;
}
