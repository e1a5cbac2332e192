import type { Sql } from '../../platform/db.js';
import { SET_ORDER_STATUS } from './repository.js';
import { type OrderStatus, orderMoves } from './types.js';

/** Moves an order forward inside the caller's transaction; a backward or repeated move is a no-op. */
export async function advanceOrder(tx: Sql, orderId: string, to: OrderStatus, at: Date): Promise<boolean> {
  const row = await tx.one<{ status: OrderStatus }>('SELECT status FROM orders WHERE id = $id', { id: orderId });
  if (row === undefined || !orderMoves(row.status, to)) return false;
  await tx.run(SET_ORDER_STATUS, { id: orderId, status: to, at });
  return true;
}
