import type { Params, Sql } from '../../platform/db.js';
import type { OrderSetSql } from './repository.js';

/**
 * Records the gateway order ids of a set of orders inside the caller's transaction, in one statement
 * (`setGatewayOrdersSql`); an id is set once. Returns the orders changed.
 */
export async function setGatewayOrders(
  tx: Sql,
  statement: OrderSetSql<'gateway_order'>,
  params: Params,
): Promise<number> {
  return tx.run(statement, params);
}
