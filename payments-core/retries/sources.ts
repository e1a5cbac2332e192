import { installmentRetrySource } from '../installments/retry-source.js';
import type { RetrySource } from './types.js';

/** Every source the queue charges for; subscription renewals add their line here. */
export const RETRY_SOURCES: Readonly<Record<string, RetrySource>> = {
  installment: installmentRetrySource,
};
