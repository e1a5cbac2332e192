import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError, conflict, invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { applyGatewayRefund } from './apply-gateway-refund.js';
import { recordRefund } from './record-refund.js';
import { REFUND_BY_ID } from './repository.js';
import type { Refund } from './types.js';

/**
 * Refunds all or part of a captured payment. The pending refund and its ledger entry are written first
 * (reserving the amount), then the gateway is asked with the refund id as receipt; a refusal fails the
 * refund and gives the amount back, a timeout leaves it pending for the webhook to settle.
 */
export async function createRefund(
  deps: { db: Db; clock: Clock; gateway: PaymentGateway; log: Log },
  input: { payment_id: string; amount?: number | undefined; reason?: string | undefined },
): Promise<Refund> {
  const id = newId('rfd');
  const gatewayPaymentId = await deps.db.transaction(async (tx) => {
    const payment = await tx.one<{ gateway_payment_id: string | null }>(
      'SELECT gateway_payment_id FROM payments WHERE id = $id',
      { id: input.payment_id },
    );
    if (payment === undefined) {
      throw invalid('unknown_payment', `no payment with id ${input.payment_id}`, [
        { field: '/payment_id', code: 'unknown_payment', message: 'no payment with this id' },
      ]);
    }
    if (payment.gateway_payment_id === null)
      throw conflict('payment_not_refundable', 'payment has not reached the gateway');
    await recordRefund(tx, {
      id,
      payment_id: input.payment_id,
      amount: input.amount,
      reason: input.reason ?? null,
      gateway_refund_id: null,
      at: deps.clock.now(),
    });
    return payment.gateway_payment_id;
  });
  const refund = await deps.db.one<Refund>(REFUND_BY_ID, { id });
  if (refund === undefined) throw new Error('refund vanished after insert');
  try {
    const gatewayRefund = await deps.gateway.createRefund({
      paymentId: gatewayPaymentId,
      amount: refund.amount,
      receipt: id,
      notes: { kosh_refund_id: id },
    });
    return (await deps.db.transaction((tx) => applyGatewayRefund(tx, id, gatewayRefund, deps.clock.now()))).refund;
  } catch (err) {
    if (err instanceof AppError && err.kind === 'provider') {
      await deps.db.transaction((tx) => applyGatewayRefund(tx, id, { id: null, status: 'failed' }, deps.clock.now()));
    }
    deps.log.warn(
      { refund_id: id, err: err instanceof Error ? err.message : String(err) },
      'gateway refund call failed',
    );
    throw err;
  }
}
