import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import { loadRegisteredFraudModel } from './load-model.js';
import { recordModelEvent } from './record-event.js';
import {
  CANARY_OF_TASK,
  CHAMPION_OF_TASK,
  DELETE_CANARY,
  DELETE_CANARY_OF_MODEL,
  INSERT_CANARY,
  MODEL_BY_ID,
  toCanary,
  toModel,
} from './repository.js';
import { type Canary, type CanaryLimits, DEFAULT_CANARY_LIMITS, type ModelTask } from './types.js';

type Deps = { db: Db; objects: ObjectStore; clock: Clock; log: Log };

/**
 * Sends `share` (0 < share ≤ 1) of customers, chosen by a stable hash of the customer id, to a candidate while
 * the champion keeps serving everyone else and shadow-scores the canary's traffic. One canary per task: a new
 * one replaces the old (which is recorded as stopped). Limits default to an error rate above 1 % or a p99
 * above 5 ms over at least 50 calls.
 */
export async function startCanary(
  deps: Deps,
  input: { task: ModelTask; version: string; share: number; limits?: Partial<CanaryLimits> },
): Promise<Canary> {
  if (!(input.share > 0 && input.share <= 1)) {
    throw invalid('invalid_share', 'share must be above 0 and at most 1', [
      { field: '/share', code: 'invalid_share', message: 'must be above 0 and at most 1' },
    ]);
  }
  const limits: CanaryLimits = { ...DEFAULT_CANARY_LIMITS, ...input.limits };
  if (!(limits.max_error_rate >= 0 && limits.max_error_rate <= 1 && limits.max_p99_ms > 0 && limits.min_calls >= 1)) {
    throw invalid('invalid_canary_limits', 'limits: max_error_rate in [0,1], max_p99_ms > 0, min_calls ≥ 1');
  }
  const row = await deps.db.one(MODEL_BY_ID, { id: input.version });
  if (row === undefined || toModel(row).task !== input.task) throw notFound('model', input.version);
  const model = toModel(row);
  if (model.state !== 'candidate') {
    throw conflict('not_a_candidate', `${model.id} is ${model.state}; only a candidate can run as a canary`);
  }
  if ((await deps.db.one(CHAMPION_OF_TASK, { task: input.task })) === undefined) {
    throw conflict('no_champion', `a canary needs a ${input.task} champion to compare with`);
  }
  await loadRegisteredFraudModel(deps, model.id);
  const canary = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const old = await tx.one<{ model_id: string }>(CANARY_OF_TASK, { task: input.task });
    if (old !== undefined) {
      await tx.run(DELETE_CANARY, { task: input.task });
      await recordModelEvent(tx, deps.clock, {
        task: input.task,
        model_id: old.model_id,
        event: 'canary_stopped',
        reason: 'replaced',
        detail: { by: model.id },
      });
    }
    await tx.run(INSERT_CANARY, {
      task: input.task,
      model_id: model.id,
      share: input.share,
      started_at: now,
      ...limits,
    });
    await recordModelEvent(tx, deps.clock, {
      task: input.task,
      model_id: model.id,
      event: 'canary_started',
      detail: { share: input.share, limits },
    });
    const after = await tx.one(CANARY_OF_TASK, { task: input.task });
    if (after === undefined) throw new Error('canary vanished');
    return toCanary(after);
  });
  deps.log.info({ task: input.task, version: model.id, share: input.share, limits }, 'canary started');
  return canary;
}

/**
 * Ends the task's canary. `auto_rollback` is the guard's verdict on a breach of the limits; the candidate
 * stays a candidate either way. Answers 404 `canary_not_found` when none runs (or another version does).
 */
export async function stopCanary(
  deps: Omit<Deps, 'objects'>,
  input: {
    task: ModelTask;
    version?: string;
    event?: 'canary_stopped' | 'auto_rollback';
    reason?: string;
    detail?: Record<string, unknown>;
  },
): Promise<Canary> {
  return deps.db.transaction(async (tx) => {
    const row = await tx.one(CANARY_OF_TASK, { task: input.task });
    if (row === undefined || (input.version !== undefined && toCanary(row).model_id !== input.version)) {
      throw notFound('canary', input.version ?? input.task);
    }
    const canary = toCanary(row);
    // Two stops racing: the second's DELETE waits for the first's and then finds nothing, so one event only.
    if ((await tx.run(DELETE_CANARY_OF_MODEL, { task: input.task, model_id: canary.model_id })) === 0) {
      throw notFound('canary', input.version ?? input.task);
    }
    await recordModelEvent(tx, deps.clock, {
      task: input.task,
      model_id: canary.model_id,
      event: input.event ?? 'canary_stopped',
      reason: input.reason ?? 'manual',
      detail: input.detail ?? null,
    });
    deps.log.warn(
      { task: input.task, version: canary.model_id, event: input.event, reason: input.reason },
      'canary stopped',
    );
    return canary;
  });
}

/** The task's canary, or null. */
export async function findCanary(deps: { db: Db }, task: ModelTask): Promise<Canary | null> {
  const row = await deps.db.one(CANARY_OF_TASK, { task });
  return row === undefined ? null : toCanary(row);
}
