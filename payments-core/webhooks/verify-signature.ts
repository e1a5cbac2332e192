import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Razorpay signs the exact raw body: hex HMAC-SHA256 with the webhook secret. Any configured secret may
 * match, so the old secret keeps verifying while a new one is rolled out. Constant-time comparison.
 */
export function verifyRazorpaySignature(
  rawBody: string | Buffer,
  signature: string | undefined,
  secrets: readonly string[],
): boolean {
  if (signature === undefined || !/^[0-9a-f]{64}$/i.test(signature)) return false;
  const given = Buffer.from(signature.toLowerCase(), 'hex');
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // Every secret is checked, so timing does not reveal which one matched.
    if (timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

export function signRazorpayBody(rawBody: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}
