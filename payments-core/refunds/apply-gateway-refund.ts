import type { Sql } from '../../platform/db.js';
import { paise } from '../../platform/money.js';
import type { GatewayRefund } from '../gateway/port.js';
import { refundFailedLines, refundProcessedLines } from '../ledger/journal-rules.js';
import { postEntry } from '../ledger/post-entry.js';
import { releaseRefund } from '../payments/release-refund.js';
import { REFUND_BY_ID, REFUND_FOR_UPDATE, SET_REFUND_STATE } from './repository.js';
import { type Refund, refundMoves } from './types.js';

/**
 * Brings a local refund to the gateway's state inside the caller's transaction: processed posts the
 * payout from the gateway, failed gives the amount back to the school and releases it on the payment.
 * Terminal states never change again.
 */
export async function applyGatewayRefund(
  tx: Sql,
  refundId: string,
  gateway: { readonly id: string | null; readonly status: GatewayRefund['status'] },
  at: Date,
): Promise<{ changed: boolean; refund: Refund }> {
  const current = await tx.one<Refund>(REFUND_FOR_UPDATE, { id: refundId });
  if (current === undefined) throw new Error(`refund ${refundId} not found`);
  if (!refundMoves(current.status, gateway.status)) {
    if (current.gateway_refund_id === null) {
      await tx.run(SET_REFUND_STATE, {
        id: refundId,
        status: current.status,
        gateway_refund_id: gateway.id,
        processed_at: current.processed_at,
        failed_at: current.failed_at,
        at,
      });
    }
    return { changed: false, refund: (await tx.one<Refund>(REFUND_BY_ID, { id: refundId })) ?? current };
  }
  const processed = gateway.status === 'processed';
  await tx.run(SET_REFUND_STATE, {
    id: refundId,
    status: gateway.status,
    gateway_refund_id: gateway.id,
    processed_at: processed ? at : null,
    failed_at: processed ? null : at,
    at,
  });
  const school = await tx.one<{ school_id: string }>('SELECT school_id FROM payments WHERE id = $id', {
    id: current.payment_id,
  });
  const amount = paise(current.amount);
  if (processed) {
    await postEntry(tx, {
      kind: 'refund_processed',
      refType: 'refund',
      refId: refundId,
      currency: current.currency,
      memo: `refund ${gateway.id} processed`,
      at,
      lines: refundProcessedLines({ amount }),
    });
  } else {
    await releaseRefund(tx, current.payment_id, amount, at);
    await postEntry(tx, {
      kind: 'refund_failed',
      refType: 'refund',
      refId: refundId,
      currency: current.currency,
      memo: `refund ${gateway.id} failed`,
      at,
      lines: refundFailedLines({ schoolId: school?.school_id ?? '', amount }),
    });
  }
  const refund = await tx.one<Refund>(REFUND_BY_ID, { id: refundId });
  if (refund === undefined) throw new Error(`refund ${refundId} vanished`);
  return { changed: true, refund };
}
