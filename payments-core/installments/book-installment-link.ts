import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { conflict } from '../../platform/errors.js';
import type { GatewayPayment, GatewayPaymentLink } from '../gateway/port.js';
import { recordGatewayPayment } from '../payments/record-gateway-payment.js';
import { INSTALLMENT_OF_LINK, SET_INSTALLMENT_LINK_STATUS } from './repository.js';

/** The kosh id of the payment made through an installment's link (accepted by the payment routes: `pay_…`). */
export const installmentLinkPaymentId = (installmentId: string): string => `pay_${installmentId.slice(4)}L`;

/**
 * Books the payment a parent made through an installment's payment link, inside the caller's transaction (which
 * holds the gateway payment's lock): the payment on the installment's own order, captured, which posts the capture
 * entry and pays the installment (`settleInstallmentOrder`, as any capture of that order does). Idempotent; an
 * installment already paid by another payment is a conflict (paid twice). Other link news updates the link's status.
 * Returns false when no installment has this link.
 */
export async function bookInstallmentLink(
  tx: Sql,
  link: GatewayPaymentLink,
  gatewayPayment: GatewayPayment | null,
  clock: Clock,
): Promise<boolean> {
  const i = await tx.one<{ id: string; order_id: string; status: string; customer_id: string; school_id: string }>(
    INSTALLMENT_OF_LINK,
    { link_id: link.id, reference_id: link.referenceId ?? '' },
  );
  if (i === undefined) return false;
  const now = clock.now();
  if (gatewayPayment !== null && link.status === 'paid') {
    const booked = await tx.one('SELECT id FROM payments WHERE gateway_payment_id = $g', { g: gatewayPayment.id });
    if (booked === undefined) {
      if (i.status === 'paid') {
        throw conflict(
          'installment_paid_twice',
          `installment ${i.id} is already paid; link payment ${gatewayPayment.id} needs a refund`,
        );
      }
      await recordGatewayPayment(
        tx,
        { id: installmentLinkPaymentId(i.id), orderId: i.order_id, customerId: i.customer_id, schoolId: i.school_id },
        gatewayPayment,
        now,
      );
    }
  }
  await tx.run(SET_INSTALLMENT_LINK_STATUS, { id: i.id, link_id: link.id, status: link.status, now });
  return true;
}
