import type { Sql } from '../../platform/db.js';
import type { GatewayPayment } from '../gateway/port.js';
import { createOrders } from '../orders/create-orders.js';
import { recordGatewayPayment } from '../payments/record-gateway-payment.js';
import { INSERT_REGISTRATION_ORDER, MANDATE_OF_REGISTRATION } from './repository.js';

/** The kosh ids of a mandate's authorisation payment and its order, derived from the method (routes accept both). */
export const registrationPaymentId = (methodId: string): string => `pay_${methodId}`;
export const registrationOrderId = (methodId: string): string => `ord_${methodId}`;

/**
 * Books the authorisation payment of a UPI AutoPay mandate (the ₹1 the parent pays in their UPI app to approve it,
 * which Razorpay captures like any payment) inside the caller's transaction, through the owners: an order of the
 * customer for that amount, and the payment under a kosh id derived from the method, brought to the gateway's state
 * (the capture posts its entry once). The caller holds the gateway payment's lock. Only money the gateway took is
 * booked: a registration payment still `created` or `failed` is left alone. Idempotent: the same payment again is a
 * no-op move. Returns the kosh payment id, or null when the payment registers no mandate of kosh.
 */
export async function bookRegistrationPayment(
  tx: Sql,
  gatewayPayment: GatewayPayment,
  at: Date,
): Promise<string | null> {
  if (gatewayPayment.status === 'created' || gatewayPayment.status === 'failed') return null;
  const mandate = await tx.one<{ id: string; customer_id: string; school_id: string }>(MANDATE_OF_REGISTRATION, {
    registration_id: gatewayPayment.id,
  });
  if (mandate === undefined) return null;
  const orderId = registrationOrderId(mandate.id);
  const paymentId = registrationPaymentId(mandate.id);
  await createOrders(tx, INSERT_REGISTRATION_ORDER, {
    id: orderId,
    customer_id: mandate.customer_id,
    amount: gatewayPayment.amount,
    currency: gatewayPayment.currency,
    description: `UPI AutoPay authorisation of ${mandate.id}`,
    now: at,
  });
  await recordGatewayPayment(
    tx,
    { id: paymentId, orderId, customerId: mandate.customer_id, schoolId: mandate.school_id },
    gatewayPayment,
    at,
  );
  return paymentId;
}
