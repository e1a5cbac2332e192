import type { Sql } from '../../platform/db.js';
import type { OrderStatus } from './types.js';

const RANK: Record<OrderStatus, number> = { created: 0, attempted: 1, paid: 2 };

/** Orders only move forward: one UPDATE that changes nothing when the order is already at or past `to`. */
const ADVANCE_ORDER = `
UPDATE orders SET status = $status, updated_at = $at
WHERE id = $id AND (CASE status WHEN 'created' THEN 0 WHEN 'attempted' THEN 1 ELSE 2 END) < $rank`;

/** Moves an order forward inside the caller's transaction; a backward or repeated move is a no-op. */
export async function advanceOrder(tx: Sql, orderId: string, to: OrderStatus, at: Date): Promise<boolean> {
  return (await tx.run(ADVANCE_ORDER, { id: orderId, status: to, at, rank: RANK[to] })) === 1;
}
