import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import type { Recovery } from '../../platform/idempotency.js';
import { newId } from '../../platform/ids.js';
import type { KillPoints } from '../../platform/kill-points.js';
import { DEFAULT_CURRENCY, paise } from '../../platform/money.js';
import type { PaymentGateway } from '../gateway/port.js';
import { ensureGatewayOrderAnswering, type OrderForGateway } from './ensure-gateway-order.js';
import { CUSTOMER_ERASED, INSERT_ORDER_RETURNING, ORDER_BY_ID } from './repository.js';
import type { Order } from './types.js';

/** Recovery points of an order request under an Idempotency-Key (platform/idempotency.ts). */
export const ORDER_CREATED = 'order_created';

/**
 * Creates a meal order for a parent and its Razorpay order. The local row is written first, with the request's
 * recovery point when it has an Idempotency-Key; the gateway order is keyed by the kosh order id (Razorpay
 * `receipt`). A retry after a crash resumes with the order already made and finds its gateway order by receipt,
 * so it never makes a second one of either.
 */
export async function createOrder(
  deps: { db: Db; clock: Clock; gateway: PaymentGateway; kill?: KillPoints | undefined },
  input: {
    customer_id: string;
    amount: number;
    currency?: string | undefined;
    description?: string | undefined;
    notes?: Record<string, string> | undefined;
  },
  recovery?: Recovery,
): Promise<Order> {
  const resumed = recovery?.resumed ?? null;
  // The inserted row is what the gateway order needs; a resumed request reads it.
  const row = resumed === null ? await insertOrder(deps, input, recovery) : resumed.resourceId;
  const id = typeof row === 'string' ? row : row.id;
  deps.kill?.at(ORDER_CREATED);
  const stored = await ensureGatewayOrderAnswering(deps, row, { firstAttempt: resumed === null });
  if (stored.order !== undefined) return stored.order;
  const order = await deps.db.one<Order>(ORDER_BY_ID, { id });
  if (order === undefined) throw new Error('order vanished after insert');
  return order;
}

async function insertOrder(
  deps: { db: Db; clock: Clock },
  input: Parameters<typeof createOrder>[1],
  recovery: Recovery | undefined,
): Promise<OrderForGateway> {
  const currency = input.currency ?? DEFAULT_CURRENCY;
  if (currency !== DEFAULT_CURRENCY) {
    throw invalid('unsupported_currency', 'only INR is supported', [
      { field: '/currency', code: 'unsupported_currency', message: 'must be INR' },
    ]);
  }
  const id = newId('ord');
  const params = {
    id,
    customer_id: input.customer_id,
    amount: paise(input.amount),
    currency,
    description: input.description ?? null,
    notes: input.notes ?? {},
    at: deps.clock.now(),
  };
  const inserted =
    recovery === undefined
      ? await deps.db.one<OrderForGateway>(INSERT_ORDER_RETURNING, params)
      : await deps.db.transaction(async (tx) => {
          const row = await tx.one<OrderForGateway>(INSERT_ORDER_RETURNING, params);
          if (row !== undefined) await recovery.reached(tx, ORDER_CREATED, id);
          return row;
        });
  if (inserted === undefined) {
    const erased = await deps.db.one(CUSTOMER_ERASED, { id: input.customer_id });
    if (erased !== undefined) {
      throw invalid('customer_erased', `customer ${input.customer_id} was erased: kosh takes no new orders for them`, [
        { field: '/customer_id', code: 'customer_erased', message: 'the customer was erased' },
      ]);
    }
    throw invalid('unknown_customer', `no customer with id ${input.customer_id}`, [
      { field: '/customer_id', code: 'unknown_customer', message: 'no customer with this id' },
    ]);
  }
  return inserted;
}
