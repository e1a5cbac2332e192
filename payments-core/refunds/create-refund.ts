import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError, conflict, invalid } from '../../platform/errors.js';
import type { Recovery } from '../../platform/idempotency.js';
import { newId } from '../../platform/ids.js';
import type { KillPoints } from '../../platform/kill-points.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { applyGatewayRefund } from './apply-gateway-refund.js';
import { recordRefund } from './record-refund.js';
import { REFUND_BY_ID } from './repository.js';
import type { Refund } from './types.js';

/** Recovery points of a refund request under an Idempotency-Key (platform/idempotency.ts). */
export const REFUND_CREATED = 'refund_created';
export const REFUND_SENT = 'refund_sent';

type Deps = { db: Db; clock: Clock; gateway: PaymentGateway; log: Log; kill?: KillPoints | undefined };

/**
 * Refunds all or part of a captured payment. The pending refund and its ledger entry are written first
 * (reserving the amount, with the request's recovery point), then the gateway is asked with the refund id as
 * receipt; a refusal fails the refund and gives the amount back, a timeout leaves it pending for the webhook to
 * settle. A retry after a crash resumes with the refund already made: never a second refund of the same request.
 */
export async function createRefund(
  deps: Deps,
  input: { payment_id: string; amount?: number | undefined; reason?: string | undefined },
  recovery?: Recovery,
): Promise<Refund> {
  const resumed = recovery?.resumed ?? null;
  if (resumed !== null) return resumeRefund(deps, resumed.resourceId, recovery);
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
    await recovery?.reached(tx, REFUND_CREATED, id);
    return payment.gateway_payment_id;
  });
  deps.kill?.at(REFUND_CREATED);
  const refund = await deps.db.one<Refund>(REFUND_BY_ID, { id });
  if (refund === undefined) throw new Error('refund vanished after insert');
  return sendRefund(deps, refund, gatewayPaymentId, recovery);
}

async function sendRefund(deps: Deps, refund: Refund, gatewayPaymentId: string, recovery: Recovery | undefined) {
  const id = refund.id;
  try {
    const gatewayRefund = await deps.gateway.createRefund({
      paymentId: gatewayPaymentId,
      amount: refund.amount,
      receipt: id,
      notes: { kosh_refund_id: id },
    });
    deps.kill?.at('gateway_refunded');
    return await recordGatewayRefund(deps, id, gatewayRefund, recovery);
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

async function recordGatewayRefund(
  deps: Deps,
  id: string,
  gatewayRefund: Parameters<typeof applyGatewayRefund>[2],
  recovery: Recovery | undefined,
): Promise<Refund> {
  return deps.db.transaction(async (tx) => {
    const { refund } = await applyGatewayRefund(tx, id, gatewayRefund, deps.clock.now());
    await recovery?.reached(tx, REFUND_SENT, id);
    return refund;
  });
}

/**
 * A retry of a request that stopped after writing its refund. A refund the gateway has answered for is the answer;
 * one still pending without a gateway id may have reached the gateway, so it is looked up there by its receipt (the
 * refund id) and adopted, and asked for only if the gateway never saw it.
 */
async function resumeRefund(deps: Deps, id: string, recovery: Recovery | undefined): Promise<Refund> {
  const refund = await deps.db.one<Refund>(REFUND_BY_ID, { id });
  if (refund === undefined) throw new Error(`refund ${id} of a resumed request is missing`);
  if (refund.status !== 'pending' || refund.gateway_refund_id !== null) return refund;
  const payment = await deps.db.one<{ gateway_payment_id: string }>(
    'SELECT gateway_payment_id FROM payments WHERE id = $id',
    { id: refund.payment_id },
  );
  if (payment === undefined) throw new Error(`payment of refund ${id} is missing`);
  const found = await deps.gateway.findRefundByReceipt(payment.gateway_payment_id, id);
  if (found !== null) return recordGatewayRefund(deps, id, found, recovery);
  return sendRefund(deps, refund, payment.gateway_payment_id, recovery);
}
