import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import type { GatewayPaymentLinkStatus, PaymentGateway } from '../gateway/port.js';
import type { Faults } from './faults.js';

/** `uncollectible` is set by dunning when its last step gives up on a failed record (mark_unpaid). */
export type BillingRecordStatus = 'pending' | 'charging' | 'paid' | 'failed' | 'unknown' | 'skipped' | 'uncollectible';

/** A record's status once its period needs nothing more from the billing run (the period may advance). */
export const SETTLED_STATUSES: readonly BillingRecordStatus[] = ['paid', 'failed', 'unknown', 'skipped'];

export interface BillingRecord {
  readonly object: 'billing_record';
  readonly id: string;
  readonly subscription_id: string;
  readonly customer_id: string;
  readonly school_id: string;
  readonly period_index: number;
  readonly period_start: Date;
  readonly period_end: Date;
  /** Unit price × quantity for the period; 0 for a trial period. */
  readonly plan_amount: number;
  readonly setup_fee: number;
  /** Pending prorations billed with this record (signed paise). */
  readonly charges: number;
  /** What is charged: the invoice total (taxable + GST + round-off). */
  readonly amount: number;
  readonly currency: string;
  readonly invoice_id: string | null;
  readonly order_id: string;
  readonly payment_method_id: string | null;
  readonly mandate_type: string | null;
  readonly idempotency_key: string;
  readonly status: BillingRecordStatus;
  readonly payment_id: string | null;
  readonly decline_code: string | null;
  readonly attempts: number;
  readonly not_before: Date | null;
  readonly created_at: Date;
  readonly updated_at: Date;
  /**
   * The on-session payment link offered when kosh may not (above ₹15,000) or cannot (a hard decline) debit off-session:
   * Razorpay's link id, its page and its status (created | partially_paid | paid | cancelled | expired).
   */
  readonly payment_link_id: string | null;
  readonly payment_link_url: string | null;
  readonly payment_link_status: GatewayPaymentLinkStatus | null;
  /** The parent must act: the record failed and its payment link can be paid (`payment_link_url`). */
  readonly requires_action: boolean;
}

export type BillingChargeOutcome =
  | { status: 'paid'; paymentId: string }
  | { status: 'failed'; paymentId: string | null; declineCode: string; hard: boolean }
  | { status: 'unknown'; paymentId: string }; // gateway outcome unknown: resolver settles it, never charge again

/** How a billing run is tuned; every field has a default (run-billing.ts `DEFAULT_BILLING_OPTIONS`). */
export interface BillingOptions {
  /** Subscriptions per chunk: one set of statements per chunk, not per subscription. */
  readonly chunkSize: number;
  /** Gateway calls in flight at once. */
  readonly concurrency: number;
  /** Client-side limit on gateway requests per second (Razorpay rate-limits per account); null = none. */
  readonly gatewayRatePerSecond: number | null;
  /** How long a run's claim on a record lasts; a claim past it belongs to a run that died. */
  readonly claimTtlMs: number;
  /** Passes over the due subscriptions per run (a subscription several periods behind advances once per pass). */
  readonly maxPasses: number;
  /** Stop starting new chunks after this long (the rest stays due for the next run); null = bill everything due. */
  readonly timeBudgetMs: number | null;
  /** Chunks billed at once (disjoint subscriptions, each chunk in its own transactions); 1 = one after another. */
  readonly chunkConcurrency: number;
}

export interface BillingDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly gateway: PaymentGateway;
  readonly log: Log;
  /** Named kill points for the crash tests; production passes none. */
  readonly faults?: Faults | undefined;
  readonly billing?: Partial<BillingOptions> | undefined;
}

export interface BillingRunCounts {
  due: number;
  records_created: number;
  charged: number;
  paid: number;
  failed: number;
  unknown: number;
  skipped: number;
  deferred: number;
  recovered: number;
  advanced: number;
  cancelled: number;
  notices: number;
  /** In-advance periods cancelled now whose unused days were credited (credit note, refund when paid). */
  cancel_credits: number;
  /** always_invoice changes billed (an invoice charged, or a credit note) that an earlier request left unbilled. */
  change_invoices: number;
  ledger_entries: number;
  elapsed_ms: number;
}

/** What a run did: counts of this run only (`due` = due subscriptions seen in the first pass). */
export type BillingRunSummary = Readonly<BillingRunCounts> & { readonly run_id: string };
