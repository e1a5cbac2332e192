import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { createPayment } from './create-payment.js';
import { PAYMENT_BY_ID } from './repository.js';
import type { Payment } from './types.js';

/** `pending`: the outcome is not known yet (unknown, or another payment is in flight on the order). */
export type ChargeOutcome = 'captured' | 'failed' | 'pending' | 'already_paid';

type Deps = { db: Db; clock: Clock; gateway: PaymentGateway; log: Log };

function outcomeOf(payment: Payment): ChargeOutcome {
  if (payment.status === 'captured') return 'captured';
  if (payment.status === 'failed') return 'failed';
  return 'pending';
}

/**
 * One off-session charge of a kosh order with a saved method, for jobs (installments, retries). The
 * caller derives `payment_id` from its own record and attempt number, so a rerun after a crash finds the
 * payment it already made (or its unknown outcome) instead of charging again.
 */
export async function chargeOffSession(
  deps: Deps,
  input: { order_id: string; payment_id: string; payment_method_id: string },
): Promise<{ outcome: ChargeOutcome; payment: Payment | null }> {
  const earlier = await deps.db.one<Payment>(PAYMENT_BY_ID, { id: input.payment_id });
  if (earlier !== undefined) return { outcome: outcomeOf(earlier), payment: earlier };
  try {
    const payment = await createPayment(deps, { ...input, capture: 'auto', off_session: true });
    return { outcome: outcomeOf(payment), payment };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code === 'order_already_paid') return { outcome: 'already_paid', payment: null };
    if (err.code === 'payment_in_progress') return { outcome: 'pending', payment: null };
    if (err.kind !== 'provider' && err.kind !== 'unavailable') throw err;
    const payment = await deps.db.one<Payment>(PAYMENT_BY_ID, { id: input.payment_id });
    return { outcome: payment === undefined ? 'failed' : outcomeOf(payment), payment: payment ?? null };
  }
}
