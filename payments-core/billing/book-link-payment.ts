import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { conflict } from '../../platform/errors.js';
import { type KillPoints, NO_KILL_POINTS } from '../../platform/kill-points.js';
import { recoverPaidRenewal } from '../dunning/recover-paid-renewal.js';
import type { GatewayPayment, GatewayPaymentLink } from '../gateway/port.js';
import { createOrders } from '../orders/create-orders.js';
import { recordGatewayPayment } from '../payments/record-gateway-payment.js';
import { INSERT_ORDERS, LOCK_RECORD, MARK_LINK_PAID, RECORD_OF_LINK, SET_LINK_STATUS } from './repository.js';
import { settleFollowUps } from './settle-follow-ups.js';
import type { BillingRecord } from './types.js';

/** The kosh id of the payment made through a record's payment link (accepted by the payment routes: `bill_…`). */
export const linkPaymentId = (billingRecordId: string): string => `bill_${billingRecordId}_link`;

/**
 * Books the payment a parent made through a billing record's payment link (`payment_link.paid`), inside the caller's
 * transaction, through the owners a renewal paid any other way goes through: the payment on the record's order
 * (captured, posting the capture entry once), the record paid, its invoice payment and the subscription active
 * again (settleFollowUps), the dunning case recovered. The caller holds the gateway payment's lock; the record row
 * is locked here. Idempotent: the same gateway payment again changes nothing. A record already paid by another
 * payment is a conflict (the parent paid twice: a person refunds one), never a silent second booking.
 * Returns false when no record has this link. `kill` names the points between its steps for the crash tests
 * (`link_record_paid`: payment, capture entry and record written), inside the caller's one transaction.
 */
export async function bookLinkPayment(
  tx: Sql,
  link: GatewayPaymentLink,
  gatewayPayment: GatewayPayment,
  clock: Clock,
  kill: KillPoints = NO_KILL_POINTS,
): Promise<boolean> {
  const record = await tx.one<BillingRecord>(RECORD_OF_LINK, {
    link_id: link.id,
    reference_id: link.referenceId ?? '',
  });
  if (record === undefined) return false;
  if (gatewayPayment.status !== 'captured') {
    throw conflict('payment_not_captured', `gateway payment ${gatewayPayment.id} is ${gatewayPayment.status}`);
  }
  await tx.run(LOCK_RECORD, { id: record.id });
  const now = clock.now();
  const paymentId = linkPaymentId(record.id);
  const booked = await tx.one<{ id: string }>('SELECT id FROM payments WHERE gateway_payment_id = $g', {
    g: gatewayPayment.id,
  });
  if (booked === undefined) {
    if (record.status === 'paid') {
      throw conflict(
        'billing_record_paid_twice',
        `billing record ${record.id} was paid by ${record.payment_id}; link payment ${gatewayPayment.id} needs a refund`,
      );
    }
    await createOrders(tx, INSERT_ORDERS, { ids: [record.id], now });
    await recordGatewayPayment(
      tx,
      { id: paymentId, orderId: record.order_id, customerId: record.customer_id, schoolId: record.school_id },
      gatewayPayment,
      now,
    );
  }
  const paid = await tx.run(MARK_LINK_PAID, { id: record.id, payment_id: paymentId, link_id: link.id, now });
  if (paid === 1) {
    kill.at('link_record_paid');
    await settleFollowUps(tx, [record.id], clock);
    await recoverPaidRenewal(tx, { billingRecordId: record.id, paymentId }, clock);
  } else {
    await tx.run(SET_LINK_STATUS, { link_id: link.id, status: 'paid', now });
  }
  return true;
}
