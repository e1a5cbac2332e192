/**
 * `created`: written, and either not yet answered by the gateway or (a UPI intent, `upi_link` set) sent and awaiting
 * the parent in their UPI app: Razorpay's own status for it is `created` too. The `payment.*` webhooks or the resolver
 * move it on; an intent not paid by `upi_link_expires_at` fails at the gateway, and kosh follows.
 * `unknown`: the gateway call timed out after it was sent, so the charge may or may not exist. Only the
 * resolver (or a webhook) moves it on, by looking the payment up by its kosh id; it is never charged again.
 * `on_hold`: the fraud screen asked for a review; the gateway has not been called. An approval moves it to
 * `created` and charges it, a decline to `failed` (`fraud_review_declined`).
 */
export type PaymentStatus = 'on_hold' | 'created' | 'unknown' | 'authorized' | 'captured' | 'failed';

export interface Payment {
  readonly object: 'payment';
  readonly id: string;
  readonly order_id: string;
  readonly customer_id: string;
  readonly school_id: string;
  readonly payment_method_id: string | null;
  readonly method: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: PaymentStatus;
  readonly capture_mode: 'auto' | 'manual';
  readonly amount_captured: number;
  readonly amount_refunded: number;
  readonly fee: number | null;
  readonly tax: number | null;
  readonly gateway_payment_id: string | null;
  readonly error_code: string | null;
  readonly error_reason: string | null;
  readonly error_description: string | null;
  /** A UPI intent's `upi://pay` link, for the checkout to open or show as a QR; null for other payments. */
  readonly upi_link: string | null;
  readonly upi_link_expires_at: Date | null;
  readonly created_at: Date;
  readonly authorized_at: Date | null;
  readonly captured_at: Date | null;
  readonly failed_at: Date | null;
}

export type Move = 'apply' | 'noop' | 'illegal';

/**
 * Payments move (on_hold →) created → authorized → captured, or to failed; created → unknown when the gateway did not
 * answer, and unknown → authorized | captured | failed once the outcome is known. Razorpay's late authorisation
 * (failed → authorized, and on to captured) is accepted. Repeats are no-ops; any other backward move is
 * illegal: a 409 from the API, a no-op for a late webhook.
 */
export function paymentMove(from: PaymentStatus, to: PaymentStatus): Move {
  if (from === to) return 'noop';
  // Nothing moves back onto a hold; a held payment only leaves it by a review decision.
  if (to === 'on_hold') return 'illegal';
  switch (from) {
    case 'on_hold':
      return to === 'created' || to === 'failed' ? 'apply' : 'illegal';
    case 'created':
      return 'apply';
    case 'unknown':
      return to === 'created' ? 'illegal' : 'apply';
    case 'authorized':
      return to === 'captured' || to === 'failed' ? 'apply' : to === 'unknown' ? 'noop' : 'illegal';
    case 'failed':
      return to === 'authorized' || to === 'captured' ? 'apply' : to === 'unknown' ? 'noop' : 'illegal';
    case 'captured':
      return to === 'unknown' ? 'noop' : 'illegal';
  }
}
