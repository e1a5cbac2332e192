import type { BillingInterval } from '../subscriptions/billing-periods.js';

export type PlanStatus = 'active' | 'archived';
export type TaxCategory = 'gst_exempt_school_meals' | 'gst';
/** When a period is billed: at its start (prepaid meals) or at its end. */
export type BillingTiming = 'in_advance' | 'in_arrears';

export interface SubscriptionPlan {
  readonly object: 'subscription_plan';
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly interval: BillingInterval;
  readonly interval_count: number;
  /** The current per-unit price, in paise. */
  readonly amount: number;
  readonly currency: string;
  /** Bumped by every price change; subscriptions keep the version they were sold at. */
  readonly price_version: number;
  readonly trial_days: number;
  readonly setup_fee: number;
  /** Priced per unit (e.g. per student): a subscription's quantity multiplies the amount. */
  readonly per_unit: boolean;
  readonly unit_label: string | null;
  readonly tax_category: TaxCategory;
  /**
   * GST rate in basis points (500 = 5 %) a `gst` plan pins; null when exempt, or for a `gst` plan that bills at the
   * GST rate table's rate for its HSN/SAC on each supply day (payments-core/gst-rates).
   */
  readonly gst_rate_bp: number | null;
  readonly billing_timing: BillingTiming;
  /** HSN/SAC of what the plan supplies; its invoice lines carry it (default 996337, contract catering). */
  readonly hsn_sac: string;
  /** The unit of the plan's quantity on invoices and returns, a GST UQC (default NOS). */
  readonly uqc: string;
  /** An exempt plan's declared basis (the exemption entry the school relies on); null for a GST plan. */
  readonly exemption_basis: string | null;
  readonly status: PlanStatus;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly archived_at: Date | null;
}
