import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import { loadRegisteredFraudModel } from './load-model.js';
import { recordModelEvent } from './record-event.js';
import {
  CANARY_OF_TASK,
  CHAMPION_OF_TASK,
  DELETE_CANARY,
  MODEL_BY_ID,
  PREVIOUS_CHAMPION,
  RESTORE_CHAMPION,
  ROLL_BACK_CHAMPION,
  toModel,
} from './repository.js';
import type { ModelTask, RegisteredModel } from './types.js';

/**
 * One call: the previous champion (the latest retired champion not itself rolled back) serves again, the
 * current one is retired and marked rolled back so a second rollback goes further back, never forward.
 * Any canary of the task stops: a rollback returns to a known state.
 */
export async function rollbackModel(
  deps: { db: Db; objects: ObjectStore; clock: Clock; log: Log },
  task: ModelTask,
  options: { reason?: string } = {},
): Promise<{ model: RegisteredModel; rolled_back: string }> {
  const currentRow = await deps.db.one(CHAMPION_OF_TASK, { task });
  if (currentRow === undefined) throw conflict('no_champion', `there is no ${task} champion to roll back`);
  const current = toModel(currentRow);
  const previousRow = await deps.db.one(PREVIOUS_CHAMPION, { task });
  if (previousRow === undefined) {
    throw conflict('no_previous_champion', `no earlier ${task} champion to roll back to from ${current.id}`);
  }
  const previous = toModel(previousRow);
  await loadRegisteredFraudModel(deps, previous.id);
  const restored = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    if ((await tx.run(ROLL_BACK_CHAMPION, { id: current.id, at: now })) === 0) {
      throw conflict('champion_changed', 'the champion changed during the rollback; try again');
    }
    if ((await tx.run(RESTORE_CHAMPION, { id: previous.id })) === 0) {
      throw conflict('model_changed', `${previous.id} changed state during the rollback; try again`);
    }
    const canary = await tx.one<{ model_id: string }>(CANARY_OF_TASK, { task });
    if (canary !== undefined) {
      await tx.run(DELETE_CANARY, { task });
      await recordModelEvent(tx, deps.clock, {
        task,
        model_id: canary.model_id,
        event: 'canary_stopped',
        reason: 'rollback',
      });
    }
    await recordModelEvent(tx, deps.clock, {
      task,
      model_id: current.id,
      event: 'rolled_back',
      reason: options.reason ?? 'manual',
      detail: { restored: previous.id },
    });
    await recordModelEvent(tx, deps.clock, {
      task,
      model_id: previous.id,
      event: 'promoted',
      reason: 'rollback',
      detail: { previous: current.id, forced: false },
    });
    const after = await tx.one(MODEL_BY_ID, { id: previous.id });
    if (after === undefined) throw new Error(`model ${previous.id} vanished`);
    return toModel(after);
  });
  deps.log.warn({ task, restored: previous.id, rolled_back: current.id }, 'model rolled back');
  return { model: restored, rolled_back: current.id };
}
