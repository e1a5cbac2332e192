import type { BillingInterval } from '../subscriptions/billing-periods.js';

/** One IST calendar month of customer-level MRR movements (paise): start + the five movements = end. */
export interface MrrMonth {
  /** `YYYY-MM`, Asia/Kolkata. */
  readonly month: string;
  /** The month has ended (its end is at or before now); the current month shows the state so far. */
  readonly complete: boolean;
  readonly start_mrr: number;
  readonly new: number;
  readonly expansion: number;
  /** ≤ 0. */
  readonly contraction: number;
  /** ≤ 0. */
  readonly churned: number;
  readonly reactivation: number;
  readonly end_mrr: number;
  readonly customers_start: number;
  readonly customers_end: number;
  readonly customers_new: number;
  readonly customers_reactivated: number;
  readonly customers_churned: number;
  /** customers_churned / customers_start; null when no customer paid at the start. */
  readonly logo_churn_rate: number | null;
  /** −(churned + contraction) / start_mrr (gross); null when start_mrr is 0. */
  readonly revenue_churn_rate: number | null;
  /** −(churned + contraction + expansion) / start_mrr (negative when expansion outgrows losses); null at 0. */
  readonly net_revenue_churn_rate: number | null;
  readonly trials_ended: number;
  readonly trials_converted: number;
  /** trials_converted / trials_ended; null when none ended. */
  readonly trial_conversion_rate: number | null;
}

export interface MrrMovements {
  readonly object: 'subscription_mrr_movements';
  readonly from: string;
  readonly to: string;
  readonly currency: 'INR';
  readonly months: MrrMonth[];
  readonly trial_conversion: { ended: number; converted: number; rate: number | null };
}

export interface SubscriptionSummary {
  readonly object: 'subscription_summary';
  readonly at: Date;
  readonly currency: 'INR';
  readonly mrr: number;
  readonly arr: number;
  readonly live_subscriptions: number;
  readonly trialing_subscriptions: number;
  readonly paused_subscriptions: number;
  readonly paying_customers: number;
  /** MRR / paying customers, half-even to the paisa; null without paying customers. */
  readonly arpu: number | null;
  /** Pooled over the 12 complete IST months before the month of `at`. */
  readonly trailing_churn: {
    readonly from: string;
    readonly to: string;
    readonly customers_start: number;
    readonly customers_churned: number;
    readonly logo_churn_rate: number | null;
  };
  /** ARPU / trailing logo churn rate, half-even to the paisa; null when nobody churned (or no ARPU). */
  readonly ltv: number | null;
}

export interface Cohort {
  /** `YYYY-MM`: the IST month the cohort first paid. */
  readonly month: string;
  readonly subscriptions: number;
  /** At the end of month `month + months_after_start` (0 = the end of the starting month). */
  readonly retention: { months_after_start: number; live: number; share: number }[];
  readonly customers: number;
  /** Σ month-end MRR of the cohort's customers through month `month + months_after_start`, and per customer. */
  readonly ltv: { months_after_start: number; cumulative_mrr: number; per_customer: number }[];
}

export interface SubscriptionCohorts {
  readonly object: 'subscription_cohorts';
  readonly from: string;
  readonly to: string;
  /** The last complete IST month the matrix observes; null when none has ended since `from`. */
  readonly observed_through: string | null;
  readonly currency: 'INR';
  readonly cohorts: Cohort[];
}

/** One plan: state at `at`; trials and churn over the range. Money in paise of the plan's currency. */
export interface PlanAnalyticsRow {
  readonly plan_id: string;
  readonly name: string;
  readonly status: 'active' | 'archived';
  readonly interval: BillingInterval;
  readonly interval_count: number;
  readonly currency: string;
  /** Subscriptions on the plan in a counted status (active, pending) at `at`. */
  readonly subscribers: number;
  /** Σ their quantity. */
  readonly quantity: number;
  /** Σ their subscription MRR (normalised, half-even per subscription). */
  readonly mrr: number;
  readonly trialing: number;
  /** Trials on the plan whose first move out of `trialing` fell in the range; converted: that move was to active. */
  readonly trials_ended: number;
  readonly trials_converted: number;
  /** trials_converted / trials_ended; null when none ended. */
  readonly trial_conversion: number | null;
  /** Σ over the range's months of subscriptions counted on the plan at the month start. */
  readonly churn_base: number;
  /** Of those, in no counted status at the month end. */
  readonly churned: number;
  /** Of those, counted on another plan at the month end (a plan change: not churn). */
  readonly moved_out: number;
  /** churned / churn_base; null when the base is 0. */
  readonly churn_rate: number | null;
}

export interface PlanAnalytics {
  readonly object: 'subscription_plan_analytics';
  readonly at: Date;
  readonly from: string;
  readonly to: string;
  readonly plans: PlanAnalyticsRow[];
}
