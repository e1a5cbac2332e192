import { hostname } from 'node:os';
import { dropFeedFollower, registerFeedFollower, saveFeedFollower } from '../../payments-core/payments/feed-cursors.js';
import {
  type FeedPosition,
  type PaymentChange,
  paymentFeedHead,
  readPaymentChanges,
} from '../../payments-core/payments/read-payment-changes.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import type { Log } from '../../platform/log.js';
import { loadOnlineFraudFeatures, type OnlineFraudStore } from './online-features.js';

/** The online features' reader of the payments change feed, one per process. */
export interface OnlineFraudFeed {
  /** Reads what the feed holds now into the features; the number of changes read. */
  tick(): Promise<number>;
  /** Where it is: every change up to here is in the features. */
  position(): FeedPosition;
  /** Stops polling and waits for a read in progress. */
  stop(): Promise<void>;
}

const BATCH = 1000;
/**
 * The follower's registration in `feed_cursors` holds the feed's pruning back: saved at most this often (on the
 * injected clock; the saved place trails the real one, which only keeps more) and valid this long after a save.
 */
export const FOLLOWER_SAVE_EVERY_MS = 5_000;
export const FOLLOWER_TTL_MS = 10 * 60_000;

/**
 * A change into the store: a new payment is an attempt at its creation, unless the load counted it (committed
 * before the load and created before its `now`: a payment stamped later by a clock ahead of this one's is not);
 * a failure is recorded once it is known.
 */
function apply(features: OnlineFraudStore, c: PaymentChange, loadedBefore: number): void {
  if (c.op === 'insert' && !(c.in_snapshot && c.created_at.getTime() < loadedBefore)) {
    features.record({
      id: c.id,
      customer_id: c.customer_id,
      school_id: c.school_id,
      amount: c.amount,
      method_fingerprint: c.payment_method_id,
      device_id: c.device_id,
      ip: c.ip,
      at: c.created_at,
    });
  }
  // Idempotent: a payment already marked failed (by the HTTP path, the load, or an earlier change) is left alone.
  if (c.failed_at !== null) features.recordFailure(c.id, c.failed_at);
}

/**
 * Loads the online fraud features as of `now` and keeps them current from the payments change feed, so a payment
 * made by any path (HTTP, the billing run, installments, retries) and any process reaches them. The feed starts at
 * the load: payments the load counted are skipped, and one committed while it ran may be both loaded and read, which
 * counts once (`record` ignores a payment id it holds, `recordFailure` a payment already failed). The HTTP path
 * still records its payment directly, so the score right after it on the same process sees it; the feed's copy is
 * then a no-op for the same reason. `intervalMs` 0 polls never: the caller ticks (tests). The follower is registered
 * in `feed_cursors` while it runs, so the feed's pruning never deletes a change it has not read.
 */
export async function loadFollowedOnlineFraudFeatures(
  deps: { db: Db; clock: Clock; log: Log },
  options: { now: Date; intervalMs: number },
): Promise<{ features: OnlineFraudStore; feed: OnlineFraudFeed }> {
  // Registered before the load, at the head its own INSERT reads: the pruning keeps every change from there on.
  const name = `fraud-features:${hostname()}:${process.pid}:${newId('flw')}`;
  const expiry = () => new Date(deps.clock.now().getTime() + FOLLOWER_TTL_MS);
  let at = await registerFeedFollower(deps.db, { name, at: deps.clock.now(), expiresAt: expiry() });
  let savedAt = deps.clock.now().getTime();
  const head = await paymentFeedHead(deps);
  const features = await loadOnlineFraudFeatures(deps, { now: options.now });
  let running: Promise<number> | null = null;
  let stopped = false;

  const save = async (): Promise<void> => {
    const now = deps.clock.now();
    if (now.getTime() - savedAt < FOLLOWER_SAVE_EVERY_MS) return;
    savedAt = now.getTime();
    if (await saveFeedFollower(deps.db, { name, position: at, at: now, expiresAt: expiry() })) return;
    // This process stalled past its expiry and the pruning dropped it: changes may have been deleted unread.
    deps.log.error(
      { follower: name },
      'fraud features: feed registration expired; payments changed meanwhile may be missing until a restart',
    );
    await registerFeedFollower(deps.db, { name, at: now, expiresAt: expiry() });
  };
  const read = async (): Promise<number> => {
    let n = 0;
    for (;;) {
      const changes = await readPaymentChanges(deps, { after: at, limit: BATCH, snapshot: head.snapshot });
      for (const c of changes) {
        apply(features, c, options.now.getTime());
        at = { xid: c.xid, seq: c.seq };
      }
      n += changes.length;
      if (changes.length < BATCH || stopped) {
        await save();
        return n;
      }
    }
  };
  // One read at a time: a tick during a read joins it.
  const tick = (): Promise<number> => {
    running ??= read().finally(() => {
      running = null;
    });
    return running;
  };
  const timer =
    options.intervalMs > 0
      ? setInterval(() => {
          tick().catch((err: unknown) =>
            deps.log.warn(
              { err: err instanceof Error ? err.message : String(err) },
              'fraud features: feed read failed',
            ),
          );
        }, options.intervalMs)
      : null;
  timer?.unref();
  return {
    features,
    feed: {
      tick,
      position: () => at,
      stop: async () => {
        stopped = true;
        if (timer !== null) clearInterval(timer);
        await running?.catch(() => undefined);
        await dropFeedFollower(deps.db, name).catch((err: unknown) =>
          deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'fraud features: leaving the feed'),
        );
      },
    },
  };
}
