export type WebhookStatus = 'received' | 'applied' | 'unmatched' | 'failed' | 'duplicate' | 'stored';

export interface WebhookEvent {
  readonly object: 'webhook_event';
  readonly id: string;
  readonly provider: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly entity_id: string | null;
  readonly status: WebhookStatus;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly received_at: Date;
  readonly applied_at: Date | null;
}

/**
 * Events kosh applies now (`subscription.*` to Razorpay-held subscriptions; `invoice.expired` to a pending e-mandate's
 * registration link); other `invoice.*` are stored for billing.
 */
export const APPLIED_EVENTS = [
  'payment.authorized',
  'payment.captured',
  'payment.failed',
  'payment.dispute.created',
  'payment.dispute.under_review',
  'payment.dispute.action_required',
  'payment.dispute.won',
  'payment.dispute.lost',
  'payment.dispute.closed',
  'order.paid',
  'refund.created',
  'refund.processed',
  'refund.failed',
  'subscription.authenticated',
  'subscription.activated',
  'subscription.charged',
  'payment_link.paid',
  'payment_link.partially_paid',
  'payment_link.cancelled',
  'payment_link.expired',
  'subscription.pending',
  'subscription.halted',
  'subscription.paused',
  'subscription.resumed',
  'subscription.cancelled',
  'subscription.completed',
  'subscription.updated',
  'token.confirmed',
  'token.rejected',
  'token.paused',
  'token.resumed',
  'token.cancelled',
  'invoice.expired',
] as const;

/** Dedupe keys are kept at least this long (Razorpay retries for up to 24 h; we keep 30 days). */
export const EVENT_KEY_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const MAX_APPLY_ATTEMPTS = 8;
