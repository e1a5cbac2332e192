import type { Params, Sql } from '../../platform/db.js';
import type { OrderSetSql } from './repository.js';

/**
 * Creates a set of orders inside the caller's transaction, in one statement (`insertOrdersSql`, built once by the
 * caller from its constant source); an order that exists already is left alone. Returns the orders written.
 */
export async function createOrders(tx: Sql, statement: OrderSetSql<'insert'>, params: Params): Promise<number> {
  return tx.run(statement, params);
}
