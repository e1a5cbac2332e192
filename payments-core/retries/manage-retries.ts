import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import { REQUEUE_RETRY, RETRY_BY_ID, SET_RETRY_STATE } from './repository.js';
import { RETRY_POLICY } from './schedule.js';
import { RETRY_SOURCES } from './sources.js';
import type { RetryItem } from './types.js';

type Deps = { db: Db; clock: Clock };

async function load(deps: Deps, id: string): Promise<RetryItem> {
  const item = await deps.db.one<RetryItem>(RETRY_BY_ID, { id });
  if (item === undefined) throw notFound('retry', id);
  return item;
}

/**
 * Puts a dead, cancelled or authentication-waiting item back on the queue, due now, with a fresh budget of
 * attempts (an operator's decision, e.g. after the customer updated their card).
 */
export async function requeueRetry(deps: Deps, id: string): Promise<RetryItem> {
  return deps.db.transaction(async (tx) => {
    const item = await tx.one<RetryItem>(RETRY_BY_ID, { id });
    if (item === undefined) throw notFound('retry', id);
    if (item.state !== 'dead' && item.state !== 'cancelled' && item.state !== 'requires_authentication') {
      throw conflict('retry_not_requeueable', `retry ${id} is ${item.state}`);
    }
    const at = deps.clock.now();
    await tx.run(REQUEUE_RETRY, { id, from: item.state, more: RETRY_POLICY.maxAttempts, at });
    await RETRY_SOURCES[item.source_type]?.onOutcome(tx, {
      sourceId: item.source_id,
      state: 'scheduled',
      reason: null,
      at,
    });
    return (await tx.one<RetryItem>(RETRY_BY_ID, { id })) ?? item;
  });
}

/** Stops retrying an item; an attempt in flight must settle first. Cancelling a cancelled item returns it. */
export async function cancelRetry(deps: Deps, id: string): Promise<RetryItem> {
  const item = await load(deps, id);
  if (item.state === 'cancelled') return item;
  if (item.state === 'processing') throw conflict('retry_attempt_in_flight', `retry ${id} has an attempt in flight`);
  if (item.state === 'succeeded') throw conflict('retry_succeeded', `retry ${id} already succeeded`);
  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now();
    const changed = await tx.run(SET_RETRY_STATE, {
      id,
      from: item.state,
      state: 'cancelled',
      next_attempt_at: null,
      reason: 'cancelled_by_operator',
      last_error_code: null,
      at,
    });
    if (changed !== 1) throw conflict('retry_changed', `retry ${id} changed meanwhile; try again`);
    await RETRY_SOURCES[item.source_type]?.onOutcome(tx, {
      sourceId: item.source_id,
      state: 'cancelled',
      reason: 'cancelled_by_operator',
      at,
    });
    return (await tx.one<RetryItem>(RETRY_BY_ID, { id })) ?? item;
  });
}
