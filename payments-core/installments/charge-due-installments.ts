import { istDate } from '../../platform/ist.js';
import type { JobFn } from '../../platform/job.js';
import { enqueueEmail } from '../mailer/enqueue-email.js';
import { PRE_DEBIT_NOTICE_MS, recordPreDebitNotice } from '../retries/india-rules.js';
import { cancelSettledInstallmentLinks } from './cancel-settled-installment-links.js';
import { type ChargeDeps, chargeInstallment, type InstallmentChargeResult } from './charge-installment.js';
import { DUE_INSTALLMENTS, PROCESSING_INSTALLMENTS, UPCOMING_MANDATE_DEBITS } from './repository.js';

const rupees = (paise: number) => `₹${(paise / 100).toLocaleString('en-IN', { minimumFractionDigits: 2 })}`;

/** Notices go out this far ahead, so a daily run reaches every mandate debit more than 24 h before it is due. */
const NOTICE_HORIZON_MS = 2 * PRE_DEBIT_NOTICE_MS;

/**
 * The installments job, one bounded batch: records and emails pre-debit notices for mandate debits due within 48 h (not
 * UPI AutoPay, which Razorpay announces itself), cancels
 * the payment links of installments no longer waiting for the parent, settles installments whose charge was in flight, then charges every installment due by `now`. Failures go
 * to the retry queue. Idempotent by business key: each attempt's gateway key is derived from the
 * installment and the attempt number.
 */
export const chargeDueInstallments: JobFn<ChargeDeps> = async (deps, { now, testClock }) => {
  const test_clock = testClock ?? null;
  const upcoming = await deps.db.all<{
    id: string;
    amount: number;
    currency: string;
    due_at: Date;
    customer_id: string;
    payment_method_id: string;
    mandate_type: 'upi_autopay' | 'emandate';
    email: string;
  }>(UPCOMING_MANDATE_DEBITS, {
    now,
    horizon: new Date(now.getTime() + NOTICE_HORIZON_MS),
    limit: 500,
    test_clock,
  });
  let notified = 0;
  for (const u of upcoming) {
    const sent = await deps.db.transaction(async (tx) => {
      const recorded = await recordPreDebitNotice(
        tx,
        {
          customer_id: u.customer_id,
          payment_method_id: u.payment_method_id,
          mandate_type: u.mandate_type,
          source_type: 'installment',
          source_id: u.id,
          amount: u.amount,
          currency: u.currency,
        },
        u.due_at,
        now,
      );
      // The notice the parent receives (RBI: an e-mandate debit is announced ≥ 24 h ahead), in the same transaction
      // as its record; the mailer job sends it.
      if (recorded) {
        await enqueueEmail(
          tx,
          {
            kind: 'pre_debit',
            dedupeKey: `pre_debit:installment:${u.id}:${u.payment_method_id}`,
            to: u.email,
            subject: `Upcoming auto-debit of ${rupees(u.amount)} on ${istDate(u.due_at)}`,
            text:
              `An installment of ${rupees(u.amount)} for school meals falls due on ${istDate(u.due_at)} (IST). It ` +
              'will be debited from your mandate on or after that day. To change or cancel, reply to this email.',
            customerId: u.customer_id,
            refType: 'installment',
            refId: u.id,
          },
          deps.clock,
        );
      }
      return recorded;
    });
    if (sent) notified++;
  }
  const counts: Record<InstallmentChargeResult, number> = {
    paid: 0,
    retrying: 0,
    failed: 0,
    processing: 0,
    deferred: 0,
    requires_authentication: 0,
    skipped: 0,
  };
  let errors = 0;
  const linksCancelled = await cancelSettledInstallmentLinks(deps, test_clock);
  const inFlight = await deps.db.all<{ id: string }>(PROCESSING_INSTALLMENTS, { limit: 100, test_clock });
  const due = await deps.db.all<{ id: string }>(DUE_INSTALLMENTS, { now, limit: 100, test_clock });
  for (const { id } of [...inFlight, ...due]) {
    try {
      counts[await chargeInstallment(deps, id, now)]++;
    } catch (err) {
      errors++;
      deps.log.warn(
        { installment_id: id, err: err instanceof Error ? err.message : String(err) },
        'installment charge failed',
      );
    }
  }
  return { notified, ...counts, payment_links_cancelled: linksCancelled, errors };
};
