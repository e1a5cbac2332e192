import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { PAYMENT_BY_ID, PAYMENT_COLUMNS } from './repository.js';
import type { Payment, PaymentStatus } from './types.js';

/** One payment by id. */
export async function getPayment(deps: { db: Sql }, id: string): Promise<Payment> {
  const payment = await deps.db.one<Payment>(PAYMENT_BY_ID, { id });
  if (payment === undefined) throw notFound('payment', id);
  return payment;
}

/** Payments, newest first, filterable by status, order or customer. */
export function listPayments(
  deps: { db: Sql },
  query: PageQuery & {
    status?: PaymentStatus | undefined;
    order_id?: string | undefined;
    customer_id?: string | undefined;
  },
): Promise<Page<Payment>> {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.status !== undefined) {
    where.push('t.status = $status');
    params['status'] = query.status;
  }
  if (query.order_id !== undefined) {
    where.push('t.order_id = $order_id');
    params['order_id'] = query.order_id;
  }
  if (query.customer_id !== undefined) {
    where.push('t.customer_id = $customer_id');
    params['customer_id'] = query.customer_id;
  }
  return listPage<Payment>(
    deps.db,
    {
      select: `${PAYMENT_COLUMNS} {where}`,
      table: 'payments',
      resource: 'payment',
      ...(where.length === 0 ? {} : { where: where.join(' AND '), params }),
    },
    query,
  );
}
