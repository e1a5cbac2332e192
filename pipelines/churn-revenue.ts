/**
 * What a churning family takes away each month, and why the model thinks it may. Pure functions, shared by the
 * nightly report and its tests.
 */

export type IntervalUnit = 'weekly' | 'monthly' | 'quarterly' | 'yearly';

/**
 * A subscription's per-period charge as monthly value, paise, exactly as MRR is counted
 * (payments-core/subscription-analytics): weekly × 52/12, quarterly ÷ 3, yearly ÷ 12, ÷ interval_count,
 * rounded half-even to the paisa.
 */
export function monthlyValueMinor(periodAmountMinor: number, unit: IntervalUnit, intervalCount: number): number {
  if (!Number.isSafeInteger(periodAmountMinor) || periodAmountMinor < 0)
    throw new RangeError('amount must be a non-negative integer of paise');
  if (!Number.isInteger(intervalCount) || intervalCount < 1) throw new RangeError('interval_count must be ≥ 1');
  const numerator = periodAmountMinor * (unit === 'weekly' ? 52 : 1);
  const denominator = intervalCount * (unit === 'monthly' ? 1 : unit === 'quarterly' ? 3 : 12);
  return roundHalfEven(numerator / denominator);
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5 + 1e-9) return floor + 1;
  if (diff < 0.5 - 1e-9) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * A family's monthly revenue, paise: its live subscriptions' monthly-normalised value (never a quarterly or yearly
 * charge as if it came every month); a family without one buys meal packs, and a third of its last 90 days' payments
 * is its monthly run rate.
 */
export function familyMonthlyRevenueMinor(family: {
  readonly subscriptionMonthlyMinor: number;
  readonly spend90dMinor: number;
}): { readonly monthlyMinor: number; readonly recurring: boolean } {
  if (family.subscriptionMonthlyMinor > 0) return { monthlyMinor: family.subscriptionMonthlyMinor, recurring: true };
  return { monthlyMinor: Math.round(Math.max(0, family.spend90dMinor) / 3), recurring: false };
}

/** The report's revenue lines, paise: recurring (subscriptions, ≤ their MRR) and meal packs, each with what is at risk. */
export interface RevenueAtRisk {
  /** Σ monthly-normalised value of the scored families' live subscriptions: their MRR. */
  readonly mrr_minor: number;
  /** Σ P(churn) × monthly value over subscribing families; never above `mrr_minor`. */
  readonly recurring_at_risk_minor: number;
  /** Σ a third of the last 90 days' payments of families without a subscription. */
  readonly meal_packs_monthly_minor: number;
  readonly meal_packs_at_risk_minor: number;
}

/** P(churn) × monthly value for one family, rounded once; at most the monthly value itself. */
export const atRiskMinor = (probability: number, monthlyMinor: number): number =>
  Math.min(monthlyMinor, Math.max(0, Math.round(probability * monthlyMinor)));

/** Sums the scored families into the report's revenue lines. */
export function revenueAtRisk(
  families: readonly { readonly probability: number; readonly monthlyMinor: number; readonly recurring: boolean }[],
): RevenueAtRisk {
  let mrr = 0;
  let recurringAtRisk = 0;
  let packs = 0;
  let packsAtRisk = 0;
  for (const f of families) {
    const risk = atRiskMinor(f.probability, f.monthlyMinor);
    if (f.recurring) {
      mrr += f.monthlyMinor;
      recurringAtRisk += risk;
    } else {
      packs += f.monthlyMinor;
      packsAtRisk += risk;
    }
  }
  return {
    mrr_minor: mrr,
    recurring_at_risk_minor: recurringAtRisk,
    meal_packs_monthly_minor: packs,
    meal_packs_at_risk_minor: packsAtRisk,
  };
}

const REASONS: Record<string, (value: number) => string> = {
  tenure_days: (v) => `joined ${Math.round(v)} days ago`,
  children: (v) => `${Math.round(v)} ${Math.round(v) === 1 ? 'child' : 'children'} registered`,
  orders_30d: (v) => `only ${Math.round(v)} paid orders in the last 30 days`,
  orders_prev_60d: (v) => `${Math.round(v)} paid orders in the 60 days before`,
  order_trend: (v) => `ordering less than before (${v.toFixed(1)} orders a month)`,
  days_since_last_order: (v) => (v >= 90 ? 'no paid order in 90 days' : `no paid order for ${Math.round(v)} days`),
  spend_90d: (v) => `spent ₹${Math.round(v).toLocaleString('en-IN')} in 90 days`,
  failed_payments_90d: (v) => `${Math.round(v)} failed payments in 90 days`,
  failed_share_90d: (v) => `${Math.round(v * 100)} % of payments failed in 90 days`,
  refunds_90d: (v) => `${Math.round(v)} refunds in 90 days`,
  dunning_cases_180d: (v) => `${Math.round(v)} dunning cases in 180 days`,
  dunning_open: () => 'a payment is in dunning now',
  active_subscription: (v) => (v > 0 ? 'holds a subscription' : 'no live subscription'),
  subscription_amount: (v) => `subscription of ₹${Math.round(v).toLocaleString('en-IN')} a period`,
  plan_changes_180d: (v) => `${Math.round(v)} plan changes in 180 days`,
  price_versions_behind: () => 'a price rise is coming',
  cancel_scheduled: () => 'asked to cancel at period end',
  card_expiring_60d: () => 'card expires within 60 days',
  school_order_trend: (v) => `the school's orders are at ${Math.round(v * 100)} % of their usual rate`,
};

/** A driver (feature, value) in words an operator can act on. */
export function describeDriver(driver: { readonly feature: string; readonly value: number }): string {
  const say = REASONS[driver.feature];
  return say === undefined ? `${driver.feature} = ${driver.value}` : say(driver.value);
}
