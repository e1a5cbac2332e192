import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import { appendPaymentChanges } from './append-payment-changes.js';

/** How often `kosh serve` appends the payments changed since the last part file: the lake's freshness, plus one tick. */
export const LAKE_APPEND_EVERY_MS = 10_000;
const BATCH = 50_000;

/**
 * Runs the lake appender every `intervalMs` in this process until stopped; a tick behind by more than a batch
 * appends batch after batch. Every process may run one: the cursor's row lock lets one append at a time.
 */
export function startLakeAppender(
  deps: { db: Db; objects: ObjectStore; clock: Clock; log: Log },
  options: { intervalMs: number },
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = async (): Promise<void> => {
    for (;;) {
      const r = await appendPaymentChanges(deps, { limit: BATCH });
      if (r.key !== null)
        deps.log.info({ key: r.key, changes: r.changes, payments: r.payments }, 'lake: part appended');
      if (r.changes < BATCH || stopped) return;
    }
  };
  const timer = setInterval(() => {
    running ??= tick()
      .catch((err: unknown) =>
        deps.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'lake: append failed; retried next tick',
        ),
      )
      .finally(() => {
        running = null;
      });
  }, options.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
