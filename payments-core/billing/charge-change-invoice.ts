import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { recordInvoicePayment } from '../invoices/record-invoice-payment.js';
import { chargeOffSession } from '../payments/charge-off-session.js';
import { classifyDecline } from '../retries/declines.js';
import { AUTO_DEBIT_LIMIT_PAISE } from '../retries/india-rules.js';
import { CHANGE_INVOICE_TO_CHARGE, CHANGE_PAYER } from './repository.js';
import type { BillingChargeOutcome } from './types.js';

type Deps = { db: Db; gateway: PaymentGateway; clock: Clock; log: Log };

/**
 * A dunning retry of an always_invoice change's invoice whose charge failed: attempt `n` is the payment
 * `bill_<change id>_<n>` on the change's order `ord_<change id>` (attempt 0 was the change's own charge), on the
 * subscription's method now (its own, else the customer's default). Paid, the payment is recorded on the invoice. An
 * invoice already paid (by a retry before, or by the parent) charges nothing; a repeated attempt finds its payment.
 */
export async function chargeChangeInvoice(
  deps: Deps,
  invoiceId: string,
  options: { attempt: number },
): Promise<BillingChargeOutcome> {
  const invoice = await deps.db.one<{
    change_id: string;
    subscription_id: string;
    status: string;
    total_minor: number;
    owed_minor: number | string;
    paid_by: string | null;
  }>(CHANGE_INVOICE_TO_CHARGE, { id: invoiceId });
  if (invoice === undefined) throw notFound('invoice', invoiceId);
  const paymentId = `bill_${invoice.change_id}_${options.attempt}`;
  if (invoice.status === 'paid') return { status: 'paid', paymentId: invoice.paid_by ?? paymentId };
  if (Number(invoice.owed_minor) !== invoice.total_minor) {
    // A credit note (a later change or a cancel credited its unused days) lowered what the invoice asks: its order
    // is for the whole total, so charging it would take more than is owed. Nothing is charged; the step fails.
    return { status: 'failed', paymentId: null, declineCode: 'invoice_amount_changed', hard: false };
  }
  if (invoice.total_minor > AUTO_DEBIT_LIMIT_PAISE) {
    return { status: 'failed', paymentId: null, declineCode: 'authentication_required', hard: false };
  }
  const payer = await deps.db.one<{ method_id: string | null }>(CHANGE_PAYER, { id: invoice.subscription_id });
  if (payer?.method_id === null || payer?.method_id === undefined) {
    return { status: 'failed', paymentId: null, declineCode: 'no_default_payment_method', hard: false };
  }
  const { outcome, payment } = await chargeOffSession(deps, {
    order_id: `ord_${invoice.change_id}`,
    payment_id: paymentId,
    payment_method_id: payer.method_id,
  });
  if (outcome === 'captured' || outcome === 'already_paid') {
    if (outcome === 'captured') {
      await deps.db.transaction((tx) =>
        recordInvoicePayment(
          tx,
          { invoiceId, paymentId, amountMinor: invoice.total_minor, paidAt: deps.clock.now() },
          deps.clock,
        ),
      );
    }
    return { status: 'paid', paymentId };
  }
  if (outcome === 'pending') return { status: 'unknown', paymentId };
  return {
    status: 'failed',
    paymentId,
    declineCode: payment?.error_reason ?? payment?.error_code ?? 'payment_failed',
    hard: classifyDecline(payment?.error_reason ?? null, payment?.error_code ?? null) === 'hard',
  };
}
