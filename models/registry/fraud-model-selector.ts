import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import type { FraudModel } from '../fraud/model.js';
import { stopCanary } from './canary.js';
import { loadRegisteredFraudModel } from './load-model.js';
import { CANARY_OF_TASK, CHAMPION_OF_TASK, REGISTRY_STAMP, toCanary } from './repository.js';
import type { CanaryLimits } from './types.js';

/** What the scorer uses at scoring time. */
export interface FraudModelSelector {
  /** The model for this customer: canary candidate for a stable hash share, else the champion; plus the shadow (other) model if any. */
  pick(customerId: string): {
    primary: { version: string; model: FraudModel; role: 'champion' | 'canary' } | null;
    shadow: { version: string; model: FraudModel } | null;
  };
  /** S reports each scoring outcome; the canary guard rolls back automatically on error/latency breaches. */
  observe(version: string, outcome: { ok: boolean; ms: number }): void;
  reload(): Promise<void>;
}

/** The selector as the process that owns it sees it: its state, and a close that stops its registry polling. */
export interface OwnedFraudModelSelector extends FraudModelSelector {
  status(): {
    champion: string | null;
    canary: { version: string; share: number; calls: number; errors: number; p99_ms: number | null } | null;
  };
  /** Resolves when an automatic rollback in flight has been recorded (for tests and shutdown). */
  idle(): Promise<void>;
  close(): void;
}

/** Calls the canary guard remembers; its verdicts read the last this many. */
const GUARD_WINDOW = 500;

/**
 * A stable point in [0, 1) for a customer: FNV-1a (32-bit) of the id, then murmur3's finalizer so ids that
 * differ in their last characters spread over the whole range. Raising a share keeps its customers.
 */
