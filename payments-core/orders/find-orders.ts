import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { ORDER_BY_ID, ORDER_COLUMNS } from './repository.js';
import type { Order } from './types.js';

/** One order by id. */
export async function getOrder(deps: { db: Sql }, id: string): Promise<Order> {
  const order = await deps.db.one<Order>(ORDER_BY_ID, { id });
  if (order === undefined) throw notFound('order', id);
  return order;
}

/** Orders, newest first, optionally of one customer. */
export function listOrders(
  deps: { db: Sql },
  query: PageQuery & { customer_id?: string | undefined },
): Promise<Page<Order>> {
  return listPage<Order>(
    deps.db,
    {
      select: `${ORDER_COLUMNS} {where}`,
      table: 'orders',
      resource: 'order',
      ...(query.customer_id === undefined
        ? {}
        : { where: 't.customer_id = $customer_id', params: { customer_id: query.customer_id } }),
    },
    query,
  );
}
