/**
 * The decline of a charge on a saved method that is not active, made by kosh without calling the gateway: a UPI
 * AutoPay mandate the parent paused or revoked (Razorpay: "If a token transitions to paused, cancellation_initiated
 * or cancelled, any subsequent payment attempt against that token will fail",
 * https://razorpay.com/docs/api/payments/recurring-payments/upi/tokens/), or one never confirmed. Null when the
 * method may be charged.
 */
export function inactiveMandate(status: string | null): { code: string; description: string } | null {
  if (status === null || status === 'active') return null;
  if (status === 'paused') {
    return { code: 'mandate_paused', description: 'the parent paused the UPI AutoPay mandate; nothing was sent' };
  }
  if (status === 'cancelled' || status === 'rejected') {
    return { code: 'mandate_revoked', description: 'the UPI AutoPay mandate is no longer active; nothing was sent' };
  }
  return { code: 'payment_method_not_active', description: `the payment method is ${status}; nothing was sent` };
}
