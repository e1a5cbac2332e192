import type { BillingTiming, TaxCategory } from '../subscription-plans/types.js';
import type { BillingInterval } from './billing-periods.js';

export type SubscriptionStatus =
  | 'created'
  | 'authenticated'
  | 'trialing'
  | 'active'
  | 'pending'
  | 'halted'
  | 'paused'
  | 'cancelled'
  | 'completed'
  | 'expired';

export type Collection = 'kosh' | 'razorpay';
/**
 * What a mid-period change bills. `create_prorations`: what the period owes under each set of terms, on the next
 * invoice (in arrears: the period's own; in advance: a credit for the unused days at the old terms and a charge at
 * the new). `always_invoice`: the same lines, billed now on an invoice of their own (and charged), a net credit at a
 * rate as a credit note against the period's invoice (billing/invoice-changes-now.ts). `none`: no mid-period
 * adjustment: the current period stays at the terms it started with, the new terms bill from the next period.
 */
export type ProrationBehavior = 'create_prorations' | 'always_invoice' | 'none';

/** A charge or credit billing has still to collect beside the plan price (proration lines). */
export interface SubscriptionCharge {
  readonly object: 'subscription_charge';
  readonly id: string;
  readonly change_id: string;
  /** proration_credit/charge: an in-advance period's adjustment; period_segment: what accrued under earlier terms. */
  readonly kind: 'proration_credit' | 'proration_charge' | 'period_segment';
  readonly description: string;
  readonly quantity: number;
  /** Per unit for the part of the period charged; null on rows from before per-line terms. */
  readonly unit_amount: number | null;
  readonly tax_category: TaxCategory;
  readonly gst_rate_bp: number | null;
  /** Signed paise: a credit is negative. */
  readonly amount: number;
  readonly currency: string;
  readonly period_index: number;
  readonly period_start: Date;
  readonly period_end: Date;
  readonly bill_on: 'now' | 'next_invoice';
  readonly status: 'pending' | 'billed' | 'void';
  readonly created_at: Date;
}

export interface Subscription {
  readonly object: 'subscription';
  readonly id: string;
  readonly customer_id: string;
  readonly plan_id: string;
  readonly plan_price_version: number;
  readonly status: SubscriptionStatus;
  readonly collection: Collection;
  readonly gateway_subscription_id: string | null;
  readonly quantity: number;
  /** The per-unit price this subscription was sold at (plan edits do not change it). */
  readonly unit_amount: number;
  /** unit_amount × quantity, per period, before tax. */
  readonly amount: number;
  readonly currency: string;
  readonly interval: BillingInterval;
  readonly interval_count: number;
  readonly setup_fee: number;
  readonly tax_category: TaxCategory;
  readonly gst_rate_bp: number | null;
  readonly billing_timing: BillingTiming;
  /** Since when the current terms accrue in the current period; null while nothing accrues (paused, ended). */
  readonly terms_from: Date | null;
  readonly payment_method_id: string | null;
  readonly start_at: Date;
  readonly trial_end: Date | null;
  readonly billing_anchor: Date;
  readonly period_index: number;
  readonly current_period_start: Date;
  readonly current_period_end: Date;
  readonly cancel_at_period_end: boolean;
  readonly paused_at: Date | null;
  readonly cancelled_at: Date | null;
  readonly ended_at: Date | null;
  readonly pending_charges: SubscriptionCharge[];
  readonly created_at: Date;
  readonly updated_at: Date;
}

export type SubscriptionEventType =
  | 'created'
  | 'status_changed'
  | 'quantity_changed'
  | 'plan_changed'
  | 'cancel_scheduled'
  | 'period_changed'
  | 'payment_method_changed';

export interface SubscriptionEvent {
  readonly object: 'subscription_event';
  readonly id: string;
  readonly subscription_id: string;
  readonly seq: number;
  readonly type: SubscriptionEventType;
  readonly from_status: SubscriptionStatus | null;
  readonly to_status: SubscriptionStatus | null;
  readonly source: 'api' | 'webhook' | 'system';
  readonly data: Record<string, unknown> | null;
  readonly created_at: Date;
}
