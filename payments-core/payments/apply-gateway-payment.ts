import type { Sql } from '../../platform/db.js';
import { paise } from '../../platform/money.js';
import type { GatewayPayment } from '../gateway/port.js';
import { settleInstallmentOrder } from '../installments/settle-installment-order.js';
import { captureLines } from '../ledger/journal-rules.js';
import { postEntry } from '../ledger/post-entry.js';
import { advanceOrder } from '../orders/advance-order.js';
import { PAYMENT_FOR_UPDATE, UPDATE_PAYMENT_STATE } from './repository.js';
import { type Move, type Payment, type PaymentStatus, paymentMove } from './types.js';

/** Razorpay's `refunded` is a captured payment with refunds; kosh tracks refunds beside it. */
export function localStatus(gateway: GatewayPayment): PaymentStatus {
  return gateway.status === 'refunded' ? 'captured' : gateway.status;
}

/**
 * Brings a local payment to the gateway's state inside the caller's transaction, posting the capture to
 * the ledger the one time the payment becomes captured, and settling the installment its order belongs to.
 * Returns the move made: a late or repeated state is a no-op, never a step back. The payment row is locked first,
 * so concurrent deliveries of the same news apply it once.
 */
export async function applyGatewayPayment(
  tx: Sql,
  paymentId: string,
  gateway: GatewayPayment,
  at: Date,
): Promise<{ move: Move; payment: Payment }> {
  const current = await tx.one<Payment>(PAYMENT_FOR_UPDATE, { id: paymentId });
  if (current === undefined) throw new Error(`payment ${paymentId} not found`);
  const target = localStatus(gateway);
  const move = paymentMove(current.status, target);
  if (move !== 'apply') return { move, payment: current };

  const captured = target === 'captured';
  const amountCaptured = captured ? Math.min(gateway.amount, current.amount) : 0;
  const fee = captured ? (gateway.fee ?? 0) : null;
  const tax = captured ? (gateway.tax ?? 0) : null;
  // The payment as it ends: nothing below writes the payment row.
  const payment = await tx.one<Payment>(UPDATE_PAYMENT_STATE, {
    id: paymentId,
    status: target,
    gateway_payment_id: gateway.id,
    captured: amountCaptured,
    fee,
    tax,
    error_code: target === 'failed' ? gateway.errorCode : null,
    error_reason: target === 'failed' ? gateway.errorReason : null,
    error_description: target === 'failed' ? gateway.errorDescription : null,
    authorized_at: target === 'authorized' || captured ? at : null,
    captured_at: captured ? at : null,
    failed_at: target === 'failed' ? at : null,
    at,
  });
  if (payment === undefined) throw new Error(`payment ${paymentId} vanished`);
  if (captured) {
    await postEntry(tx, {
      kind: 'capture',
      refType: 'payment',
      refId: paymentId,
      currency: current.currency,
      memo: `capture ${gateway.id}`,
      at,
      lines: captureLines({
        schoolId: current.school_id,
        amount: paise(amountCaptured),
        fee: paise(fee ?? 0),
        tax: paise(tax ?? 0),
      }),
    });
  }
  await advanceOrder(tx, current.order_id, captured ? 'paid' : 'attempted', at);
  if (captured) await settleInstallmentOrder(tx, current.order_id, at);
  return { move, payment };
}
