export type RefundStatus = 'pending' | 'processed' | 'failed';

export interface Refund {
  readonly object: 'refund';
  readonly id: string;
  readonly payment_id: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: RefundStatus;
  readonly reason: string | null;
  readonly gateway_refund_id: string | null;
  readonly created_at: Date;
  readonly processed_at: Date | null;
  readonly failed_at: Date | null;
}

/** Refunds move pending → processed | failed, once. */
export function refundMoves(from: RefundStatus, to: RefundStatus): boolean {
  return from === 'pending' && to !== 'pending';
}
