import { type Paise, paise } from '../../platform/money.js';
import { ACCOUNTS, type Account, type JournalKind, type JournalLine } from './types.js';

/**
 * The posting rules, declared once as data: each line's amount is a signed combination of the
 * movement's amount, the gateway fee (including GST) and the GST on the fee. The API path evaluates them
 * per event (`linesFor`); the set-based paths turn the same templates into one INSERT … SELECT per batch
 * (`postEntriesSql` in repository.ts, through `templateValuesSql`). Every template sums to zero for any amount, fee and tax.
 */
export interface LineTemplate {
  readonly account: Account;
  /** The line belongs to the school of the payment (school_payable). */
  readonly perSchool: boolean;
  readonly amount: -1 | 0 | 1;
  readonly fee: -1 | 0 | 1;
  readonly tax: -1 | 0 | 1;
}

const line = (
  account: Account,
  perSchool: boolean,
  amount: -1 | 0 | 1,
  fee: -1 | 0 | 1 = 0,
  tax: -1 | 0 | 1 = 0,
): LineTemplate => ({
  account,
  perSchool,
  amount,
  fee,
  tax,
});

export const POSTING_RULES: Readonly<Record<Exclude<JournalKind, 'adjustment'>, readonly LineTemplate[]>> = {
  /** A captured payment: the sale to the parent, settled through the gateway, less its fee and the GST on it. */
  capture: [
    line(ACCOUNTS.customerReceivable, false, 1),
    line(ACCOUNTS.schoolPayable, true, -1),
    line(ACCOUNTS.gatewayClearing, false, 1),
    line(ACCOUNTS.customerReceivable, false, -1),
    line(ACCOUNTS.gatewayFees, false, 0, 1, -1),
    line(ACCOUNTS.gatewayFeeGst, false, 0, 0, 1),
    line(ACCOUNTS.gatewayClearing, false, 0, -1),
  ],
  /** A refund asked of the gateway: the school no longer earns it; the money is in flight back to the parent. */
  refund_initiated: [line(ACCOUNTS.schoolPayable, true, 1), line(ACCOUNTS.refundsInFlight, false, -1)],
  /** The gateway paid the refund out of what it holds for us. */
  refund_processed: [line(ACCOUNTS.refundsInFlight, false, 1), line(ACCOUNTS.gatewayClearing, false, -1)],
  /** The refund failed: the school earns the money again. */
  refund_failed: [line(ACCOUNTS.refundsInFlight, false, 1), line(ACCOUNTS.schoolPayable, true, -1)],
  /**
   * A dispute lost: the parent's bank took the deducted amount back out of what the gateway holds for us, and the
   * school no longer earns it (as a refund would, with no refund in flight between).
   */
  dispute_lost: [line(ACCOUNTS.schoolPayable, true, 1), line(ACCOUNTS.gatewayClearing, false, -1)],
  /**
   * A reconciliation difference written off: `amount` is what the gateway holds more (+) or less (−) for us than
   * kosh booked, `fee` and `tax` the gateway's fee and GST minus kosh's. Clearing follows the gateway; the amount
   * goes to the loss account (a debit when the gateway holds less); fee and GST differences are real fees.
   */
  recon_write_off: [
    line(ACCOUNTS.gatewayClearing, false, 1, -1),
    line(ACCOUNTS.writeOffs, false, -1),
    line(ACCOUNTS.gatewayFees, false, 0, 1, -1),
    line(ACCOUNTS.gatewayFeeGst, false, 0, 0, 1),
  ],
  /** A payout to a school by bank transfer: we owe the school less, and the money has left our bank account. */
  school_payout: [line(ACCOUNTS.schoolPayable, true, 1), line(ACCOUNTS.bank, false, -1)],
  /** A payout whose transfer bounced: the money is back in our bank account and owed to the school again. */
  school_payout_reversed: [line(ACCOUNTS.bank, false, 1), line(ACCOUNTS.schoolPayable, true, -1)],
  /**
   * A gateway settlement credited to the bank (its UTR): the money leaves what the gateway holds for us. `amount` is
   * the settlement's amount (the bank credit, already net of the payments' fees and of refunds); `fee` and `tax` the
   * fees and GST charged on the settlement itself (0 for a normal settlement, set for an instant one).
   */
  settlement: [
    line(ACCOUNTS.bank, false, 1),
    line(ACCOUNTS.gatewayClearing, false, -1, -1),
    line(ACCOUNTS.gatewayFees, false, 0, 1, -1),
    line(ACCOUNTS.gatewayFeeGst, false, 0, 0, 1),
  ],
};

/** The lines of any declared templates for one movement (a line of zero is kept; postEntry skips it). */
export function linesOf(
  templates: readonly LineTemplate[],
  input: { schoolId: string | null; amount: Paise; fee?: Paise; tax?: Paise },
): JournalLine[] {
  return templates.map((t) => ({
    account: t.account,
    schoolId: t.perSchool ? input.schoolId : null,
    amount: paise(t.amount * input.amount + t.fee * (input.fee ?? 0) + t.tax * (input.tax ?? 0)),
  }));
}

export function linesFor(
  kind: keyof typeof POSTING_RULES,
  input: { schoolId: string; amount: Paise; fee?: Paise; tax?: Paise },
): JournalLine[] {
  return linesOf(POSTING_RULES[kind], input);
}

export const captureLines = (input: { schoolId: string; amount: Paise; fee: Paise; tax: Paise }): JournalLine[] =>
  linesFor('capture', input);
export const refundInitiatedLines = (input: { schoolId: string; amount: Paise }): JournalLine[] =>
  linesFor('refund_initiated', input);
export const refundProcessedLines = (input: { amount: Paise }): JournalLine[] =>
  linesFor('refund_processed', { schoolId: '', ...input });
export const refundFailedLines = (input: { schoolId: string; amount: Paise }): JournalLine[] =>
  linesFor('refund_failed', input);

/**
 * Templates as a SQL `VALUES` list `(line_no, account, per_school, k_amount, k_fee, k_tax)`, the line number being
 * the template's position. Built only from declared templates (constants), never from request values.
 */
export function templateValuesSql(templates: readonly LineTemplate[]): string {
  return templates.map((t, i) => `(${i}, '${t.account}', ${t.perSchool}, ${t.amount}, ${t.fee}, ${t.tax})`).join(', ');
}

export function isBalanced(lines: readonly JournalLine[]): boolean {
  return lines.reduce((sum, l) => sum + l.amount, 0) === 0;
}
