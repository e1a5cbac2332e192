import type { Row } from '../../platform/db.js';
import type { Canary, ModelEvent, ModelEventKind, ModelState, ModelTask, RegisteredModel } from './types.js';

/**
 * Concurrency: state changes are compare-and-set on the state read (`WHERE state = …`), so of two promotions or
 * rollbacks racing only one wins; registration runs `serializable`; one canary per task (primary key `task`).
 */

const MODEL_COLUMNS = `t.id, t.task, t.state, t.algorithm, t.params, t.feature_set_version, t.train_from, t.train_to,
  t.validation_from, t.train_rows, t.validation_rows, t.data_hash, t.metrics, t.thresholds, t.seed, t.artifact_key,
  t.created_at, t.promoted_at, t.retired_at, t.rolled_back_at`;

export const SELECT_MODELS = `SELECT ${MODEL_COLUMNS} FROM models t {where}`;
export const MODEL_BY_ID = `SELECT ${MODEL_COLUMNS} FROM models t WHERE t.id = $id`;
export const CHAMPION_OF_TASK = `SELECT ${MODEL_COLUMNS} FROM models t WHERE t.task = $task AND t.state = 'champion'`;
/** The champion a rollback restores: the latest retired one that was champion and was not itself rolled back. */
export const PREVIOUS_CHAMPION = `SELECT ${MODEL_COLUMNS} FROM models t
  WHERE t.task = $task AND t.state = 'retired' AND t.promoted_at IS NOT NULL AND t.rolled_back_at IS NULL
  ORDER BY t.retired_at DESC, t.id DESC LIMIT 1`;

export const INSERT_MODEL = `INSERT INTO models (id, task, state, algorithm, params, feature_set_version, train_from,
  train_to, validation_from, train_rows, validation_rows, data_hash, metrics, thresholds, seed, artifact_key,
  created_at, promoted_at)
  VALUES ($id, $task, $state, $algorithm, $params, $feature_set_version, $train_from, $train_to, $validation_from,
  $train_rows, $validation_rows, $data_hash, $metrics, $thresholds, $seed, $artifact_key, $created_at, $promoted_at)`;

/** Compare-and-set on the state, so two promotions racing cannot both win. */
export const MAKE_CHAMPION = `UPDATE models SET state = 'champion', promoted_at = $at, retired_at = NULL,
  rolled_back_at = NULL WHERE id = $id AND state = $from_state`;
export const RETIRE_CHAMPION = `UPDATE models SET state = 'retired', retired_at = $at
  WHERE id = $id AND state = 'champion'`;
export const ROLL_BACK_CHAMPION = `UPDATE models SET state = 'retired', retired_at = $at, rolled_back_at = $at
  WHERE id = $id AND state = 'champion'`;
export const RESTORE_CHAMPION = `UPDATE models SET state = 'champion', retired_at = NULL
  WHERE id = $id AND state = 'retired'`;

export const INSERT_EVENT = `INSERT INTO model_events (id, task, model_id, event, reason, detail, created_at)
  VALUES ($id, $task, $model_id, $event, $reason, $detail, $at)`;
export const EVENTS_OF_MODEL = `SELECT id, task, model_id, event, reason, detail, created_at AS at FROM model_events
  WHERE model_id = $model_id ORDER BY seq`;
/** Changes whenever the registry changes: the selector polls it to reload. */
export const REGISTRY_STAMP = `SELECT count(*) AS n, max(seq) AS last_seq FROM model_events`;

export const CANARY_OF_TASK = `SELECT task, model_id, share, started_at, max_error_rate, max_p99_ms, min_calls
  FROM model_canary WHERE task = $task`;
export const DELETE_CANARY = 'DELETE FROM model_canary WHERE task = $task';
export const DELETE_CANARY_OF_MODEL = 'DELETE FROM model_canary WHERE task = $task AND model_id = $model_id';
export const INSERT_CANARY = `INSERT INTO model_canary (task, model_id, share, started_at, max_error_rate, max_p99_ms,
  min_calls) VALUES ($task, $model_id, $share, $started_at, $max_error_rate, $max_p99_ms, $min_calls)`;

const json = (v: unknown): Record<string, unknown> =>
  typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : ((v ?? {}) as Record<string, unknown>);
const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as Date));

export function toModel(r: Row): RegisteredModel {
  return {
    object: 'model',
    id: String(r['id']),
    task: r['task'] as ModelTask,
    state: r['state'] as ModelState,
    algorithm: String(r['algorithm']),
    params: json(r['params']),
    feature_set_version: String(r['feature_set_version']),
    train_from: date(r['train_from']),
    train_to: date(r['train_to']) ?? new Date(0),
    validation_from: date(r['validation_from']) ?? new Date(0),
    train_rows: Number(r['train_rows']),
    validation_rows: Number(r['validation_rows']),
    data_hash: String(r['data_hash']),
    metrics: json(r['metrics']),
    thresholds: json(r['thresholds']),
    seed: Number(r['seed']),
    artifact_key: String(r['artifact_key']),
    created_at: new Date(r['created_at'] as Date),
    promoted_at: date(r['promoted_at']),
    retired_at: date(r['retired_at']),
    rolled_back_at: date(r['rolled_back_at']),
  };
}

export function toEvent(r: Row): ModelEvent {
  return {
    object: 'model_event',
    id: String(r['id']),
    task: r['task'] as ModelTask,
    model_id: String(r['model_id']),
    event: r['event'] as ModelEventKind,
    reason: (r['reason'] as string | null) ?? null,
    detail: r['detail'] === null || r['detail'] === undefined ? null : json(r['detail']),
    at: new Date(r['at'] as Date),
  };
}

export function toCanary(r: Row): Canary {
  return {
    object: 'model_canary',
    task: r['task'] as ModelTask,
    model_id: String(r['model_id']),
    share: Number(r['share']),
    started_at: new Date(r['started_at'] as Date),
    limits: {
      max_error_rate: Number(r['max_error_rate']),
      max_p99_ms: Number(r['max_p99_ms']),
      min_calls: Number(r['min_calls']),
    },
  };
}
