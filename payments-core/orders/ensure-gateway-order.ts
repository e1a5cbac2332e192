import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import type { KillPoints } from '../../platform/kill-points.js';
import type { PaymentGateway } from '../gateway/port.js';
import {
  GATEWAY_ORDER_OF,
  ORDER_FOR_GATEWAY,
  REPLACE_GATEWAY_ORDER,
  SET_GATEWAY_ORDER,
  SET_GATEWAY_ORDER_RETURNING_ORDER,
} from './repository.js';
import type { Order } from './types.js';

/** What making an order's gateway order needs: the caller's copy of the row when it has one, saving a read. */
export interface OrderForGateway {
  readonly id: string;
  readonly gateway_order_id: string | null;
  readonly amount_minor: number;
  readonly currency: string;
  readonly school_id: string;
  readonly customer_id: string;
}

type Deps = { db: Db; clock: Clock; gateway: PaymentGateway; kill?: KillPoints | undefined };

/**
 * Returns the order's Razorpay order id, creating the gateway order if it has none yet. Unless this is
 * the order's first attempt, an earlier attempt may have reached the gateway before a crash or timeout,
 * so the receipt (the kosh order id) is looked up before creating another. Given the order's row (not its id), it
 * reads nothing first. A row that says "none yet" after another request stored one is the race two requests always
 * had: the id is set only where none is stored and the stored one wins (the other gateway order stays unused).
 */
export async function ensureGatewayOrder(
  deps: Deps,
  order: string | OrderForGateway,
  options: { firstAttempt?: boolean } = {},
): Promise<string> {
  const row = typeof order === 'string' ? await orderForGateway(deps, order) : order;
  if (row.gateway_order_id !== null) return row.gateway_order_id;
  const gatewayOrderId = await createGatewayOrder(deps, row, options);
  const set = await deps.db.run(SET_GATEWAY_ORDER, {
    id: row.id,
    gateway_order_id: gatewayOrderId,
    at: deps.clock.now(),
  });
  return set === 1 ? gatewayOrderId : storedGatewayOrder(deps, row.id, gatewayOrderId);
}

/**
 * The gateway order to charge `amount` of the order through. Razorpay wants a payment's amount to equal its order's,
 * so when less than the order is due (a cancelled installment plan captured the rest) the order's gateway order is
 * replaced by one for `amount`, receipt `<order id>:<amount>`, before the charge. The order keeps one gateway order
 * at a time, so the resolver, a resumed request and `order.paid` keep finding a payment through the order's own
 * `gateway_order_id`; the replaced one was never paid (the plan held the order). A stored one that is not for the
 * order's amount is fetched to learn whether it already is the replacement (only on this path). Found by its
 * receipt before another is made, so a rerun after a crash makes no second one.
 */
export async function ensureGatewayOrderFor(
  deps: Deps,
  order: string | OrderForGateway,
  amount: number,
): Promise<string> {
  const row = typeof order === 'string' ? await orderForGateway(deps, order) : order;
  if (amount === row.amount_minor) return ensureGatewayOrder(deps, row);
  const stored = row.gateway_order_id;
  if (stored !== null && (await deps.gateway.fetchOrder(stored)).amount === amount) return stored;
  const receipt = `${row.id}:${amount}`;
  const gatewayOrder =
    (await deps.gateway.findOrderByReceipt(receipt)) ??
    (await deps.gateway.createOrder({
      amount,
      currency: row.currency,
      receipt,
      notes: { kosh_order_id: row.id, school_id: row.school_id, customer_id: row.customer_id },
    }));
  await deps.db.run(REPLACE_GATEWAY_ORDER, {
    id: row.id,
    gateway_order_id: gatewayOrder.id,
    previous: stored,
    at: deps.clock.now(),
  });
  return storedGatewayOrder(deps, row.id, gatewayOrder.id);
}

/**
 * `ensureGatewayOrder` for the request that creates the order: also returns the order as the API shows it when this
 * call stored its gateway order (in the same statement), else undefined (the caller reads it).
 */
export async function ensureGatewayOrderAnswering(
  deps: Deps,
  order: string | OrderForGateway,
  options: { firstAttempt?: boolean } = {},
): Promise<{ gatewayOrderId: string; order: Order | undefined }> {
  const row = typeof order === 'string' ? await orderForGateway(deps, order) : order;
  if (row.gateway_order_id !== null) return { gatewayOrderId: row.gateway_order_id, order: undefined };
  const gatewayOrderId = await createGatewayOrder(deps, row, options);
  const set = await deps.db.one<Order>(SET_GATEWAY_ORDER_RETURNING_ORDER, {
    id: row.id,
    gateway_order_id: gatewayOrderId,
    at: deps.clock.now(),
  });
  if (set !== undefined) return { gatewayOrderId, order: set };
  return { gatewayOrderId: await storedGatewayOrder(deps, row.id, gatewayOrderId), order: undefined };
}

async function orderForGateway(deps: Deps, orderId: string): Promise<OrderForGateway> {
  const row = await deps.db.one<OrderForGateway>(ORDER_FOR_GATEWAY, { id: orderId });
  if (row === undefined) throw notFound('order', orderId);
  return row;
}

async function createGatewayOrder(
  deps: Deps,
  row: OrderForGateway,
  options: { firstAttempt?: boolean },
): Promise<string> {
  const earlier = options.firstAttempt === true ? null : await deps.gateway.findOrderByReceipt(row.id);
  const gatewayOrder =
    earlier ??
    (await deps.gateway.createOrder({
      amount: row.amount_minor,
      currency: row.currency,
      receipt: row.id,
      notes: { kosh_order_id: row.id, school_id: row.school_id, customer_id: row.customer_id },
    }));
  deps.kill?.at('gateway_order_created');
  return gatewayOrder.id;
}

/** A concurrent request stored its gateway order first: that one is the order's. */
async function storedGatewayOrder(deps: Deps, orderId: string, ours: string): Promise<string> {
  const stored = await deps.db.one<{ gateway_order_id: string | null }>(GATEWAY_ORDER_OF, { id: orderId });
  return stored?.gateway_order_id ?? ours;
}
