import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { countHits, windowOf } from '../../platform/rate-windows.js';

type Done = Parameters<FastifyRateLimitStore['incr']>[1];

/** What this process holds of a key's current window: places reserved in the shared count, and the last total. */
interface Held {
  readonly startMs: number;
  /** The next reserved place to hand out, and the last one reserved (`next > last`: none left). */
  next: number;
  last: number;
  /** The window's total across processes at this process's last count. */
  total: number;
}

/** Places reserved at once: an eighth of what is left in the window, 1 near the limit, at most 64. */
export function reservation(max: number, total: number): number {
  return Math.max(1, Math.min(64, Math.floor((max - total) / 8)));
}

/**
 * A store for @fastify/rate-limit that counts in PostgreSQL (platform/rate-windows.ts), so a limit holds across
 * every kosh process on the database: fixed windows of the plugin's `timeWindow` on the injected clock.
 *
 * A count reserves places in the window's shared total (one upsert, `hits + n`), and the process hands them out to
 * its next requests without a round trip: an eighth of what is left in the window, so a key far from its limit
 * costs one upsert per up to 64 requests, and one per request near the limit. Only places at or below the limit are
 * let through, so all processes together never pass more than the limit; places a process reserved and did not use
 * make the others refuse a little early (never late). Once a window's total is past the limit the process refuses
 * the key without a query until the window ends. Requests arriving while a key's count is in flight wait for it.
 */
export function sharedRateLimitStore(deps: { db: Db; clock: Clock }): FastifyRateLimitStoreCtor {
  const held = new Map<string, Held>();
  const waiting = new Map<string, Done[]>();

  const count = (key: string, windowMs: number, max: number): void => {
    const dones = waiting.get(key) ?? [];
    const { startMs } = windowOf(deps.clock.now().getTime(), windowMs);
    const known = held.get(key);
    const total = known?.startMs === startMs ? known.total : 0;
    const n = Math.max(dones.length, reservation(max, total));
    countHits(deps.db, { scope: 'requests', client: key, nowMs: startMs, windowMs, n }).then(
      ({ hits }) => {
        if (held.size >= 100_000) held.clear();
        const h: Held = { startMs, next: hits - n + 1, last: hits, total: hits };
        held.set(key, h);
        // Those that came while the count was in flight are served too; any beyond its places count again, at once.
        const ready = waiting.get(key) ?? [];
        waiting.delete(key);
        const leftMs = windowOf(deps.clock.now().getTime(), windowMs).leftMs;
        let i = 0;
        for (; i < ready.length && h.next <= h.last; i++) ready[i]?.(null, { current: h.next++, ttl: leftMs });
        if (i === ready.length) return;
        if (h.total >= max) {
          for (; i < ready.length; i++) ready[i]?.(null, { current: h.total + 1, ttl: leftMs });
          return;
        }
        waiting.set(key, ready.slice(i));
        count(key, windowMs, max);
      },
      (err: Error) => {
        const failed = waiting.get(key) ?? [];
        waiting.delete(key);
        for (const done of failed) done(err);
      },
    );
  };

  /** Answers from what the process holds, or queues for a count. */
  const serve = (key: string, done: Done, windowMs: number, max: number): void => {
    const { startMs, leftMs } = windowOf(deps.clock.now().getTime(), windowMs);
    const h = held.get(key);
    if (h !== undefined && h.startMs === startMs) {
      if (h.next <= h.last) {
        done(null, { current: h.next++, ttl: leftMs });
        return;
      }
      if (h.total >= max) {
        done(null, { current: h.total + 1, ttl: leftMs });
        return;
      }
    }
    const queue = waiting.get(key);
    if (queue !== undefined) {
      queue.push(done);
      return;
    }
    waiting.set(key, [done]);
    count(key, windowMs, max);
  };

  // The plugin makes its store with `new`, and one per route through `child`: all of them share the counts above.
  return class SharedRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, done: Done, timeWindow: number, max: number): void {
      serve(key, done, timeWindow, max);
    }
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
