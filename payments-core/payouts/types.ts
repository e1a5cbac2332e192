export const PAYOUT_STATUSES = ['recorded', 'reversed'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** A payout to a school as the API shows it: a bank transfer finance made outside kosh, recorded here. */
export interface SchoolPayout {
  readonly object: 'school_payout';
  readonly id: string;
  readonly school_id: string;
  readonly amount: number;
  readonly currency: 'INR';
  readonly utr: string;
  /** `YYYY-MM-DD`, the IST day the bank sent it. */
  readonly paid_on: string;
  readonly period_from: string | null;
  readonly period_to: string | null;
  readonly note: string | null;
  readonly created_by: string;
  readonly created_at: Date;
  readonly journal_entry_id: string;
  readonly status: PayoutStatus;
  readonly reversed_at: Date | null;
  readonly reversal_journal_entry_id: string | null;
  readonly reversal_reason: string | null;
}
