import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { KillPoints } from '../../platform/kill-points.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { capturePaidIntent } from '../payments/capture-paid-intent.js';
import { applyWebhookEvent } from './apply-webhook-event.js';
import { PENDING_EVENTS } from './repository.js';
import { MAX_APPLY_ATTEMPTS } from './types.js';

export interface WebhookInbox {
  /** Starts a pass over pending events unless one is running; a kick during a pass schedules another. */
  kick(): void;
  /** Resolves when no pass is running. */
  idle(): Promise<void>;
}

/**
 * Applies stored events in arrival order; failed ones are retried on later passes up to a limit. The `gateway` captures
 * a UPI intent the parent paid (`capturePaidIntent`) once its `payment.authorized` is applied.
 */
export function createWebhookInbox(deps: {
  db: Db;
  clock: Clock;
  log: Log;
  gateway: PaymentGateway;
  kill?: KillPoints | undefined;
}): WebhookInbox {
  let running: Promise<void> | null = null;
  let again = false;

  async function pass(): Promise<void> {
    const tried = new Set<string>();
    for (;;) {
      const rows = await deps.db.all<{ id: string; event_type: string }>(PENDING_EVENTS, {
        max_attempts: MAX_APPLY_ATTEMPTS,
      });
      const fresh = rows.filter((r) => !tried.has(r.id));
      if (fresh.length === 0) return;
      for (const r of fresh) {
        tried.add(r.id);
        const applied = (await applyWebhookEvent(deps, r.id)) === 'applied';
        // Only a payment.authorized can be a paid intent: no extra query for every other event.
        if (applied && r.event_type === 'payment.authorized') await capturePaidIntent(deps, r.id);
      }
    }
  }

  function kick(): void {
    if (running !== null) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await pass().catch((err: unknown) => deps.log.error({ err }, 'webhook inbox pass failed'));
      } while (again);
    })().finally(() => {
      running = null;
    });
  }

  return {
    kick,
    idle: async () => {
      while (running !== null) await running;
    },
  };
}
