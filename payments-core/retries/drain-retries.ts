import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { inParallel } from '../../platform/in-parallel.js';
import type { JobContext, JobSummary } from '../../platform/job.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { chargeOffSession } from '../payments/charge-off-session.js';
import { PAYMENT_BY_ID } from '../payments/repository.js';
import type { Payment } from '../payments/types.js';
import { classifyDecline } from './declines.js';
import { checkAutoDebit, type MandateType } from './india-rules.js';
import {
  DEFAULT_METHOD,
  DUE_RETRIES,
  INSERT_RETRY_ATTEMPT,
  SET_ATTEMPT_OUTCOME,
  SET_RETRY_STATE,
  START_RETRY_ATTEMPT,
} from './repository.js';
import { nextAttemptAt } from './schedule.js';
import { RETRY_SOURCES } from './sources.js';
import type { RetryItem, RetryState } from './types.js';

/** Retry items charged at once by one drain (each waits on the gateway for most of its time). */
export const DRAIN_CONCURRENCY = 8;

export type DrainDeps = { db: Db; clock: Clock; gateway: PaymentGateway; log: Log; random?: () => number };

/** The idempotency key of attempt `n` and the kosh payment id (the gateway's `notes.kosh_id`) it maps to. */
export function retryAttemptKey(retryId: string, attempt: number): { key: string; paymentId: string } {
  return { key: `${retryId}:${attempt}`, paymentId: `pay_${retryId.slice(4)}R${attempt}` };
}

type Tally = Record<'succeeded' | 'rescheduled' | 'dead' | 'deferred' | 'waiting' | 'auth' | 'cancelled', number>;

/** Moves an item to `state`, records the outcome of the attempt that decided it, and tells its source: one commit. */
async function finish(
  deps: DrainDeps,
  item: RetryItem,
  from: RetryState,
  state: RetryState,
  extra: {
    reason?: string | null;
    next?: Date | null;
    code?: string | null;
    attempt?: { readonly n: number; readonly outcome: 'captured' | 'failed'; readonly code: string | null };
  } = {},
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const at = deps.clock.now();
    if (extra.attempt !== undefined) {
      await tx.run(SET_ATTEMPT_OUTCOME, {
        retry_id: item.id,
        attempt: extra.attempt.n,
        outcome: extra.attempt.outcome,
        error_code: extra.attempt.code,
      });
    }
    const changed = await tx.run(SET_RETRY_STATE, {
      id: item.id,
      from,
      state,
      next_attempt_at: extra.next ?? null,
      reason: extra.reason ?? null,
      last_error_code: extra.code ?? null,
      at,
    });
    if (changed === 1) {
      await RETRY_SOURCES[item.source_type]?.onOutcome(tx, {
        sourceId: item.source_id,
        state,
        reason: extra.reason ?? extra.code ?? null,
        at,
      });
    }
  });
}

/** Settles an item whose attempt `attempt` ended with `payment`; returns what happened. */
async function settle(
  deps: DrainDeps,
  item: RetryItem,
  attempt: number,
  payment: Payment | null,
  now: Date,
): Promise<keyof Tally> {
  if (payment === null || payment.status === 'captured') {
    await finish(deps, item, 'processing', 'succeeded', { attempt: { n: attempt, outcome: 'captured', code: null } });
    return 'succeeded';
  }
  if (payment.status !== 'failed') return 'waiting';
  const code = payment.error_reason ?? payment.error_code;
  const failed = { n: attempt, outcome: 'failed', code } as const;
  if (classifyDecline(payment.error_reason, payment.error_code) === 'hard') {
    await finish(deps, item, 'processing', 'dead', {
      reason: `hard_decline:${code ?? 'unknown'}`,
      code,
      attempt: failed,
    });
    return 'dead';
  }
  if (attempt >= item.max_attempts) {
    await finish(deps, item, 'processing', 'dead', {
      reason: `max_attempts_reached:${code ?? 'unknown'}`,
      code,
      attempt: failed,
    });
    return 'dead';
  }
  const next = nextAttemptAt(now, attempt + 1, payment.error_reason, deps.random ?? Math.random);
  await finish(deps, item, 'processing', 'scheduled', { next, code, attempt: failed });
  return 'rescheduled';
}

