import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { countHits } from '../../platform/rate-windows.js';

type Done = Parameters<FastifyRateLimitStore['incr']>[1];

/**
 * A store for @fastify/rate-limit that counts in PostgreSQL (platform/rate-windows.ts), so a limit holds across
 * every kosh process on the database: fixed windows of the plugin's `timeWindow` on the injected clock, one upsert
 * per request. Hits on one key that arrive while its upsert is in flight wait and go together in the next one
 * (`hits + n`), so one busy key costs one round trip at a time per process, not a queue on its row lock; each
 * request still gets its exact place in the window's count.
 */
export function sharedRateLimitStore(deps: { db: Db; clock: Clock }): FastifyRateLimitStoreCtor {
  const inFlight = new Set<string>();
  const waiting = new Map<string, Done[]>();

  const count = (key: string, dones: Done[], windowMs: number): void => {
    inFlight.add(key);
    countHits(deps.db, { scope: 'requests', client: key, nowMs: deps.clock.now().getTime(), windowMs, n: dones.length })
      .then(
        ({ hits, leftMs }) => {
          const first = hits - dones.length;
          for (const [i, done] of dones.entries()) done(null, { current: first + i + 1, ttl: leftMs });
        },
        (err: Error) => {
          for (const done of dones) done(err);
        },
      )
      .finally(() => {
        inFlight.delete(key);
        const next = waiting.get(key);
        if (next === undefined) return;
        waiting.delete(key);
        count(key, next, windowMs);
      });
  };

  const incr = (key: string, done: Done, windowMs: number): void => {
    const queue = waiting.get(key);
    if (!inFlight.has(key)) count(key, [done], windowMs);
    else if (queue === undefined) waiting.set(key, [done]);
    else queue.push(done);
  };

  // The plugin makes its store with `new`, and one per route through `child`: all of them share the counts above.
  return class SharedRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, done: Done, timeWindow: number): void {
      incr(key, done, timeWindow);
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
