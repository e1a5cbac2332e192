import type { Sql } from '../../platform/db.js';
import { conflict } from '../../platform/errors.js';
import type { GatewayPayment } from '../gateway/port.js';
import { applyGatewayPayment } from './apply-gateway-payment.js';
import { INSERT_GATEWAY_PAYMENT } from './repository.js';
import type { Move, Payment } from './types.js';

export interface GatewayPaymentRecord {
  /** The kosh id, derived by the caller from what the payment pays (a billing record's key). */
  readonly id: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly schoolId: string;
}

/**
 * Records a payment the gateway made without kosh asking (a Razorpay Subscription's charge) under the kosh id the
 * caller derives, then brings it to the gateway's state through `applyGatewayPayment` (the capture posts the ledger
 * once). Idempotent: the same gateway payment again is a no-op move. A kosh id already holding another gateway
 * payment is a conflict: the caller's period was paid twice, which needs a person, not a silent merge.
 */
export async function recordGatewayPayment(
  tx: Sql,
  record: GatewayPaymentRecord,
  gateway: GatewayPayment,
  at: Date,
): Promise<{ move: Move; payment: Payment }> {
  await tx.run(INSERT_GATEWAY_PAYMENT, {
    id: record.id,
    order_id: record.orderId,
    customer_id: record.customerId,
    school_id: record.schoolId,
    method: gateway.method,
    amount: gateway.amount,
    currency: gateway.currency,
    gateway_payment_id: gateway.id,
    at,
  });
  const held = await tx.one<{ gateway_payment_id: string | null }>(
    'SELECT gateway_payment_id FROM payments WHERE id = $id',
    { id: record.id },
  );
  if (held?.gateway_payment_id !== gateway.id) {
    throw conflict(
      'payment_already_recorded',
      `payment ${record.id} holds gateway payment ${held?.gateway_payment_id ?? 'none'}, not ${gateway.id}`,
    );
  }
  return applyGatewayPayment(tx, record.id, gateway, at);
}
