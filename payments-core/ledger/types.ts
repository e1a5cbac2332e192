import type { Paise } from '../../platform/money.js';

/** The chart of accounts. Per-school accounts carry the school id on the line. */
export const ACCOUNTS = {
  /** What parents owe for meals they bought; cleared when the gateway captures their payment. */
  customerReceivable: 'customer_receivable',
  /** What the gateway holds for us: captured money net of its fee, less refunds, until settlement. */
  gatewayClearing: 'gateway_clearing',
  /** The platform's bank account: settlements from the gateway arrive here; payouts to schools leave from it. */
  bank: 'bank',
  /** What we owe each school for the meals its parents paid for. */
  schoolPayable: 'school_payable',
  /** Gateway fees (expense), before GST. */
  gatewayFees: 'gateway_fees',
  /** GST charged on gateway fees (input tax credit). */
  gatewayFeeGst: 'gateway_fee_gst',
  /** Refunds asked of the gateway and not yet processed or failed. */
  refundsInFlight: 'refunds_in_flight',
  /** Manual corrections by finance. */
  adjustments: 'adjustments',
  /** Reconciliation differences finance wrote off: a loss (debit) or a windfall (credit). */
  writeOffs: 'write_offs',
} as const;
export type Account = (typeof ACCOUNTS)[keyof typeof ACCOUNTS];

export type JournalKind =
  | 'capture'
  | 'refund_initiated'
  | 'refund_processed'
  | 'refund_failed'
  | 'adjustment'
  | 'recon_write_off'
  | 'dispute_lost'
  | 'school_payout'
  | 'school_payout_reversed'
  | 'settlement';

/** A signed line: debit > 0, credit < 0. */
export interface JournalLine {
  readonly account: Account;
  readonly schoolId: string | null;
  readonly amount: Paise;
}

export interface JournalEntry {
  readonly id: string;
  readonly kind: JournalKind;
  readonly refType: 'payment' | 'refund' | 'adjustment' | 'dispute' | 'payout' | 'settlement';
  readonly refId: string;
  readonly currency: string;
  readonly memo: string | null;
  readonly at: Date;
  readonly lines: readonly JournalLine[];
}
