import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { JobFn } from '../../platform/job.js';
import type { KillPoints } from '../../platform/kill-points.js';
import type { Log } from '../../platform/log.js';
import type { GatewayPayment, PaymentGateway } from '../gateway/port.js';
import { SET_GATEWAY_ORDER } from '../orders/repository.js';
import { applyGatewayPayment } from './apply-gateway-payment.js';
import { MARK_PAYMENT_FAILED, UNRESOLVED_PAYMENTS } from './repository.js';

/** `kill`: named points for the crash tests (platform/kill-points.ts); production passes none. */
type Deps = { db: Db; clock: Clock; gateway: PaymentGateway; log: Log; kill?: KillPoints | undefined };

/** How long the gateway gets to show a payment before kosh concludes it never arrived. */
export const UNKNOWN_GRACE_MS = 15 * 60_000;
export const NOT_RECEIVED = 'not_received_by_gateway';
/** A UPI intent the gateway still shows `created` a grace past its link's expiry: the parent never paid. */
export const INTENT_EXPIRED = 'upi_intent_expired';

interface Unresolved {
  id: string;
  order_id: string;
  status: 'created' | 'unknown' | 'authorized';
  capture_mode: 'auto' | 'manual';
  created_at: Date;
  /** A UPI intent's expiry; null for other payments. */
  upi_link_expires_at: Date | null;
  gateway_order_id: string | null;
}

/** The gateway order of a kosh order: the stored id, else a lookup by receipt (the kosh order id). */
async function gatewayOrderOf(deps: Deps, p: Unresolved): Promise<string | null> {
  if (p.gateway_order_id !== null) return p.gateway_order_id;
  const found = await deps.gateway.findOrderByReceipt(p.order_id);
  if (found === null) return null;
  await deps.db.run(SET_GATEWAY_ORDER, { id: p.order_id, gateway_order_id: found.id, at: deps.clock.now() });
  return found.id;
}

/**
 * The janitor for payments whose gateway call timed out (Kill Bill's UNKNOWN state): each is looked up at
 * the gateway by its kosh id, never charged again. Found → applied (an auto-capture payment left authorised
 * is captured, which the gateway makes idempotent); still absent after `UNKNOWN_GRACE_MS` → failed with
 * `not_received_by_gateway`; otherwise left for the next run. Payments stuck `created` past the grace (the
 * process died during the call) are resolved the same way, and so are auto-capture payments still `authorized`
 * past it (kosh died between the gateway's capture and its own record of it): kosh never lags the gateway for
 * long, and the capture reaches the ledger through the same `applyGatewayPayment` as a webhook. A UPI intent is
 * `created` while the parent has its link: the resolver is the safety net for its lost webhooks (polled once past the
 * grace: paid → applied and captured; failed or expired at the gateway → failed; still `created` a grace past the
 * link's expiry → failed `upi_intent_expired`).
 */
export const resolveUnknownPayments: JobFn<Deps> = async (deps, { now }) => {
  const staleBefore = new Date(now.getTime() - UNKNOWN_GRACE_MS);
  const rows = await deps.db.all<Unresolved>(UNRESOLVED_PAYMENTS, { stale_before: staleBefore, limit: 100 });
  let resolved = 0;
  let notReceived = 0;
  let pending = 0;
  let errors = 0;
  for (const p of rows) {
    try {
      const gatewayOrderId = await gatewayOrderOf(deps, p);
      let found: GatewayPayment | null =
        gatewayOrderId === null ? null : await deps.gateway.findPayment(gatewayOrderId, p.id);
      if (found === null) {
        // An authorised payment was received by the gateway: not finding it is never a reason to fail it.
        if (p.status === 'authorized' || p.created_at > staleBefore) {
          pending++;
          continue;
        }
        const changed = await deps.db.transaction((tx) =>
          tx.run(MARK_PAYMENT_FAILED, {
            id: p.id,
            from: p.status,
            code: NOT_RECEIVED,
            description: 'the gateway has no payment with this kosh id',
            at: deps.clock.now(),
          }),
        );
        if (changed === 1) notReceived++;
        continue;
      }
      if (found.status === 'created') {
        // A UPI intent awaiting the parent: pending until its link expires; Razorpay fails it then, and should its
        // answer never come, kosh fails it a grace later (a late authorisation still applies: failed → authorized).
        const expired =
          p.upi_link_expires_at !== null && p.upi_link_expires_at.getTime() + UNKNOWN_GRACE_MS <= now.getTime();
        if (expired && p.status === 'created') {
          const changed = await deps.db.transaction((tx) =>
            tx.run(MARK_PAYMENT_FAILED, {
              id: p.id,
              from: 'created',
              code: INTENT_EXPIRED,
              description: 'the UPI intent expired without the parent paying',
              at: deps.clock.now(),
            }),
          );
          if (changed === 1) notReceived++;
          continue;
        }
        pending++;
        continue;
      }
      if (found.status === 'authorized' && p.capture_mode === 'auto') {
        found = await deps.gateway.capturePayment(found.id, found.amount, found.currency);
      }
      const settled = found;
      const { move } = await deps.db.transaction(async (tx) => {
        const applied = await applyGatewayPayment(tx, p.id, settled, deps.clock.now());
        deps.kill?.at('resolved_uncommitted');
        return applied;
      });
      if (move === 'apply') resolved++;
    } catch (err) {
      errors++;
      deps.log.warn(
        {
          payment_id: p.id,
          err: err instanceof AppError ? err.code : err instanceof Error ? err.message : String(err),
        },
        'unknown payment not resolved',
      );
    }
  }
  return { scanned: rows.length, resolved, not_received: notReceived, pending, errors };
};
