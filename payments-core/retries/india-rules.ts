import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { istDate } from '../../platform/ist.js';
import { formatRupees } from '../../platform/money.js';
import { enqueueEmail, isEmailAddress } from '../mailer/enqueue-email.js';
import { CUSTOMER_TO_NOTIFY, INSERT_NOTICE, NOTICE_FOR_DEBIT } from './repository.js';

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

/** What the parent is told a debit is for, by its source. */
const DEBIT_FOR: Readonly<Record<string, string>> = {
  installment: 'an installment of your school-meal plan',
  dunning_step: 'a retry of a failed school-meal renewal',
  subscription_period: 'your school-meal subscription',
};

/**
 * May kosh debit this now, off-session? Records the missing notice as a side effect; with `notify`, the parent is
 * emailed that notice in the same transaction (the mailer sends it), so a debit kosh defers for want of a notice is
 * announced to the parent, not only recorded. (The billing run words its own notices and passes none.)
 */
export async function checkAutoDebit(
  tx: Sql,
  debit: AutoDebit,
  at: Date,
  options: { notify?: Clock | undefined } = {},
): Promise<DebitCheck> {
  if (debit.amount > AUTO_DEBIT_LIMIT_PAISE) return { kind: 'requires_authentication' };
  if (!koshNotifies(debit.mandate_type)) return { kind: 'allowed' };
  const notice = await tx.one<{ sent_at: Date }>(NOTICE_FOR_DEBIT, noticeKey(debit));
  if (notice === undefined) {
    const notBefore = new Date(at.getTime() + PRE_DEBIT_NOTICE_MS);
    const recorded = await recordPreDebitNotice(tx, debit, notBefore, at);
    if (recorded && options.notify !== undefined) await mailNotice(tx, options.notify, debit, notBefore);
    return { kind: 'deferred', notBefore };
  }
  const ready = new Date(notice.sent_at.getTime() + PRE_DEBIT_NOTICE_MS);
  return ready <= at ? { kind: 'allowed' } : { kind: 'deferred', notBefore: ready };
}

/** The pre-debit email of a notice just recorded (none when the customer has no usable address: the record stays). */
async function mailNotice(tx: Sql, clock: Clock, debit: AutoDebit, debitOn: Date): Promise<void> {
  const customer = await tx.one<{ name: string; email: string | null }>(CUSTOMER_TO_NOTIFY, { id: debit.customer_id });
  if (customer === undefined || customer.email === null || !isEmailAddress(customer.email)) return;
  const what = DEBIT_FOR[debit.source_type] ?? 'your school meals';
  await enqueueEmail(
    tx,
    {
      kind: 'pre_debit',
      dedupeKey: `pre_debit:${debit.source_type}:${debit.source_id}:${debit.payment_method_id}`,
      to: customer.email,
      subject: `Upcoming auto-debit of ${formatRupees(debit.amount)} on ${istDate(debitOn)}`,
      text:
        `Dear ${customer.name},\n\nWe will debit ${formatRupees(debit.amount)} from your e-mandate on or after ` +
        `${istDate(debitOn)} (IST) for ${what}. To change or cancel it, reply to this email.\n`,
      customerId: debit.customer_id,
      refType: debit.source_type,
      refId: debit.source_id,
    },
    clock,
  );
}
