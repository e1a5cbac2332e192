import type { GatewayPaymentLinkStatus } from '../gateway/port.js';

export type PlanStatus = 'scheduled' | 'partially_paid' | 'paid' | 'past_due' | 'suspended' | 'cancelled';

export type InstallmentStatus =
  | 'scheduled'
  | 'processing'
  | 'paid'
  | 'retrying'
  | 'requires_authentication'
  | 'failed'
  | 'cancelled'
  | 'superseded';

export interface Installment {
  readonly object: 'installment';
  readonly id: string;
  readonly plan_id: string;
  readonly seq: number;
  readonly kind: 'scheduled' | 'payoff';
  /** The kosh order this installment is charged through (its own gateway order and receipt). */
  readonly order_id: string;
  readonly amount: number;
  readonly currency: string;
  readonly due_at: Date;
  readonly status: InstallmentStatus;
  readonly attempts: number;
  readonly last_payment_id: string | null;
  readonly last_error_code: string | null;
  readonly paid_at: Date | null;
  /** The on-session payment link offered when the installment was refused off-session (above ₹15,000). */
  readonly payment_link_url: string | null;
  readonly payment_link_status: GatewayPaymentLinkStatus | null;
}

export interface InstallmentPlan {
  readonly object: 'installment_plan';
  readonly id: string;
  readonly order_id: string;
  readonly customer_id: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: PlanStatus;
  readonly amount_paid: number;
  readonly amount_remaining: number;
  readonly installments: Installment[];
  readonly created_at: Date;
  readonly cancelled_at: Date | null;
  readonly paid_at: Date | null;
}

/** Installments that still owe money (payoff rows count only while in flight or paid). */
export const OPEN_STATUSES: readonly InstallmentStatus[] = [
  'scheduled',
  'retrying',
  'requires_authentication',
  'failed',
];
