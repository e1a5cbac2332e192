import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { invalid, notFound } from '../../platform/errors.js';
import { APPLY_DRAFT_PAYMENTS, APPLY_PAYMENT, INSERT_DRAFT_PAYMENTS, INSERT_PAYMENT } from './repository.js';

/** Idempotent per paymentId. Works on drafts too (status applies when finalised). */
export async function recordInvoicePayment(
  sql: Sql,
  input: { invoiceId: string; paymentId: string; amountMinor: number; paidAt: Date },
  clock: Clock,
): Promise<void> {
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) {
    throw invalid('invalid_amount', 'a payment applied to an invoice is a positive integer of paise', [
      { field: '/amount', code: 'invalid_amount', message: 'a positive integer of paise' },
    ]);
  }
  const invoice = await sql.one<{ id: string; kind: string }>('SELECT id, kind FROM invoices WHERE id = $id', {
    id: input.invoiceId,
  });
  if (invoice === undefined || invoice.kind !== 'invoice') throw notFound('invoice', input.invoiceId);
  const at = clock.now();
  const inserted = await sql.run(INSERT_PAYMENT, {
    payment_id: input.paymentId,
    invoice_id: input.invoiceId,
    amount: input.amountMinor,
    paid_at: input.paidAt,
    at,
  });
  if (inserted === 0) return; // this payment was applied before
  await sql.run(APPLY_PAYMENT, { invoice_id: input.invoiceId, amount: input.amountMinor, paid_at: input.paidAt, at });
}

/**
 * The batch form of recordInvoicePayment for invoices still in draft (a billing run's chunk), in two statements:
 * idempotent per payment id; payments on invoices no longer in draft are left out and returned, for the caller
 * to apply one by one with recordInvoicePayment.
 */
export async function recordDraftInvoicePayments(
  sql: Sql,
  payments: readonly { invoiceId: string; paymentId: string; amountMinor: number }[],
  paidAt: Date,
  clock: Clock,
): Promise<{ applied: number }> {
  const positive = payments.filter((p) => Number.isSafeInteger(p.amountMinor) && p.amountMinor > 0);
  if (positive.length === 0) return { applied: 0 };
  const at = clock.now();
  const inserted = await sql.all<{ payment_id: string }>(INSERT_DRAFT_PAYMENTS, {
    payment_ids: positive.map((p) => p.paymentId),
    invoice_ids: positive.map((p) => p.invoiceId),
    amounts: positive.map((p) => p.amountMinor),
    paid_at: paidAt,
    at,
  });
  if (inserted.length > 0) {
    await sql.run(APPLY_DRAFT_PAYMENTS, { payment_ids: inserted.map((r) => r.payment_id), at });
  }
  return { applied: inserted.length };
}
