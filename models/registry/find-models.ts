import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import type { ObjectStore } from '../../platform/objects.js';
import { EVENTS_OF_MODEL, MODEL_BY_ID, SELECT_MODELS, toEvent, toModel } from './repository.js';
import { type ModelEvent, type ModelState, type ModelTask, modelKeys, type RegisteredModel } from './types.js';

/** Models newest first, optionally of one task and state. */
export async function listModels(
  deps: { db: Db },
  filter: { task?: ModelTask | undefined; state?: ModelState | undefined } = {},
): Promise<RegisteredModel[]> {
  const rows = await deps.db.all(
    SELECT_MODELS.replace(
      '{where}',
      `WHERE (CAST($task AS VARCHAR) IS NULL OR t.task = CAST($task AS VARCHAR))
        AND (CAST($state AS VARCHAR) IS NULL OR t.state = CAST($state AS VARCHAR))
      ORDER BY t.created_at DESC, t.id DESC`,
    ),
    { task: filter.task ?? null, state: filter.state ?? null },
  );
  return rows.map(toModel);
}

export async function getModel(deps: { db: Db }, version: string): Promise<RegisteredModel> {
  const row = await deps.db.one(MODEL_BY_ID, { id: version });
  if (row === undefined) throw notFound('model', version);
  return toModel(row);
}

/** The model's audit trail, oldest first. */
export async function listModelEvents(deps: { db: Db }, version: string): Promise<ModelEvent[]> {
  await getModel(deps, version);
  return (await deps.db.all(EVENTS_OF_MODEL, { model_id: version })).map(toEvent);
}

/** The HTML training report saved with the model. */
export async function getModelReport(deps: { db: Db; objects: ObjectStore }, version: string): Promise<string> {
  const model = await getModel(deps, version);
  const bytes = await deps.objects.get('models', modelKeys(model.task, model.id).report);
  if (bytes === null) throw notFound('model_report', version);
  return Buffer.from(bytes).toString('utf8');
}