export function customerBucket(customerId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) {
    h ^= customerId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

interface Live {
  readonly version: string;
  readonly model: FraudModel;
}

interface LiveCanary extends Live {
  readonly share: number;
  readonly limits: CanaryLimits;
  readonly ok: Uint8Array;
  readonly ms: Float64Array;
  calls: number;
  errors: number;
  sinceCheck: number;
}

function p99(values: Float64Array, count: number): number {
  const sorted = values.slice(0, count).sort();
  return sorted[Math.min(count - 1, Math.ceil(0.99 * count) - 1)] ?? 0;
}

/**
 * Loads the fraud champion and the canary (if any) from the registry. `observe` keeps the canary's last 500
 * outcomes; once at least `min_calls` are in and the error rate exceeds `max_error_rate` or the p99 exceeds
 * `max_p99_ms`, the canary stops serving at once and an `auto_rollback` event is recorded. The selector reloads
 * when told and, every `refreshMs` (default 1 s, 0 = never), when the registry's events changed: a promotion, canary
 * or rollback made by any process on the database is served by every process within about a second. The check is one
 * small stamp query (count and last seq of `model_events`); its cost is in bench/RESULTS.md.
 */
export async function loadFraudModelSelector(
  deps: { db: Db; objects: ObjectStore; clock: Clock; log: Log },
  options: { refreshMs?: number } = {},
): Promise<OwnedFraudModelSelector> {
  const cache = new Map<string, FraudModel>();
  let champion: Live | null = null;
  let canary: LiveCanary | null = null;
  let stamp = '';
  let pending: Promise<unknown> = Promise.resolve();
  let reloading: Promise<void> | null = null;

  const load = async (version: string): Promise<FraudModel> => {
    const hit = cache.get(version);
    if (hit !== undefined) return hit;
    const model = await loadRegisteredFraudModel(deps, version);
    cache.set(version, model);
    return model;
  };

  const readStamp = async (): Promise<string> => {
    const s = await deps.db.one<{ n: number; last_seq: number | null }>(REGISTRY_STAMP);
    return `${s?.n ?? 0}|${s?.last_seq ?? ''}`;
  };

  const doReload = async (): Promise<void> => {
    const nextStamp = await readStamp();
    const championRow = await deps.db.one<{ id: string }>(CHAMPION_OF_TASK, { task: 'fraud' });
    const canaryRow = await deps.db.one(CANARY_OF_TASK, { task: 'fraud' });
    let nextChampion: Live | null = null;
    if (championRow !== undefined) {
      try {
        nextChampion = { version: championRow.id, model: await load(championRow.id) };
      } catch (err) {
        // A champion this build cannot load (a feature-set change, a lost artifact) must not stop the process:
        // keep what is serving, or serve none (rules only) at start, and say so loudly.
        deps.log.error({ err, version: championRow.id }, 'champion model cannot be loaded; keeping the model in use');
        nextChampion = champion;
      }
    }
    let nextCanary: LiveCanary | null = null;
    if (canaryRow !== undefined) {
      const c = toCanary(canaryRow);
      try {
        const keep = canary !== null && canary.version === c.model_id && canary.share === c.share ? canary : null;
        nextCanary = keep ?? {
          version: c.model_id,
          model: await load(c.model_id),
          share: c.share,
          limits: c.limits,
          ok: new Uint8Array(GUARD_WINDOW),
          ms: new Float64Array(GUARD_WINDOW),
          calls: 0,
          errors: 0,
          sinceCheck: 0,
        };
      } catch (err) {
        deps.log.error({ err, version: c.model_id }, 'canary model cannot be loaded; serving the champion only');
      }
    }
    champion = nextChampion;
    canary = nextCanary;
    stamp = nextStamp;
    // Only versions in use stay cached.
    for (const v of cache.keys()) if (v !== champion?.version && v !== canary?.version) cache.delete(v);
  };

  const reload = async (): Promise<void> => {
    while (reloading !== null) await reloading.catch(() => undefined);
    reloading = doReload();
    try {
      await reloading;
    } finally {
      reloading = null;
    }
  };

  const rollBack = (live: LiveCanary, reason: string, detail: Record<string, unknown>): void => {
    if (canary !== live) return;
    canary = null;
    deps.log.error({ version: live.version, reason, ...detail }, 'canary breached its limits: rolled back');
    pending = pending
      .then(() => stopCanary(deps, { task: 'fraud', version: live.version, event: 'auto_rollback', reason, detail }))
      .catch((err: unknown) => deps.log.error({ err, version: live.version }, 'recording the canary rollback failed'));
  };

  await reload();

  const refreshMs = options.refreshMs ?? 1_000;
  const timer =
    refreshMs > 0
      ? setInterval(() => {
          readStamp()
            .then((s) => (s === stamp ? undefined : reload()))
            .catch((err: unknown) => deps.log.warn({ err }, 'model registry refresh failed'));
        }, refreshMs)
      : null;
  timer?.unref();

  return {
    pick: (customerId) => {
      const c = canary;
      const ch = champion;
      if (ch === null) return { primary: null, shadow: null };
      if (c !== null && customerBucket(customerId) < c.share) {
        return {
          primary: { version: c.version, model: c.model, role: 'canary' },
          shadow: { version: ch.version, model: ch.model },
        };
      }
      return {
        primary: { version: ch.version, model: ch.model, role: 'champion' },
        shadow: c === null ? null : { version: c.version, model: c.model },
      };
    },
    observe: (version, outcome) => {
      const c = canary;
      if (c === null || c.version !== version) return;
      const slot = c.calls % GUARD_WINDOW;
      if (c.calls >= GUARD_WINDOW && c.ok[slot] === 0) c.errors--;
      c.ok[slot] = outcome.ok ? 1 : 0;
      c.ms[slot] = outcome.ms;
      if (!outcome.ok) c.errors++;
      c.calls++;
      c.sinceCheck++;
      const n = Math.min(c.calls, GUARD_WINDOW);
      if (n < c.limits.min_calls) return;
      const errorRate = c.errors / n;
      if (errorRate > c.limits.max_error_rate) {
        rollBack(c, 'error_rate', { error_rate: errorRate, calls: n, limit: c.limits.max_error_rate });
        return;
      }
      // Sorting the window costs a few microseconds: check the latency every 10th call and on the first verdict.
      if (c.sinceCheck < 10 && n !== c.limits.min_calls) return;
      c.sinceCheck = 0;
      const p = p99(c.ms, n);
      if (p > c.limits.max_p99_ms) rollBack(c, 'latency', { p99_ms: p, calls: n, limit: c.limits.max_p99_ms });
    },
    reload,
    status: () => ({
      champion: champion?.version ?? null,
      canary:
        canary === null
          ? null
          : {
              version: canary.version,
              share: canary.share,
              calls: canary.calls,
              errors: canary.errors,
              p99_ms: canary.calls === 0 ? null : p99(canary.ms, Math.min(canary.calls, GUARD_WINDOW)),
            },
    }),
    idle: async () => {
      await pending;
    },
    close: () => {
      if (timer !== null) clearInterval(timer);
    },
  };
}
