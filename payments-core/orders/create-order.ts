import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { DEFAULT_CURRENCY, paise } from '../../platform/money.js';
import type { PaymentGateway } from '../gateway/port.js';
import { ensureGatewayOrder } from './ensure-gateway-order.js';
import { INSERT_ORDER, ORDER_BY_ID } from './repository.js';
import type { Order } from './types.js';

/**
 * Creates a meal order for a parent and its Razorpay order. The local row is written first; the gateway
 * order is keyed by the kosh order id (Razorpay `receipt`), so a retry after a crash finds it again.
 */
export async function createOrder(
  deps: { db: Db; clock: Clock; gateway: PaymentGateway },
  input: {
    customer_id: string;
    amount: number;
    currency?: string | undefined;
    description?: string | undefined;
    notes?: Record<string, string> | undefined;
  },
): Promise<Order> {
  const currency = input.currency ?? DEFAULT_CURRENCY;
  if (currency !== DEFAULT_CURRENCY) {
    throw invalid('unsupported_currency', 'only INR is supported', [
      { field: '/currency', code: 'unsupported_currency', message: 'must be INR' },
    ]);
  }
  const customer = await deps.db.one<{ school_id: string }>('SELECT school_id FROM customers WHERE id = $id', {
    id: input.customer_id,
  });
  if (customer === undefined) {
    throw invalid('unknown_customer', `no customer with id ${input.customer_id}`, [
      { field: '/customer_id', code: 'unknown_customer', message: 'no customer with this id' },
    ]);
  }
  const id = newId('ord');
  await deps.db.run(INSERT_ORDER, {
    id,
    customer_id: input.customer_id,
    school_id: customer.school_id,
    amount: paise(input.amount),
    currency,
    description: input.description ?? null,
    notes: input.notes ?? {},
    at: deps.clock.now(),
  });
  await ensureGatewayOrder(deps, id, { firstAttempt: true });
  const order = await deps.db.one<Order>(ORDER_BY_ID, { id });
  if (order === undefined) throw new Error('order vanished after insert');
  return order;
}
