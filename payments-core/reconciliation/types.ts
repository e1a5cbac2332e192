/** How a report line (or a kosh payment the report should have listed) compares with kosh's books. */
export const RECON_STATUSES = [
  'matched',
  'missing_in_kosh',
  'missing_at_gateway',
  'amount_mismatch',
  'fee_mismatch',
  /** A settlement's report lines do not net to the amount the gateway says it credited (the UTR's amount). */
  'settlement_mismatch',
] as const;
export type ReconStatus = (typeof RECON_STATUSES)[number];

/**
 * How a person resolved an open item: `adjust` books the difference against the adjustments account (as the
 * automatic adjustment does), `write_off` against the write-off (loss) account, `matched_manually` moves no money.
 */
export const MANUAL_RESOLUTIONS = ['write_off', 'adjust', 'matched_manually'] as const;
export type ManualResolution = (typeof MANUAL_RESOLUTIONS)[number];

/** `auto_adjusted`: within tolerance, booked by an adjustment entry; `open`: left for a human, until resolved. */
export const RECON_RESOLUTIONS = ['none', 'auto_adjusted', 'open', ...MANUAL_RESOLUTIONS] as const;
export type ReconResolution = (typeof RECON_RESOLUTIONS)[number];

/** Razorpay reports amounts in paise through its API; dashboard exports may write rupees with two decimals. */
export type AmountUnit = 'paise' | 'rupees';

export interface ReconTolerances {
  /** Largest fee (and GST on it) difference, in paise, booked automatically. */
  readonly feeToleranceMinor: number;
  /** Largest amount difference, in paise, booked automatically; 0 leaves every amount difference open. */
  readonly amountToleranceMinor: number;
}

export const DEFAULT_TOLERANCES: ReconTolerances = { feeToleranceMinor: 100, amountToleranceMinor: 0 };

export interface ReconRun {
  readonly object: 'reconciliation_run';
  readonly id: string;
  readonly source: 'upload' | 'gateway';
  readonly report_date: string | null;
  readonly amount_unit: AmountUnit;
  readonly window_start: Date | null;
  readonly window_end: Date | null;
  readonly fee_tolerance: number;
  readonly amount_tolerance: number;
  readonly report_lines: number;
  readonly created_at: Date;
}

export interface ReconStatusSummary {
  readonly status: ReconStatus;
  readonly items: number;
  readonly auto_adjusted: number;
  readonly open: number;
  /** Items a person resolved (write-off, adjust, matched manually). */
  readonly resolved: number;
  readonly report_amount: number;
  readonly kosh_amount: number;
  /** Sum of (gateway − kosh) amount differences, signed. */
  readonly amount_difference: number;
  /** Sum of (gateway − kosh) fee differences, signed. */
  readonly fee_difference: number;
}

export interface ReconRunDetail extends ReconRun {
  readonly summary: ReconStatusSummary[];
  readonly journal_entries: number;
  readonly unmatched_webhook_events: number;
  /** The gateway settlements this run booked to the bank (each is booked by one run only). */
  readonly settlements_booked: {
    readonly id: string;
    readonly utr: string | null;
    readonly amount: number;
    readonly currency: string;
    readonly journal_entry_id: string;
  }[];
}

export interface ReconItem {
  readonly object: 'reconciliation_item';
  readonly id: string;
  readonly run_id: string;
  readonly line_no: number | null;
  readonly status: ReconStatus;
  readonly resolution: ReconResolution;
  readonly entity_type: string;
  readonly entity_id: string;
  readonly kosh_id: string | null;
  readonly school_id: string | null;
  readonly currency: string;
  readonly report_amount: number | null;
  readonly kosh_amount: number | null;
  readonly report_fee: number | null;
  readonly kosh_fee: number | null;
  readonly report_tax: number | null;
  readonly kosh_tax: number | null;
  readonly journal_entry_id: string | null;
  readonly settlement_id: string | null;
  readonly settlement_utr: string | null;
  readonly settled_at: Date | null;
  readonly webhook_event_ids: string[];
  readonly note: string | null;
  readonly resolved_at: Date | null;
  /** The API key that resolved it. */
  readonly resolved_by: string | null;
  readonly resolution_note: string | null;
  readonly created_at: Date;
}
