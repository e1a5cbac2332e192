import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import {
  OPEN_DUNNING_CASES,
  PAYMENT_FEED_LAG,
  RETRY_QUEUE_DEPTH,
  TABLE_EXISTS,
  UNPROCESSED_WEBHOOKS,
} from './repository.js';

const RETRY_STATES = ['scheduled', 'processing', 'requires_authentication'] as const;

/**
 * Gauges that are database state, read by SQL when /metrics is scraped (never kept in memory, so every
 * replica reports the same truth): retry-queue depth by state, open dunning cases, unprocessed webhook events
 * and the age of the oldest one, each change-feed consumer's lag. A failing read is logged and leaves that gauge out of the scrape.
 */
export function registerStateGauges(registry: Registry, deps: { db: Db; clock: Clock; log: Log }): void {
  const guard = async (name: string, read: () => Promise<void>) => {
    try {
      await read();
    } catch (err) {
      deps.log.warn(
        { gauge: name, err: err instanceof Error ? err.message : String(err) },
        'metrics gauge read failed',
      );
    }
  };
  new Gauge({
    name: 'kosh_retry_queue_depth',
    help: 'Retry-queue items still to work on, by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await guard('kosh_retry_queue_depth', async () => {
        const rows = await deps.db.all<{ state: string; n: number }>(RETRY_QUEUE_DEPTH);
        for (const state of RETRY_STATES) this.set({ state }, rows.find((r) => r.state === state)?.n ?? 0);
      });
    },
  });
  new Gauge({
    name: 'kosh_dunning_open_cases',
    help: 'Dunning cases not yet closed (0 until the dunning tables exist)',
    registers: [registry],
    async collect() {
      await guard('kosh_dunning_open_cases', async () => {
        const exists = (await deps.db.one<{ n: number }>(TABLE_EXISTS, { name: 'dunning_cases' }))?.n ?? 0;
        this.set(exists === 0 ? 0 : ((await deps.db.one<{ n: number }>(OPEN_DUNNING_CASES))?.n ?? 0));
      });
    },
  });
  const webhooks = async () => deps.db.one<{ n: number; oldest: Date | null }>(UNPROCESSED_WEBHOOKS);
  new Gauge({
    name: 'kosh_webhook_events_unprocessed',
    help: 'Webhook events stored but not applied yet',
    registers: [registry],
    async collect() {
      await guard('kosh_webhook_events_unprocessed', async () => this.set((await webhooks())?.n ?? 0));
    },
  });
  new Gauge({
    name: 'kosh_webhook_lag_seconds',
    help: 'Age of the oldest webhook event not applied yet (0 when none)',
    registers: [registry],
    async collect() {
      await guard('kosh_webhook_lag_seconds', async () => {
        const oldest = (await webhooks())?.oldest ?? null;
        this.set(oldest === null ? 0 : Math.max(0, (deps.clock.now().getTime() - oldest.getTime()) / 1000));
      });
    },
  });
  new Gauge({
    name: 'kosh_payment_feed_lag_seconds',
    help: 'Per consumer of the payments change feed: age of the oldest change it has not read (0 when none)',
    labelNames: ['consumer'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await guard('kosh_payment_feed_lag_seconds', async () => {
        for (const r of await readPaymentFeedLag(deps.db)) this.set({ consumer: r.consumer }, r.lagSeconds);
      });
    },
  });
}

/** Each consumer of the payments change feed and the age of the oldest change it has not read (0 when none). */
export async function readPaymentFeedLag(db: Db): Promise<{ consumer: string; lagSeconds: number }[]> {
  const rows = await db.all<{ name: string; lag_seconds: number | null }>(PAYMENT_FEED_LAG);
  return rows.map((r) => ({ consumer: r.name, lagSeconds: Math.max(0, Number(r.lag_seconds ?? 0)) }));
}
