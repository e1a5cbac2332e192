import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { INSERT_NOTICE, NOTICE_FOR_DEBIT } from './repository.js';

/**
 * RBI's e-mandate framework and NPCI UPI AutoPay, where kosh initiates a recurring debit:
 * - a debit above ₹15,000 needs the customer to authenticate (AFA), so kosh does not make it off-session;
 * - a debit on an e-mandate (`emandate`) needs a pre-debit notification sent at least 24 h before; without one old
 *   enough, the debit is deferred (a notice is recorded now if there was none);
 * - a debit on a UPI AutoPay mandate (`upi_autopay`) is made at once: Razorpay sends the pre-debit notification itself
 *   and attempts the debit after it ("Pre-debit notifications are delivered 24 hours before the debit and the actual
 *   debit is attempted in the 25th hour", https://razorpay.com/docs/payments/payment-gateway/s2s-integration/
 *   recurring-payments/upi-intent/execute-subsequent-payments/), so kosh records no notice and adds no second wait.
 */
export const AUTO_DEBIT_LIMIT_PAISE = 1_500_000;
export const PRE_DEBIT_NOTICE_MS = 24 * 3_600_000;

export type MandateType = 'upi_autopay' | 'emandate';

export interface AutoDebit {
  readonly customer_id: string;
  readonly payment_method_id: string;
  readonly mandate_type: MandateType | null;
  readonly source_type: string;
  readonly source_id: string;
  readonly amount: number;
  readonly currency: string;
}

export type DebitCheck =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'requires_authentication' }
  | { readonly kind: 'deferred'; readonly notBefore: Date };

const noticeKey = (d: AutoDebit) => ({
  source_type: d.source_type,
  source_id: d.source_id,
  payment_method_id: d.payment_method_id,
  amount: d.amount,
});

/** Whether kosh sends the pre-debit notice of a debit on this mandate (not for UPI AutoPay: Razorpay does). */
export const koshNotifies = (mandateType: MandateType | null): boolean =>
  mandateType !== null && mandateType !== 'upi_autopay';

/**
 * Records a pre-debit notification for `debitOn` unless this source already has one for this method; false (nothing
 * recorded) for a UPI AutoPay debit, which Razorpay announces itself.
 */
export async function recordPreDebitNotice(tx: Sql, debit: AutoDebit, debitOn: Date, at: Date): Promise<boolean> {
  if (!koshNotifies(debit.mandate_type)) return false;
  const existing = await tx.one(NOTICE_FOR_DEBIT, noticeKey(debit));
  if (existing !== undefined) return false;
  await tx.run(INSERT_NOTICE, {
    ...noticeKey(debit),
    id: newId('pdn'),
    customer_id: debit.customer_id,
    currency: debit.currency,
    debit_on: debitOn,
    at,
  });
  return true;
}

/** May kosh debit this now, off-session? Records the missing notice as a side effect. */
export async function checkAutoDebit(tx: Sql, debit: AutoDebit, at: Date): Promise<DebitCheck> {
  if (debit.amount > AUTO_DEBIT_LIMIT_PAISE) return { kind: 'requires_authentication' };
  if (!koshNotifies(debit.mandate_type)) return { kind: 'allowed' };
  const notice = await tx.one<{ sent_at: Date }>(NOTICE_FOR_DEBIT, noticeKey(debit));
  if (notice === undefined) {
    const notBefore = new Date(at.getTime() + PRE_DEBIT_NOTICE_MS);
    await recordPreDebitNotice(tx, debit, notBefore, at);
    return { kind: 'deferred', notBefore };
  }
  const ready = new Date(notice.sent_at.getTime() + PRE_DEBIT_NOTICE_MS);
  return ready <= at ? { kind: 'allowed' } : { kind: 'deferred', notBefore: ready };
}
