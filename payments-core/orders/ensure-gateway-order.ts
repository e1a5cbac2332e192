import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import type { KillPoints } from '../../platform/kill-points.js';
import type { PaymentGateway } from '../gateway/port.js';
import { GATEWAY_ORDER_OF, SET_GATEWAY_ORDER } from './repository.js';

/**
 * Returns the order's Razorpay order id, creating the gateway order if it has none yet. Unless this is
 * the order's first attempt, an earlier attempt may have reached the gateway before a crash or timeout,
 * so the receipt (the kosh order id) is looked up before creating another.
 */
export async function ensureGatewayOrder(
  deps: { db: Db; clock: Clock; gateway: PaymentGateway; kill?: KillPoints | undefined },
  orderId: string,
  options: { firstAttempt?: boolean } = {},
): Promise<string> {
  const row = await deps.db.one<{
    gateway_order_id: string | null;
    amount_minor: number;
    currency: string;
    school_id: string;
    customer_id: string;
  }>('SELECT gateway_order_id, amount_minor, currency, school_id, customer_id FROM orders WHERE id = $id', {
    id: orderId,
  });
  if (row === undefined) throw notFound('order', orderId);
  if (row.gateway_order_id !== null) return row.gateway_order_id;
  const earlier = options.firstAttempt === true ? null : await deps.gateway.findOrderByReceipt(orderId);
  const gatewayOrder =
    earlier ??
    (await deps.gateway.createOrder({
      amount: row.amount_minor,
      currency: row.currency,
      receipt: orderId,
      notes: { kosh_order_id: orderId, school_id: row.school_id, customer_id: row.customer_id },
    }));
  deps.kill?.at('gateway_order_created');
  const set = await deps.db.run(SET_GATEWAY_ORDER, {
    id: orderId,
    gateway_order_id: gatewayOrder.id,
    at: deps.clock.now(),
  });
  if (set === 1) return gatewayOrder.id;
  // A concurrent request stored its gateway order first: that one is the order's.
  const stored = await deps.db.one<{ gateway_order_id: string | null }>(GATEWAY_ORDER_OF, { id: orderId });
  return stored?.gateway_order_id ?? gatewayOrder.id;
}
