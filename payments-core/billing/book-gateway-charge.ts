import type { Clock } from '../../platform/clock.js';
import type { Tx } from '../../platform/db.js';
import { conflict } from '../../platform/errors.js';
import type { GatewayPayment } from '../gateway/port.js';
import { recordInvoicePayment } from '../invoices/record-invoice-payment.js';
import { createOrders } from '../orders/create-orders.js';
import { setGatewayOrders } from '../orders/set-gateway-orders.js';
import { recordGatewayPayment } from '../payments/record-gateway-payment.js';
import { createPeriodInvoices } from './create-period-invoices.js';
import {
  INSERT_GATEWAY_RECORD,
  INSERT_ORDERS,
  MARK_GATEWAY_RECORD_PAID,
  RECORD_BY_ID,
  STORE_GATEWAY_ORDER,
} from './repository.js';
import type { BillingRecord } from './types.js';

export interface GatewayCharge {
  readonly subscriptionId: string;
  /** The period the charge pays, as kosh numbers a subscription's periods from 0. */
  readonly periodIndex: number;
  readonly periodStart: Date;
  readonly periodEnd: Date;
  /** The captured gateway payment. */
  readonly payment: GatewayPayment;
}

/**
 * Books a charge Razorpay made on a Razorpay-held subscription, inside the caller's transaction, as a kosh-collected
 * renewal is booked: the period's billing record and draft invoice, its order, the payment (captured, with its fee,
 * posting the same capture entry as any payment), the record paid and the captured amount recorded on the invoice.
 * Idempotent per period and per gateway payment: a replay finds the record paid by the same payment and changes
 * nothing; a second, different payment for a period already paid is a conflict (the event fails, visibly).
 * Returns the kosh payment id.
 */
export async function bookGatewayCharge(tx: Tx, charge: GatewayCharge, clock: Clock): Promise<string> {
  if (charge.payment.status !== 'captured') {
    throw conflict('payment_not_captured', `gateway payment ${charge.payment.id} is ${charge.payment.status}`);
  }
  const now = clock.now();
  const inserted = await tx.all<{ id: string }>(INSERT_GATEWAY_RECORD, {
    subscription_id: charge.subscriptionId,
    period_index: charge.periodIndex,
    period_start: charge.periodStart,
    period_end: charge.periodEnd,
    now,
  });
  const recordId = `bil_${charge.subscriptionId}_${charge.periodIndex}`;
  if (inserted.length > 0) await createPeriodInvoices(tx, [recordId], clock);
  const record = await tx.one<BillingRecord>(RECORD_BY_ID, { id: recordId });
  if (record === undefined) throw conflict('not_razorpay_held', `subscription ${charge.subscriptionId} is not held`);

  await createOrders(tx, INSERT_ORDERS, { ids: [record.id], now });
  if (charge.payment.orderId !== null) {
    await setGatewayOrders(tx, STORE_GATEWAY_ORDER, { id: record.id, gateway_order_id: charge.payment.orderId, now });
  }
  const { payment } = await recordGatewayPayment(
    tx,
    {
      id: record.idempotency_key,
      orderId: record.order_id,
      customerId: record.customer_id,
      schoolId: record.school_id,
    },
    charge.payment,
    now,
  );
  const paid = await tx.all<{ id: string }>(MARK_GATEWAY_RECORD_PAID, {
    id: record.id,
    payment_id: record.idempotency_key,
    now,
  });
  // The invoice is paid by what Razorpay captured (its plan's price may differ from kosh's terms), not by the
  // record's amount as a kosh charge is: an underpayment leaves the invoice partly paid, visibly. The subscription's
  // status is Razorpay's (the event moved it), so nothing else of a renewal's follow-ups applies.
  if (paid.length > 0 && record.invoice_id !== null && payment.amount_captured > 0) {
    await recordInvoicePayment(
      tx,
      { invoiceId: record.invoice_id, paymentId: payment.id, amountMinor: payment.amount_captured, paidAt: now },
      clock,
    );
  }
  return record.idempotency_key;
}
