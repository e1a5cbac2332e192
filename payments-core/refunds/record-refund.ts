import type { Sql } from '../../platform/db.js';
import { conflict, invalid } from '../../platform/errors.js';
import { paise } from '../../platform/money.js';
import { refundInitiatedLines } from '../ledger/journal-rules.js';
import { postEntry } from '../ledger/post-entry.js';
import { reserveRefund } from '../payments/reserve-refund.js';
import { INSERT_REFUND, PAYMENT_TO_REFUND } from './repository.js';

/**
 * Records a pending refund inside the caller's transaction: reserves the amount on the payment and posts
 * the refund as initiated. The rule that a payment is never refunded beyond what was captured lives here.
 */
export async function recordRefund(
  tx: Sql,
  input: {
    id: string;
    payment_id: string;
    amount?: number | undefined;
    reason: string | null;
    gateway_refund_id: string | null;
    at: Date;
  },
): Promise<{ amount: number }> {
  const payment = await tx.one<{
    status: string;
    captured_minor: number;
    refunded_minor: number;
    disputed_minor: number;
    currency: string;
    school_id: string;
  }>(PAYMENT_TO_REFUND, { id: input.payment_id });
  if (payment === undefined) {
    throw invalid('unknown_payment', `no payment with id ${input.payment_id}`, [
      { field: '/payment_id', code: 'unknown_payment', message: 'no payment with this id' },
    ]);
  }
  if (payment.status !== 'captured')
    throw conflict('payment_not_refundable', `payment is ${payment.status}, not captured`);
  // What open and lost disputes hold is the bank's to return, not ours to refund as well.
  const refundable = payment.captured_minor - payment.refunded_minor - Number(payment.disputed_minor);
  const amount = input.amount ?? refundable;
  if (amount <= 0 || amount > refundable) {
    throw conflict(
      'refund_exceeds_captured',
      `cannot refund ${amount}: ${refundable} of ${payment.captured_minor} is refundable`,
      {
        refundable,
      },
    );
  }
  await tx.run(INSERT_REFUND, {
    id: input.id,
    payment_id: input.payment_id,
    amount,
    currency: payment.currency,
    reason: input.reason,
    gateway_refund_id: input.gateway_refund_id,
    at: input.at,
  });
  await reserveRefund(tx, input.payment_id, amount, input.at);
  await postEntry(tx, {
    kind: 'refund_initiated',
    refType: 'refund',
    refId: input.id,
    currency: payment.currency,
    memo: `refund of ${input.payment_id}`,
    at: input.at,
    lines: refundInitiatedLines({ schoolId: payment.school_id, amount: paise(amount) }),
  });
  return { amount };
}
