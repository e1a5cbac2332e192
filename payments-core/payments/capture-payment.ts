import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import type { KillPoints } from '../../platform/kill-points.js';
import type { PaymentGateway } from '../gateway/port.js';
import { applyGatewayPayment } from './apply-gateway-payment.js';
import { PAYMENT_BY_ID } from './repository.js';
import type { Payment } from './types.js';

/**
 * Captures an authorised payment (manual capture). Capturing a captured payment returns it unchanged. Razorpay
 * captures exactly the authorised amount (https://razorpay.com/docs/api/payments/capture: "should be equal to
 * the order amount"), so any other amount is refused here, before the gateway is called.
 */
export async function capturePayment(
  deps: { db: Db; clock: Clock; gateway: PaymentGateway; kill?: KillPoints | undefined },
  input: { payment_id: string; amount?: number | undefined },
): Promise<Payment> {
  const payment = await deps.db.one<Payment>(PAYMENT_BY_ID, { id: input.payment_id });
  if (payment === undefined) throw notFound('payment', input.payment_id);
  const amount = input.amount ?? payment.amount;
  if (amount !== payment.amount) {
    throw invalid('capture_amount_mismatch', `capture the authorised ${payment.amount}, not ${amount}`, [
      { field: '/amount', code: 'capture_amount_mismatch', message: `must equal the authorised ${payment.amount}` },
    ]);
  }
  if (payment.status === 'captured') return payment;
  if (payment.status !== 'authorized' || payment.gateway_payment_id === null) {
    throw conflict('payment_not_capturable', `payment ${payment.id} is ${payment.status}, not authorized`);
  }
  const gatewayPayment = await deps.gateway.capturePayment(payment.gateway_payment_id, amount, payment.currency);
  // Captured at the gateway, not yet here: its payment.captured webhook (or the resolver) books it.
  deps.kill?.at('gateway_captured');
  const { payment: updated } = await deps.db.transaction((tx) =>
    applyGatewayPayment(tx, payment.id, gatewayPayment, deps.clock.now()),
  );
  return updated;
}
