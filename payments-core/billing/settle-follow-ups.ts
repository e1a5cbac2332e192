import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { openDunningCase } from '../dunning/open-dunning-case.js';
import { recordDraftInvoicePayments, recordInvoicePayment } from '../invoices/record-invoice-payment.js';
import { classifyDecline } from '../retries/declines.js';
import { moveSubscriptions } from '../subscriptions/move-subscriptions.js';
import type { SubscriptionStatus } from '../subscriptions/types.js';
import { SETTLED_RECORDS } from './repository.js';

interface Settled {
  id: string;
  subscription_id: string;
  customer_id: string;
  amount_minor: number;
  currency: string;
  invoice_id: string | null;
  payment_id: string | null;
  status: string;
  decline_code: string | null;
  error_reason: string | null;
  error_code: string | null;
  subscription_status: SubscriptionStatus;
  invoice_status: string | null;
}

/**
 * What follows a settled charge, inside the caller's transaction: a paid record's payment is recorded on its
 * invoice and a `pending` subscription is active again; a failed one makes the subscription `pending` and
 * opens its dunning case (idempotent per billing record). An unknown one waits for the resolver.
 */
export async function settleFollowUps(
  tx: Sql,
  recordIds: readonly string[],
  clock: Clock,
): Promise<{ paid: number; failed: number; unknown: number }> {
  if (recordIds.length === 0) return { paid: 0, failed: 0, unknown: 0 };
  const rows = await tx.all<Settled>(SETTLED_RECORDS, { ids: [...recordIds] });
  const now = clock.now();
  const paid = rows.filter((r) => r.status === 'paid');
  const failed = rows.filter((r) => r.status === 'failed');
  const drafts = paid.filter((r) => r.invoice_status === 'draft');
  await recordDraftInvoicePayments(
    tx,
    drafts.flatMap((r) =>
      r.invoice_id === null || r.payment_id === null
        ? []
        : [{ invoiceId: r.invoice_id, paymentId: r.payment_id, amountMinor: r.amount_minor }],
    ),
    now,
    clock,
  );
  for (const r of paid) {
    if (r.invoice_status !== 'draft' && r.invoice_id !== null && r.payment_id !== null) {
      await recordInvoicePayment(
        tx,
        { invoiceId: r.invoice_id, paymentId: r.payment_id, amountMinor: r.amount_minor, paidAt: now },
        clock,
      );
    }
  }
  await moveSubscriptions(tx, paid, ['pending'], 'active', 'renewal_paid', now);
  await moveSubscriptions(tx, failed, ['active', 'trialing'], 'pending', 'renewal_failed', now);
  for (const r of failed) {
    const declineCode = r.decline_code ?? r.error_reason ?? r.error_code ?? 'payment_failed';
    await openDunningCase(
      tx,
      {
        subscriptionId: r.subscription_id,
        billingRecordId: r.id,
        customerId: r.customer_id,
        amountMinor: r.amount_minor,
        currency: r.currency,
        declineCode,
        hard: classifyDecline(r.error_reason ?? declineCode, r.error_code) === 'hard',
        failedAt: now,
      },
      clock,
    );
  }
  return { paid: paid.length, failed: failed.length, unknown: rows.filter((r) => r.status === 'unknown').length };
}
