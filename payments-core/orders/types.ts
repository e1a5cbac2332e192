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
