/**
 * The churn feature set: one vector per (customer, snapshot instant), computed only from rows created at or before
 * the snapshot (point-in-time). Bump the version when a definition changes: the registry refuses to load a model
 * trained on another version.
 */
export const CHURN_FEATURE_SET_VERSION = 'churn-v1';

export const CHURN_FEATURES = [
  /** Days since the customer was created. */
  'tenure_days',
  /** Children (students) registered by the snapshot. */
  'children',
  /** Paid meal orders in the last 30 days. */
  'orders_30d',
  /** Paid meal orders in the 60 days before those 30. */
  'orders_prev_60d',
  /** orders_30d − orders_prev_60d / 2: the change of the monthly order rate (< 0 = slowing down). */
  'order_trend',
  /** Days since the last paid order (90 when none in the last 90 days). */
  'days_since_last_order',
  /** Paid amount in the last 90 days, rupees. */
  'spend_90d',
  /** Failed payment attempts in the last 90 days. */
  'failed_payments_90d',
  /** Failed attempts / all attempts in the last 90 days. */
  'failed_share_90d',
  /** Refunds created in the last 90 days. */
  'refunds_90d',
  /** Dunning cases opened in the last 180 days (0 where dunning does not exist). */
  'dunning_cases_180d',
  /** 1 when a dunning case is open at the snapshot. */
  'dunning_open',
  /** 1 when a subscription is live at the snapshot. */
  'active_subscription',
  /** The live subscription's amount per period, rupees (0 without one). */
  'subscription_amount',
  /** Plan or quantity changes in the last 180 days. */
  'plan_changes_180d',
  /** Plan price versions published after the one the subscription pays (a price change is coming). */
  'price_versions_behind',
  /** 1 when a cancellation at period end was asked for. */
  'cancel_scheduled',
  /** 1 when the default payment method is a card expiring within 60 days. */
  'card_expiring_60d',
  /** The school's orders in the last 30 days against its monthly rate in the 60 before (1 = steady). */
  'school_order_trend',
] as const;

export type ChurnFeature = (typeof CHURN_FEATURES)[number];

/** The churn label: no paid order in the 30 days after the snapshot, or a subscription ended or cancelled in them. */
export const CHURN_HORIZON_DAYS = 30;
