import { type Paise, paise } from '../../platform/money.js';
import { ACCOUNTS, type JournalLine } from './types.js';

/**
 * The posting rules, as pure functions so the API path and the bulk import post exactly the same lines.
 * Every function returns lines that sum to zero.
 */

/** A captured payment: the sale to the parent, settled through the gateway, less its fee and GST on it. */
export function captureLines(input: { schoolId: string; amount: Paise; fee: Paise; tax: Paise }): JournalLine[] {
  const feeNet = paise(input.fee - input.tax);
  return [
    { account: ACCOUNTS.customerReceivable, schoolId: null, amount: input.amount },
    { account: ACCOUNTS.schoolPayable, schoolId: input.schoolId, amount: paise(-input.amount) },
    { account: ACCOUNTS.gatewayClearing, schoolId: null, amount: input.amount },
    { account: ACCOUNTS.customerReceivable, schoolId: null, amount: paise(-input.amount) },
    { account: ACCOUNTS.gatewayFees, schoolId: null, amount: feeNet },
    { account: ACCOUNTS.gatewayFeeGst, schoolId: null, amount: input.tax },
    { account: ACCOUNTS.gatewayClearing, schoolId: null, amount: paise(-input.fee) },
  ];
}

/** A refund asked of the gateway: the school no longer earns it; the money is in flight back to the parent. */
export function refundInitiatedLines(input: { schoolId: string; amount: Paise }): JournalLine[] {
  return [
    { account: ACCOUNTS.schoolPayable, schoolId: input.schoolId, amount: input.amount },
    { account: ACCOUNTS.refundsInFlight, schoolId: null, amount: paise(-input.amount) },
  ];
}

/** The gateway paid the refund out of what it holds for us. */
export function refundProcessedLines(input: { amount: Paise }): JournalLine[] {
  return [
    { account: ACCOUNTS.refundsInFlight, schoolId: null, amount: input.amount },
    { account: ACCOUNTS.gatewayClearing, schoolId: null, amount: paise(-input.amount) },
  ];
}

/** The refund failed: the school earns the money again. */
export function refundFailedLines(input: { schoolId: string; amount: Paise }): JournalLine[] {
  return [
    { account: ACCOUNTS.refundsInFlight, schoolId: null, amount: input.amount },
    { account: ACCOUNTS.schoolPayable, schoolId: input.schoolId, amount: paise(-input.amount) },
  ];
}

export function isBalanced(lines: readonly JournalLine[]): boolean {
  return lines.reduce((sum, l) => sum + l.amount, 0) === 0;
}

export type { Paise };
