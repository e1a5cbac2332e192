import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { INSERT_EVENT } from './repository.js';
import type { ModelEventKind, ModelTask } from './types.js';

/** Appends one line to the registry's audit trail (inside the caller's transaction). */
export async function recordModelEvent(
  tx: Sql,
  clock: Clock,
  event: {
    task: ModelTask;
    model_id: string;
    event: ModelEventKind;
    reason?: string | null;
    detail?: Record<string, unknown> | null;
  },
): Promise<void> {
  await tx.run(INSERT_EVENT, {
    id: newId('mev'),
    task: event.task,
    model_id: event.model_id,
    event: event.event,
    reason: event.reason ?? null,
    detail: event.detail ?? null,
    at: clock.now(),
  });
}
