import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';

export type DunningStatus = 'open' | 'recovered' | 'exhausted' | 'cancelled';
export type DunningFinalAction = 'cancel' | 'mark_unpaid' | 'razorpay_halted';
export type DunningStepKind = 'failure' | 'scheduled' | 'method_updated' | 'razorpay_retry';
export type DunningStepOutcome = 'failed' | 'paid' | 'unknown' | 'awaiting_method' | 'skipped';

/** How kosh chases its own failed renewals (platform/config.ts `dunning`). */
export interface DunningPolicy {
  /** Whole days after the failure of each retry step, strictly increasing (default 1, 3, 5, 7). */
  readonly scheduleDays: readonly number[];
  /** After the last step: cancel the subscription, or mark it unpaid (subscription halted, record uncollectible). */
  readonly finalAction: 'cancel' | 'mark_unpaid';
  /** The base of the update-method links in emails. */
  readonly publicUrl: string;
}

export const DEFAULT_DUNNING_POLICY: DunningPolicy = {
  scheduleDays: [1, 3, 5, 7],
  finalAction: 'cancel',
  publicUrl: 'http://localhost:3000',
};

/** How long an update-method link works (and never past its case closing). */
export const LINK_TTL_MS = 7 * 86_400_000;

/** The least time between two attempts of a case (the schedule's steps are whole days apart). */
export const MIN_STEP_GAP_MS = 20 * 3_600_000;

/** A claimed step without an outcome after this long is taken again (its charge key makes that safe). */
export const STALE_CLAIM_MS = 3_600_000;

/** What charging a renewal needs (payments-core/billing/charge-billing-record.ts). */
export interface ChargeDeps {
  readonly db: Db;
  readonly gateway: PaymentGateway;
  readonly clock: Clock;
  readonly log: Log;
}

export interface DunningStep {
  readonly object: 'dunning_step';
  readonly step: number;
  readonly kind: DunningStepKind;
  readonly planned_at: Date;
  readonly done_at: Date | null;
  readonly outcome: DunningStepOutcome | null;
  readonly payment_method_id: string | null;
  readonly payment_id: string | null;
  readonly decline_code: string | null;
  readonly email_id: string | null;
}

export interface DunningCase {
  readonly object: 'dunning_case';
  readonly id: string;
  readonly collection: 'kosh' | 'razorpay';
  readonly subscription_id: string;
  readonly billing_record_id: string | null;
  /** The always_invoice change's invoice the case collects instead of a renewal (migration 039), else null. */
  readonly invoice_id: string | null;
  readonly customer_id: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: DunningStatus;
  readonly decline_code: string | null;
  readonly decline_category: 'hard' | 'soft';
  readonly last_decline_code: string | null;
  /** True while kosh has no method to charge but the one that declined hard (or none at all). */
  readonly awaiting_method: boolean;
  readonly failed_at: Date;
  readonly next_step_at: Date | null;
  readonly final_action: DunningFinalAction | null;
  readonly recovered_amount: number | null;
  readonly recovered_at: Date | null;
  readonly recovered_step: number | null;
  readonly recovered_payment_id: string | null;
  readonly closed_at: Date | null;
  readonly close_reason: string | null;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly steps?: DunningStep[];
}
