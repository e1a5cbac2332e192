import type { Sql } from './db.js';
import { countHits, hitsOf } from './rate-windows.js';

/**
 * Counts failures (unknown API keys) per client in fixed one-minute windows, across every kosh process on the
 * database (platform/rate-windows.ts); past `max` in a window, the client is refused without a lookup until the
 * window ends. Guessing keys then costs a minute per `max` guesses, whatever the guesses are (each random key would
 * otherwise start a fresh rate-limit bucket of its own). Each lockout within the hour halves what the client may
 * fail in a window (20, 10, 5, 2, then 1 a minute): about 90 guesses an hour instead of 1,200.
 *
 * Only failures touch the database: `blockedFor` answers from what this process learnt at its own last failure, so
 * a request with a good key costs nothing here. A process learns of a block at the first failure it sees past
 * `max`, so with P processes at most `max + P - 1` guesses are looked up in a window (plus those in flight at once).
 */
export interface FailureLimiter {
  /** Seconds until `client` may try again, or null when it may now. */
  blockedFor(client: string, now: Date): number | null;
  failed(client: string, now: Date): Promise<void>;
}

/** Lockouts count within the hour: each one halves the failures a client is allowed per window until it ends. */
const LOCKOUT_WINDOW_MS = 60 * 60_000;

export function createFailureLimiter(deps: { db: Sql }, options: { max: number; windowMs?: number }): FailureLimiter {
  const windowMs = options.windowMs ?? 60_000;
  /** Clients this process saw past `max`, with the end of their window (ms). */
  const blocked = new Map<string, number>();
  return {
    blockedFor(client, now) {
      const until = blocked.get(client);
      if (until === undefined) return null;
      const left = until - now.getTime();
      if (left > 0) return Math.max(1, Math.ceil(left / 1000));
      blocked.delete(client);
      return null;
    },
    async failed(client, now) {
      const nowMs = now.getTime();
      const { hits, leftMs } = await countHits(deps.db, { scope: 'auth_failures', client, nowMs, windowMs });
      // Backoff: a client locked out k times this hour may fail max / 2^k times a window (at least once).
      const lockouts = await hitsOf(deps.db, { scope: 'auth_lockouts', client, nowMs, windowMs: LOCKOUT_WINDOW_MS });
      const allowed = Math.max(1, Math.floor(options.max / 2 ** lockouts));
      if (hits < allowed) return;
      // Exactly one failure of a window sees its count reach `allowed` (the upsert orders them): it records the lockout.
      if (hits === allowed) {
        await countHits(deps.db, { scope: 'auth_lockouts', client, nowMs, windowMs: LOCKOUT_WINDOW_MS });
      }
      if (blocked.size >= 100_000) blocked.clear();
      blocked.set(client, nowMs + leftMs);
    },
  };
}
