import { FRAUD_FEATURE_SET_VERSION } from '../../features/fraud/feature-set.js';
import type { Db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { FraudMetrics } from '../../platform/metrics.js';

/** One row of `fraud_decisions`, in column order. */
export interface DecisionRow {
  readonly id: string;
  readonly attempt_id: string;
  readonly customer_id: string;
  readonly school_id: string | null;
  readonly amount: number;
  readonly source: 'api' | 'payment';
  readonly score: number | null;
  readonly decision: 'allow' | 'review' | 'block';
  readonly reasons: unknown;
  readonly rule_hits: unknown;
  readonly model_version: string | null;
  readonly model_role: 'champion' | 'canary' | null;
  shadow_version: string | null;
  shadow_score: number | null;
  /** The feature vector, in FRAUD_FEATURES order of the feature set the model was trained on. */
  readonly features: Float64Array | null;
  readonly latency_us: number;
  readonly budget_exceeded: boolean;
  readonly created_at: Date;
}

/**
 * Decisions are logged without holding the answer: rows go to a bounded in-memory queue, written to PostgreSQL
 * (one multi-row INSERT from a JSON parameter per chunk) every `intervalMs` or once `maxRows` are waiting, and
 * everything at close. `push` never waits: with `maxQueued` rows not yet written (buffered, or waiting for a slow
 * database), a new row is dropped, counted in metrics and logged. A failed write is logged and its rows dropped
 * too (monitoring data, never money); a row the database refuses costs only itself, never the rows beside it. A crash loses the rows not yet written: one interval's worth normally, at
 * most `maxQueued` while the database is slow.
 */
export interface DecisionLog {
  push(row: DecisionRow): void;
  /** Writes everything buffered now; resolves when it is in the database. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Rows dropped because a write failed or the queue was full. */
  readonly dropped: number;
  /** Rows pushed and not yet written (or dropped by a failed write). */
  readonly queued: number;
}

export interface DecisionLogOptions {
  /** How often buffered rows are written (default 100 ms). */
  readonly intervalMs?: number;
  /** A write starts as soon as this many rows are buffered (default 500). */
  readonly maxRows?: number;
  /** Rows held in memory, buffered or waiting to be written, before new ones are dropped (default 20,000). */
  readonly maxQueued?: number;
}

const CHUNK_ROWS = 100;

/**
 * A batch of decisions as one JSON array parameter, unnested into rows by PostgreSQL. The per-row id makes a
 * write that is retried after an unknown outcome harmless (a unique key, not a process-wide lock).
 */
const INSERT_DECISIONS = `
INSERT INTO fraud_decisions (id, attempt_id, customer_id, school_id, amount_minor, source, score, decision, reasons,
  rule_hits, model_version, model_role, shadow_version, shadow_score, features, feature_set_version, latency_us,
  budget_exceeded, created_at)
SELECT d.id, d.attempt_id, d.customer_id, d.school_id, d.amount_minor, d.source, d.score, d.decision,
  coalesce(d.reasons, '[]'::json), coalesce(d.rule_hits, '[]'::json), d.model_version, d.model_role, d.shadow_version,
  d.shadow_score, d.features, CAST($feature_set_version AS VARCHAR), d.latency_us, d.budget_exceeded, d.created_at
FROM json_to_recordset(CAST($rows AS json)) AS d(id VARCHAR, attempt_id VARCHAR, customer_id VARCHAR,
  school_id VARCHAR, amount_minor BIGINT, source VARCHAR, score DOUBLE PRECISION, decision VARCHAR, reasons json,
  rule_hits json, model_version VARCHAR, model_role VARCHAR, shadow_version VARCHAR, shadow_score DOUBLE PRECISION,
  features json, latency_us INTEGER, budget_exceeded BOOLEAN, created_at TIMESTAMPTZ)
ON CONFLICT (id) DO NOTHING`;

export function createDecisionLog(
  deps: { db: Db; log: Log; metrics?: Pick<FraudMetrics, 'fraudDecisionsDropped'> | undefined },
  options: DecisionLogOptions = {},
): DecisionLog {
  const intervalMs = options.intervalMs ?? 100;
  const maxRows = options.maxRows ?? 500;
  const maxQueued = options.maxQueued ?? 20_000;
  let buffer: DecisionRow[] = [];
  let writing: Promise<void> = Promise.resolve();
  /** Rows in `buffer` plus rows handed to `writing` and not yet written: what the bound applies to. */
  let queued = 0;
  let dropped = 0;
  /** Rows dropped on a full queue since the last warning: logged once per interval, not once per row. */
  let droppedUnlogged = 0;
  let closed = false;

  const write = async (rows: DecisionRow[]): Promise<void> => {
    // Chunks of CHUNK_ROWS: each stringify blocks the event loop for about a millisecond, not the whole batch's.
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      const chunk = rows.slice(i, i + CHUNK_ROWS);
      try {
        await writeChunk(chunk);
      } finally {
        queued -= chunk.length;
      }
    }
  };
  const writeChunk = async (rows: DecisionRow[]): Promise<void> => {
    if (rows.length === 0) return;
    try {
      // One JSON parameter for the whole batch: the event loop only stringifies (~10 µs a row), and PostgreSQL
      // parses and inserts on its side. Per-value appends blocked the loop for ~20 ms per 500 rows, which showed
      // up directly in the checkout's p99.
      const payload = JSON.stringify(
        rows.map((r) => ({
          id: r.id,
          attempt_id: r.attempt_id,
          customer_id: r.customer_id,
          school_id: r.school_id,
          amount_minor: r.amount,
          source: r.source,
          score: r.score,
          decision: r.decision,
          reasons: r.reasons,
          rule_hits: r.rule_hits,
          model_version: r.model_version,
          model_role: r.model_role,
          shadow_version: r.shadow_version,
          shadow_score: r.shadow_score,
          features: r.features === null ? null : Array.from(r.features),
          latency_us: Math.min(2_147_483_647, Math.round(r.latency_us)),
          budget_exceeded: r.budget_exceeded,
          created_at: r.created_at.toISOString(),
        })),
      );
      await deps.db.run(INSERT_DECISIONS, { rows: payload, feature_set_version: FRAUD_FEATURE_SET_VERSION });
    } catch (err) {
      // A row the database refuses (a constraint, a value its column cannot hold) fails the whole INSERT: the chunk
      // is written again in halves, so only the rows refused on their own are dropped. A database that cannot be
      // reached (AppError unavailable) refuses every half as well: those rows are dropped at once.
      if (rows.length > 1 && !(err instanceof AppError)) {
        const half = Math.ceil(rows.length / 2);
        await writeChunk(rows.slice(0, half));
        await writeChunk(rows.slice(half));
        return;
      }
      dropped += rows.length;
      deps.metrics?.fraudDecisionsDropped(rows.length, 'write_failed');
      deps.log.warn(
        { err: err instanceof Error ? err.message : String(err), rows: rows.length },
        'fraud decision log write failed',
      );
    }
  };

  const flush = (): Promise<void> => {
    const rows = buffer;
    buffer = [];
    writing = writing.then(() => write(rows));
    return writing;
  };
  const timer = setInterval(() => {
    if (droppedUnlogged > 0) {
      deps.log.warn({ rows: droppedUnlogged, max_queued: maxQueued }, 'fraud decision log full: decisions dropped');
      droppedUnlogged = 0;
    }
    if (buffer.length > 0) void flush();
  }, intervalMs);
  timer.unref();

  return {
    push: (row) => {
      if (closed) return;
      if (queued >= maxQueued) {
        dropped++;
        droppedUnlogged++;
        deps.metrics?.fraudDecisionsDropped(1, 'queue_full');
        return;
      }
      buffer.push(row);
      queued++;
      if (buffer.length >= maxRows) void flush();
    },
    flush,
    close: async () => {
      closed = true;
      clearInterval(timer);
      if (droppedUnlogged > 0) {
        deps.log.warn({ rows: droppedUnlogged, max_queued: maxQueued }, 'fraud decision log full: decisions dropped');
      }
      await flush();
    },
    get dropped() {
      return dropped;
    },
    get queued() {
      return queued;
    },
  };
}
