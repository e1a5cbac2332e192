import type { Params, Sql } from '../../platform/db.js';
import type { OrderSetSql } from './repository.js';

/**
 * Moves a set of orders forward inside the caller's transaction, in one statement (`advanceOrdersSql`); a backward
 * or repeated move is a no-op, as in `advanceOrder`. Returns the orders moved.
 */
export async function advanceOrders(tx: Sql, statement: OrderSetSql<'advance'>, params: Params): Promise<number> {
  return tx.run(statement, params);
}