async function processItem(deps: DrainDeps, item: RetryItem, now: Date): Promise<keyof Tally> {
  if (item.state === 'processing') {
    // The outcome of the last attempt: wait while it is unknown, never charge again meanwhile.
    const last =
      item.last_payment_id === null
        ? undefined
        : await deps.db.one<Payment>(PAYMENT_BY_ID, { id: item.last_payment_id });
    if (last !== undefined) return settle(deps, item, item.attempts, last, now);
  } else {
    const source = RETRY_SOURCES[item.source_type];
    if (source !== undefined && !(await deps.db.transaction((tx) => source.stillDue(tx, item.source_id)))) {
      await finish(deps, item, 'scheduled', 'cancelled', { reason: 'source_settled' });
      return 'cancelled';
    }
  }
  const method = await deps.db.one<{ id: string; mandate_type: MandateType | null }>(DEFAULT_METHOD, {
    customer_id: item.customer_id,
  });
  if (method === undefined) {
    await finish(deps, item, item.state, 'dead', { reason: 'no_default_payment_method' });
    return 'dead';
  }
  const attempt = item.state === 'processing' ? item.attempts : item.attempts + 1;
  const { key, paymentId } = retryAttemptKey(item.id, attempt);
  if (item.state === 'scheduled') {
    const gate = await deps.db.transaction(async (tx) => {
      const check = await checkAutoDebit(
        tx,
        {
          customer_id: item.customer_id,
          payment_method_id: method.id,
          mandate_type: method.mandate_type,
          source_type: item.source_type,
          source_id: item.source_id,
          amount: item.amount,
          currency: item.currency,
        },
        now,
        { notify: deps.clock },
      );
      if (check.kind !== 'allowed') return check;
      const started = await tx.run(START_RETRY_ATTEMPT, { id: item.id, attempt, payment_id: paymentId, at: now });
      if (started === 1) {
        await tx.run(INSERT_RETRY_ATTEMPT, {
          retry_id: item.id,
          attempt,
          idempotency_key: key,
          payment_id: paymentId,
          at: now,
        });
      }
      return started === 1 ? check : ({ kind: 'raced' } as const);
    });
    if (gate.kind === 'raced') return 'waiting';
    if (gate.kind === 'requires_authentication') {
      await finish(deps, item, 'scheduled', 'requires_authentication', { reason: 'amount_above_auto_debit_limit' });
      return 'auth';
    }
    if (gate.kind === 'deferred') {
      await finish(deps, item, 'scheduled', 'scheduled', { next: gate.notBefore, reason: 'awaiting_pre_debit_notice' });
      return 'deferred';
    }
  }
  const charged = await chargeOffSession(deps, {
    order_id: item.order_id,
    payment_id: paymentId,
    payment_method_id: method.id,
  });
  if (charged.outcome === 'pending') return 'waiting';
  const processing = { ...item, state: 'processing' as const, attempts: attempt };
  return settle(deps, processing, attempt, charged.outcome === 'already_paid' ? null : charged.payment, now);
}

/**
 * The retry queue's job: one bounded batch of due items. Each attempt is charged with the customer's current
 * default method under its own key (`<retry id>:<attempt>`). Hard declines and the last attempt go to the
 * dead letter with their reason; soft ones are rescheduled by the backoff; India's auto-debit rules are
 * checked before every debit. An item whose last attempt has an unknown outcome waits for the resolver.
 */
export async function drainRetries(
  deps: DrainDeps,
  ctx: JobContext & { readonly limit?: number; readonly concurrency?: number },
): Promise<JobSummary> {
  const items = await deps.db.all<RetryItem>(DUE_RETRIES, {
    now: ctx.now,
    limit: ctx.limit ?? 50,
    test_clock: ctx.testClock ?? null,
  });
  const tally: Tally = { succeeded: 0, rescheduled: 0, dead: 0, deferred: 0, waiting: 0, auth: 0, cancelled: 0 };
  let errors = 0;
  // Items are independent: each has its own state guard and its own gateway key, so several go at once.
  await inParallel(items, ctx.concurrency ?? DRAIN_CONCURRENCY, async (item) => {
    try {
      const result = await processItem(deps, item, ctx.now);
      tally[result]++;
    } catch (err) {
      errors++;
      deps.log.warn(
        { retry_id: item.id, err: err instanceof Error ? err.message : String(err) },
        'retry attempt failed',
      );
    }
  });
  return {
    scanned: items.length,
    succeeded: tally.succeeded,
    rescheduled: tally.rescheduled,
    dead: tally.dead,
    deferred: tally.deferred,
    waiting: tally.waiting,
    requires_authentication: tally.auth,
    cancelled: tally.cancelled,
    errors,
  };
}
