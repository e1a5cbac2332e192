/**
 * Razorpay test-mode behaviour the simulator reproduces. The success cards and VPAs are Razorpay's
 * documented ones; the failure cards are the simulator's own numbers (all pass Luhn), one per decline the
 * issue names, returning Razorpay's error code, reason, source and step for that decline.
 *
 * | card / VPA | outcome |
 * | --- | --- |
 * | 4111 1111 1111 1111 (Visa), 5267 3181 8797 5449 (Mastercard), success@razorpay | authorised |
 * | 4000 0000 0000 0002 | failed: BAD_REQUEST_ERROR / card_declined |
 * | 4000 0000 0000 9995 | failed: BAD_REQUEST_ERROR / insufficient_funds |
 * | 4000 0000 0000 0119 | failed: BAD_REQUEST_ERROR / payment_timed_out |
 * | 4000 0000 0000 0259 | failed: GATEWAY_ERROR / gateway_technical_error |
 * | failure@razorpay | failed: BAD_REQUEST_ERROR / payment_failed |
 * | any other Luhn-valid card | authorised |
 */
export interface Decline {
  readonly code: 'BAD_REQUEST_ERROR' | 'GATEWAY_ERROR';
  readonly reason: string;
  readonly description: string;
  readonly source: string;
  readonly step: string;
}

export const DECLINES: Readonly<Record<string, Decline>> = {
  '4000000000000002': {
    code: 'BAD_REQUEST_ERROR',
    reason: 'card_declined',
    description: 'Your payment has been declined by your bank.',
    source: 'bank',
    step: 'payment_authorization',
  },
  '4000000000009995': {
    code: 'BAD_REQUEST_ERROR',
    reason: 'insufficient_funds',
    description: 'Your payment could not be completed due to insufficient account balance.',
    source: 'customer',
    step: 'payment_authorization',
  },
  '4000000000000119': {
    code: 'BAD_REQUEST_ERROR',
    reason: 'payment_timed_out',
    description: 'Your payment could not be completed on time.',
    source: 'customer',
    step: 'payment_authentication',
  },
  '4000000000000259': {
    code: 'GATEWAY_ERROR',
    reason: 'gateway_technical_error',
    description: 'Payment processing failed due to error at bank or wallet gateway.',
    source: 'gateway',
    step: 'payment_authorization',
  },
};

export const VPA_FAILURE: Decline = {
  code: 'BAD_REQUEST_ERROR',
  reason: 'payment_failed',
  description: 'Payment failed. Please try again with another UPI ID.',
  source: 'customer',
  step: 'payment_authorization',
};

export function cardNetwork(number: string): string {
  if (/^4/.test(number)) return 'Visa';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'MasterCard';
  if (/^3[47]/.test(number)) return 'American Express';
  if (/^(60|65|81|82|508)/.test(number)) return 'RuPay';
  return 'Unknown';
}
