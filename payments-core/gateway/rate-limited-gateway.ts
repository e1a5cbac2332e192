import { rateLimiter } from '../../platform/in-parallel.js';
import type { PaymentGateway } from './port.js';

/**
 * The gateway with a client-side request rate (Razorpay limits requests per account and answers 429 past
 * it): every call waits for a token first, so bulk work paces itself instead of being refused.
 */
export function rateLimitedGateway(gateway: PaymentGateway, perSecond: number): PaymentGateway {
  const limiter = rateLimiter(perSecond);
  const wrapped: Record<string, unknown> = {};
  for (const name of Object.keys(gateway) as (keyof PaymentGateway)[]) {
    const fn = gateway[name] as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      await limiter.take();
      return fn(...args);
    };
  }
  return wrapped as unknown as PaymentGateway;
}
