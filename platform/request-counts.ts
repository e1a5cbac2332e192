import type { Sql } from './db.js';
import type { Log } from './log.js';
import type { RequestLog, RequestWindow } from './metrics.js';

/**
 * The API request counts every kosh process on the database shares (table `api_request_counts`, owned here): each
 * process adds its request log (platform/metrics.ts) about once a second, and the API alert rules read a window of
 * all of them, whichever process holds the evaluate-alerts lease. Concurrency: one `INSERT … ON CONFLICT DO UPDATE`
 * adding counts per write, rows in key order (two processes' writes lock shared rows in the same order, so they
 * queue instead of deadlocking); nothing is read and then written.
 */
export const ADD_REQUEST_COUNTS = `
INSERT INTO api_request_counts AS t (second, le, requests, errors_5xx, max_seconds)
SELECT second, le, requests, errors_5xx, max_seconds
FROM unnest($seconds::timestamptz[], $les::float8[], $requests::integer[], $errors::integer[], $maxes::float8[])
  AS c(second, le, requests, errors_5xx, max_seconds)
ORDER BY second, le
ON CONFLICT (second, le) DO UPDATE SET requests = t.requests + EXCLUDED.requests,
  errors_5xx = t.errors_5xx + EXCLUDED.errors_5xx, max_seconds = greatest(t.max_seconds, EXCLUDED.max_seconds)`;

/** The window's counts per latency bucket, fastest first. */
export const REQUEST_COUNTS_IN_WINDOW = `
SELECT le, sum(requests)::BIGINT AS requests, sum(errors_5xx)::BIGINT AS errors_5xx, max(max_seconds) AS max_seconds
FROM api_request_counts WHERE second >= $since AND second <= $until
GROUP BY le ORDER BY le`;

/** Seconds that started before `$before` (the purge-expired-keys job passes a day and an hour ago). */
export const PURGE_REQUEST_COUNTS = 'DELETE FROM api_request_counts WHERE second < $before';

/** How long counts are kept: the longest alert window (KOSH_ALERT_WINDOW_MINUTES ≤ 1440) and an hour. */
export const REQUEST_COUNTS_KEEP_MS = 25 * 3_600_000;

/**
 * Adds what `log` recorded since its last write to the shared counts. A failed write puts the counts back for the next
 * one and throws.
 */
export async function writeRequestLog(db: Sql, log: RequestLog): Promise<number> {
  const counts = log.take().sort((a, b) => a.secondMs - b.secondMs || a.le - b.le);
  if (counts.length === 0) return 0;
  try {
    await db.run(ADD_REQUEST_COUNTS, {
      seconds: counts.map((c) => new Date(c.secondMs)),
      les: counts.map((c) => c.le),
      requests: counts.map((c) => c.requests),
      errors: counts.map((c) => c.errors5xx),
      maxes: counts.map((c) => c.maxSeconds),
    });
  } catch (err) {
    log.putBack(counts);
    throw err;
  }
  return counts.length;
}

/**
 * Writes `log` every `everyMs` (wall time, off the request path) until `stop`, which writes what is left. A failed
 * write is logged and retried with the next.
 */
export function startRequestLogWriter(
  deps: { db: Sql; log: Log },
  requests: RequestLog,
  everyMs = 1_000,
): { stop(): Promise<void> } {
  let writing: Promise<unknown> = Promise.resolve();
  const write = () => {
    writing = writing
      .then(() => writeRequestLog(deps.db, requests))
      .catch((err: unknown) =>
        deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'request counts write failed'),
      );
    return writing;
  };
  const timer = setInterval(write, everyMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await write();
    },
  };
}

/**
 * Counts, 5xx and p95 of every process's API requests in the seconds from `since` to `until`. The p95 is the slowest
 * request of the bucket holding the nearest-rank 95th percentile: at least the true p95 and in the same bucket, so it
 * is above an edge (2 s, 5 s) exactly when the true p95 is.
 */
export async function readRequestWindow(db: Sql, since: Date, until: Date): Promise<RequestWindow> {
  const rows = await db.all<{ le: number; requests: number; errors_5xx: number; max_seconds: number }>(
    REQUEST_COUNTS_IN_WINDOW,
    { since: new Date(Math.floor(since.getTime() / 1000) * 1000), until },
  );
  const buckets = rows.map((r) => ({ requests: Number(r.requests), max: Number(r.max_seconds) }));
  const requests = buckets.reduce((n, b) => n + b.requests, 0);
  const errors5xx = rows.reduce((n, r) => n + Number(r.errors_5xx), 0);
  const rank = Math.max(1, Math.ceil(0.95 * requests));
  let seen = 0;
  let p95Seconds: number | null = null;
  for (const b of buckets) {
    seen += b.requests;
    if (seen >= rank) {
      p95Seconds = b.max;
      break;
    }
  }
  return { requests, errors5xx, p95Seconds: requests === 0 ? null : p95Seconds };
}
