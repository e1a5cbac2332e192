export type OrderStatus = 'created' | 'attempted' | 'paid';

export interface Order {
  readonly object: 'order';
  readonly id: string;
  readonly customer_id: string;
  readonly school_id: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: OrderStatus;
  readonly description: string | null;
  readonly gateway_order_id: string | null;
  readonly amount_paid: number;
  readonly created_at: Date;
  readonly updated_at: Date;
}

const RANK: Record<OrderStatus, number> = { created: 0, attempted: 1, paid: 2 };

/** Orders only move forward: created → attempted → paid; a paid order stays paid, even after refunds. */
export function orderMoves(from: OrderStatus, to: OrderStatus): boolean {
  return RANK[to] > RANK[from];
}
