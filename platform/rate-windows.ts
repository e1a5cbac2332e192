import type { Sql } from './db.js';

/**
 * Counters per client in fixed windows, shared by every kosh process on the database (table `rate_windows`, owned
 * here): the API rate limit and the unknown-key failure limit count here. Concurrency: one
 * `INSERT … ON CONFLICT DO UPDATE … RETURNING` per count, so hits from any process add up exactly (the row lock of
 * the upsert orders them); nothing is read and then written.
 */
export const COUNT_HITS = `
INSERT INTO rate_windows (scope, client, window_start, hits) VALUES ($scope, $client, $window_start, $n)
ON CONFLICT (scope, client, window_start) DO UPDATE SET hits = rate_windows.hits + EXCLUDED.hits
RETURNING hits`;

export const HITS_OF = `
SELECT hits FROM rate_windows WHERE scope = $scope AND client = $client AND window_start = $window_start`;

/** Windows that ended before `$before` (the purge-expired-keys job passes an hour ago). */
export const PURGE_ENDED_WINDOWS = 'DELETE FROM rate_windows WHERE window_start < $before';

export type RateScope = 'requests' | 'auth_failures' | 'auth_lockouts';

/** The window `nowMs` falls in: its start, and the milliseconds left in it. */
export function windowOf(nowMs: number, windowMs: number): { startMs: number; leftMs: number } {
  const startMs = Math.floor(nowMs / windowMs) * windowMs;
  return { startMs, leftMs: startMs + windowMs - nowMs };
}

/** Adds `n` hits for `client` to the window that holds `nowMs`; returns the window's total across all processes. */
export async function countHits(
  db: Sql,
  input: { scope: RateScope; client: string; nowMs: number; windowMs: number; n?: number },
): Promise<{ hits: number; leftMs: number }> {
  const { startMs, leftMs } = windowOf(input.nowMs, input.windowMs);
  const row = await db.one<{ hits: number }>(COUNT_HITS, {
    scope: input.scope,
    client: input.client,
    window_start: new Date(startMs),
    n: input.n ?? 1,
  });
  return { hits: row?.hits ?? 0, leftMs };
}

/** The hits `client` has in the window that holds `nowMs`, across all processes, without adding one. */
export async function hitsOf(
  db: Sql,
  input: { scope: RateScope; client: string; nowMs: number; windowMs: number },
): Promise<number> {
  const { startMs } = windowOf(input.nowMs, input.windowMs);
  const row = await db.one<{ hits: number }>(HITS_OF, {
    scope: input.scope,
    client: input.client,
    window_start: new Date(startMs),
  });
  return row?.hits ?? 0;
}
