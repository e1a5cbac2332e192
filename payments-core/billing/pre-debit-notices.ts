import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { istDate } from '../../platform/ist.js';
import { enqueueEmail } from '../mailer/enqueue-email.js';
import {
  type AutoDebit,
  checkAutoDebit,
  koshNotifies,
  type MandateType,
  PRE_DEBIT_NOTICE_MS,
  recordPreDebitNotice,
} from '../retries/india-rules.js';
import { NEEDS_DEBIT_CHECK, UPCOMING_MANDATE_DEBITS } from './repository.js';

/** How far ahead the run looks for mandate debits to announce: an hourly run then gives ≥ 24 h notice. */
export const NOTICE_HORIZON_MS = 48 * 3_600_000;

const rupees = (paise: number) => `₹${(paise / 100).toLocaleString('en-IN', { minimumFractionDigits: 2 })}`;
const sourceId = (subscriptionId: string, periodIndex: number) => `${subscriptionId}:${periodIndex}`;

async function mailNotice(
  tx: Sql,
  clock: Clock,
  n: { email: string; customer_id: string; source: string; method: string; amount: number; debitOn: Date; ref: string },
): Promise<void> {
  await enqueueEmail(
    tx,
    {
      kind: 'pre_debit',
      dedupeKey: `pre_debit:${n.source}:${n.method}`,
      to: n.email,
      subject: `Upcoming auto-debit of up to ${rupees(n.amount)} on ${istDate(n.debitOn)}`,
      text:
        `Your school-meal subscription renews on ${istDate(n.debitOn)} (IST). Up to ${rupees(n.amount)} will be ` +
        'debited from your mandate on or after that day. To change or cancel, reply to this email.',
      customerId: n.customer_id,
      refType: 'subscription',
      refId: n.ref,
    },
    clock,
  );
}

/**
 * Pre-debit notifications (RBI e-mandate) for mandate subscriptions whose period ends within
 * `NOTICE_HORIZON_MS`: recorded in pre_debit_notifications (india-rules) and mailed through the outbox, for
 * the most the debit can be (GST at the subscription's rate plus a rupee of round-off), so the debit at
 * period end finds a notice at least 24 h old.
 */
export async function sendPreDebitNotices(
  tx: Sql,
  now: Date,
  clock: Clock,
  testClock: string | null = null,
): Promise<number> {
  const rows = await tx.all<{
    id: string;
    customer_id: string;
    period_index: number;
    current_period_end: Date;
    currency: string;
    trial_end: Date | null;
    unit_amount_minor: number;
    quantity: number;
    setup_fee_minor: number;
    gst_rate_bp: number | null;
    payment_method_id: string;
    mandate_type: MandateType;
    email: string;
    pending_total: number;
  }>(UPCOMING_MANDATE_DEBITS, {
    horizon: new Date(now.getTime() + NOTICE_HORIZON_MS),
    test_clock: testClock,
  });
  let sent = 0;
  for (const s of rows) {
    // Razorpay notifies UPI AutoPay debits itself (india-rules.ts): no kosh notice, no e-mail.
    if (!koshNotifies(s.mandate_type)) continue;
    const trial = s.trial_end !== null && s.current_period_end <= s.trial_end;
    const taxable =
      (trial ? 0 : s.unit_amount_minor * s.quantity) +
      (s.period_index === 0 ? s.setup_fee_minor : 0) +
      Math.max(0, s.pending_total);
    if (taxable <= 0) continue;
    const amount = Math.ceil((taxable * (10_000 + (s.gst_rate_bp ?? 0))) / 10_000) + 100;
    const source = sourceId(s.id, s.period_index);
    const debit: AutoDebit = {
      customer_id: s.customer_id,
      payment_method_id: s.payment_method_id,
      mandate_type: s.mandate_type,
      source_type: 'subscription_period',
      source_id: source,
      amount,
      currency: s.currency,
    };
    if (!(await recordPreDebitNotice(tx, debit, s.current_period_end, now))) continue;
    await mailNotice(tx, clock, {
      email: s.email,
      customer_id: s.customer_id,
      source,
      method: s.payment_method_id,
      amount,
      debitOn: s.current_period_end,
      ref: s.id,
    });
    sent++;
  }
  return sent;
}

export type DebitVerdicts = { deferred: { id: string; notBefore: Date }[]; refused: string[] };

/**
 * The auto-debit rules on the chunk's pending records before they are claimed (india-rules `checkAutoDebit`):
 * above ₹15,000 the customer must authenticate (refused, so dunning asks them to pay); a mandate debit without
 * a notice at least 24 h old waits (`not_before`), and a missing notice is recorded and mailed now.
 */
export async function checkDebits(
  tx: Sql,
  subscriptionIds: readonly string[],
  now: Date,
  limit: number,
  clock: Clock,
): Promise<DebitVerdicts> {
  const rows = await tx.all<{
    id: string;
    subscription_id: string;
    customer_id: string;
    payment_method_id: string;
    mandate_type: MandateType | null;
    amount_minor: number;
    currency: string;
    period_index: number;
    email: string;
  }>(NEEDS_DEBIT_CHECK, { ids: [...subscriptionIds], now, limit });
  const verdicts: DebitVerdicts = { deferred: [], refused: [] };
  for (const r of rows) {
    const source = sourceId(r.subscription_id, r.period_index);
    const check = await checkAutoDebit(
      tx,
      {
        customer_id: r.customer_id,
        payment_method_id: r.payment_method_id,
        mandate_type: r.mandate_type,
        source_type: 'subscription_period',
        source_id: source,
        amount: r.amount_minor,
        currency: r.currency,
      },
      now,
    );
    if (check.kind === 'requires_authentication') verdicts.refused.push(r.id);
    if (check.kind === 'deferred') {
      verdicts.deferred.push({ id: r.id, notBefore: check.notBefore });
      // Mailed only when checkAutoDebit has just recorded the notice (none was sent ahead).
      if (check.notBefore.getTime() !== now.getTime() + PRE_DEBIT_NOTICE_MS) continue;
      await mailNotice(tx, clock, {
        email: r.email,
        customer_id: r.customer_id,
        source,
        method: r.payment_method_id,
        amount: r.amount_minor,
        debitOn: check.notBefore,
        ref: r.subscription_id,
      });
    }
  }
  return verdicts;
}
