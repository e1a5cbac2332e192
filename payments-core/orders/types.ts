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
  /** Captured on this order, plus on the installment orders of its plans. */
  readonly amount_paid: number;
  /** The live installment plan splitting this order, if any. */
  readonly installment_plan_id: string | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}
