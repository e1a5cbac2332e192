import { Float64, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { offlineFraudFeatures } from '../../features/fraud/offline-features.js';
import type { Db } from '../../platform/db.js';
import { AppError, conflict, malformed } from '../../platform/errors.js';
import type { FraudModel } from './model.js';
import type { Action } from './rules/expression.js';
import { thresholdAction } from './scorer.js';

export const MAX_BATCH_ROWS = 1_000_000;
const CHUNK = 8192;

/** A batch as columns: one Float64Array per feature (FRAUD_FEATURES order), `found[i]` false for an unknown id. */
export interface Batch {
  readonly ids: (string | null)[];
  readonly columns: readonly Float64Array[];
  readonly found: Uint8Array;
}

export interface BatchResult {
  readonly ids: (string | null)[];
  /** NaN where the row could not be scored (an unknown id). */
  readonly scores: Float64Array;
  readonly decisions: (Action | null)[];
  readonly model: { version: string } | null;
  readonly thresholds: { review: number; block: number } | null;
}

function tooMany(n: number): AppError {
  return new AppError('invalid', 'batch_too_large', `a batch holds at most ${MAX_BATCH_ROWS} rows, got ${n}`);
}

/**
 * Reads a batch from an Arrow IPC stream (a Buffer) or JSON `{ id?: string[], features?: { name: number[] } }`.
 * With every feature column, rows are scored as given; with only ids (kosh payment ids), their point-in-time
 * features are computed offline (features/fraud/offline-features.ts) over the window the ids span.
 */
export async function decodeBatch(deps: { db: Db }, body: unknown, names: readonly string[]): Promise<Batch> {
  let ids: (string | null)[] | null = null;
  const given = new Map<string, ArrayLike<number>>();
  let rows = -1;
  if (Buffer.isBuffer(body)) {
    let table: ReturnType<typeof tableFromIPC>;
    try {
      table = tableFromIPC(body);
    } catch (err) {
      throw malformed(
        'invalid_arrow',
        `the body is not an Arrow IPC stream: ${err instanceof Error ? err.message : err}`,
      );
    }
    rows = table.numRows;
    if (rows > MAX_BATCH_ROWS) throw tooMany(rows);
    const idColumn = table.getChild('id');
    if (idColumn !== null)
      ids = Array.from(idColumn.toArray() as ArrayLike<unknown>, (v) => (v == null ? null : String(v)));
    for (const name of names) {
      const col = table.getChild(name);
      if (col === null) continue;
      if (col.nullCount > 0) {
        throw malformed('invalid_batch', `column ${name} has ${col.nullCount} nulls`, [
          { field: `/${name}`, code: 'null_values', message: 'feature columns may not hold nulls' },
        ]);
      }
      const values = col.toArray() as ArrayLike<number | bigint>;
      given.set(
        name,
        values instanceof Float64Array ? values : Float64Array.from(values as ArrayLike<number>, (v) => Number(v)),
      );
    }
  } else if (body !== null && typeof body === 'object') {
    const b = body as { id?: unknown; features?: unknown };
    if (b.id !== undefined) {
      if (!Array.isArray(b.id))
        throw malformed('invalid_batch', 'id must be an array', [
          { field: '/id', code: 'invalid_type', message: 'an array of strings' },
        ]);
      ids = b.id.map((v) => (v === null ? null : String(v)));
      rows = ids.length;
    }
    if (b.features !== undefined) {
      if (b.features === null || typeof b.features !== 'object') {
        throw malformed('invalid_batch', 'features must be an object of columns', [
          { field: '/features', code: 'invalid_type', message: 'an object of number arrays' },
        ]);
      }
      for (const [name, col] of Object.entries(b.features as Record<string, unknown>)) {
        if (!names.includes(name)) {
          throw malformed('invalid_batch', `unknown feature ${name}`, [
            { field: `/features/${name}`, code: 'unknown_feature', message: 'not a fraud feature' },
          ]);
        }
        if (!Array.isArray(col) || col.some((v) => typeof v !== 'number')) {
          throw malformed('invalid_batch', `features.${name} must be an array of numbers`, [
            { field: `/features/${name}`, code: 'invalid_type', message: 'an array of numbers' },
          ]);
        }
        given.set(name, Float64Array.from(col as number[]));
        if (rows < 0) rows = col.length;
      }
    }
    if (rows > MAX_BATCH_ROWS) throw tooMany(rows);
  } else {
    throw malformed('invalid_batch', `send ${'application/vnd.apache.arrow.stream'} or JSON`);
  }
  if (rows < 0) rows = 0;
  for (const [name, col] of given) {
    if (col.length !== rows) {
      throw malformed('invalid_batch', `column ${name} has ${col.length} rows, expected ${rows}`, [
        { field: `/features/${name}`, code: 'length_mismatch', message: `expected ${rows} values` },
      ]);
    }
  }
  if (ids !== null && ids.length !== rows) {
    throw malformed('invalid_batch', `id has ${ids.length} rows, expected ${rows}`, [
      { field: '/id', code: 'length_mismatch', message: `expected ${rows} values` },
    ]);
  }
  if (given.size === names.length) {
    return {
      ids: ids ?? new Array<string | null>(rows).fill(null),
      columns: names.map((n) => given.get(n) as Float64Array),
      found: new Uint8Array(rows).fill(1),
    };
  }
  if (given.size > 0 || ids === null) {
    const missing = names.filter((n) => !given.has(n));
    throw malformed(
      'invalid_batch',
      `give every feature column, or only payment ids; missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      missing.map((n) => ({ field: `/features/${n}`, code: 'required', message: 'feature column missing' })),
    );
  }
  return offlineBatch(deps, ids, names);
}

async function offlineBatch(deps: { db: Db }, ids: (string | null)[], names: readonly string[]): Promise<Batch> {
  const rows = ids.length;
  const columns = names.map(() => new Float64Array(rows));
  const found = new Uint8Array(rows);
  const known = ids.filter((id): id is string => id !== null);
  if (known.length === 0) return { ids, columns, found };
  const span = await deps.db.one<{ from: Date | null; to: Date | null }>(
    'SELECT min(p.created_at) AS "from", max(p.created_at) AS "to" FROM payments p WHERE p.id = ANY(CAST($ids AS VARCHAR[]))',
    { ids: known },
  );
  if (span?.from == null || span.to == null) return { ids, columns, found };
  const set = await offlineFraudFeatures(deps, { from: span.from, to: new Date(span.to.getTime() + 1) });
  const at = new Map<string, number>();
  for (let i = 0; i < set.ids.length; i++) at.set(set.ids[i] as string, i);
  for (let r = 0; r < rows; r++) {
    const id = ids[r];
    const i = id == null ? undefined : at.get(id);
    const v = i === undefined ? undefined : set.rows[i];
    if (v === undefined) continue;
    found[r] = 1;
    for (let f = 0; f < names.length; f++) (columns[f] as Float64Array)[r] = v[f] ?? 0;
  }
  return { ids, columns, found };
}

/**
 * Scores a batch with the model in chunks (one reused buffer of row views, so a million rows cost no
 * million allocations). Decisions apply the model's thresholds only: rules read attempt fields (customer,
 * device, IP) a feature batch does not carry, and a batch is analysis, not a checkout decision, so it is not logged.
 */
export function scoreBatch(
  picked: { version: string; model: FraudModel; thresholds: { review: number; block: number } } | null,
  batch: Batch,
  names: readonly string[],
): BatchResult {
  if (picked === null) throw conflict('no_fraud_model', 'no fraud model is registered yet: train and promote one');
  const n = batch.ids.length;
  const nf = names.length;
  const scores = new Float64Array(n).fill(Number.NaN);
  const decisions: (Action | null)[] = new Array<Action | null>(n).fill(null);
  const buffer = new Float64Array(CHUNK * nf);
  const views = Array.from({ length: CHUNK }, (_, i) => buffer.subarray(i * nf, (i + 1) * nf));
  for (let start = 0; start < n; start += CHUNK) {
    const size = Math.min(CHUNK, n - start);
    for (let f = 0; f < nf; f++) {
      const col = batch.columns[f] as Float64Array;
      for (let i = 0; i < size; i++) buffer[i * nf + f] = col[start + i] ?? 0;
    }
    const out = picked.model.scoreMany(size === CHUNK ? views : views.slice(0, size));
    for (let i = 0; i < size; i++) {
      if (batch.found[start + i] !== 1) continue;
      const s = out[i] ?? Number.NaN;
      scores[start + i] = s;
      decisions[start + i] = thresholdAction(s, picked.thresholds);
    }
  }
  return { ids: batch.ids, scores, decisions, model: { version: picked.version }, thresholds: picked.thresholds };
}

/** The result as an Arrow IPC stream: id (utf8), score (float64, null when unscored), decision (utf8). */
export function encodeBatchArrow(result: BatchResult): Uint8Array {
  const table = new Table({
    id: vectorFromArray(result.ids, new Utf8()),
    score: vectorFromArray(
      Array.from(result.scores, (s) => (Number.isNaN(s) ? null : s)),
      new Float64(),
    ),
    decision: vectorFromArray(result.decisions, new Utf8()),
  });
  return tableToIPC(table, 'stream');
}
