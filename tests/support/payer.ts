/**
 * A parent's browser as the platform's backend relays it with POST /v1/payments: Razorpay takes an S2S UPI collect
 * only with the payer's `ip`, `referer` and `user_agent`
 * (https://razorpay.com/docs/payments/third-party-validation/s2s-integration/upi/collect#step-14-initiate-a-payment).
 */
export const PAYER_BODY = {
  ip: '117.217.74.98',
  referer: 'https://meals.example.in/pay',
  user_agent:
    'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36',
} as const;

/** The same browser as the gateway port takes it. */
export const PAYER = { ip: PAYER_BODY.ip, referer: PAYER_BODY.referer, userAgent: PAYER_BODY.user_agent } as const;
