import { SCHOOL_MEALS_EXEMPTION } from '../payments-core/invoices/gst.js';
import { type BillingInterval, nthPeriod } from '../payments-core/subscriptions/billing-periods.js';
import type { Db } from '../platform/db.js';

export interface SubscriptionSeed {
  /** How many parents, each with one subscription. */
  readonly count: number;
  /** The gateway card token every parent's saved method carries (tokenised once at the simulator)... */
  readonly token: string;
  /** ...for this gateway customer, which every seeded parent is mapped to (Razorpay charges a token with its customer). */
  readonly gatewayCustomerId: string;
  /** When the subscriptions started (their billing anchor). */
  readonly startAt: Date;
  readonly interval?: BillingInterval;
  readonly unitAmount?: number;
  readonly quantity?: number;
  readonly setupFee?: number;
  readonly taxCategory?: 'gst_exempt_school_meals' | 'gst';
  readonly gstRateBp?: number | null;
  readonly mandateType?: 'upi_autopay' | 'emandate' | null;
  /** Id prefix, so several seeds can share a database. */
  readonly prefix?: string;
}

/**
 * Many kosh-collected subscriptions in a few set-wise statements (a school, parents, saved methods, a plan,
 * active subscriptions in period 0): the fixture of the billing tests and benchmark.
 */
export async function seedSubscriptions(db: Db, seed: SubscriptionSeed): Promise<{ planId: string; ids: string[] }> {
  const p = seed.prefix ?? 'seed';
  const interval = seed.interval ?? 'monthly';
  const period = nthPeriod(seed.startAt, interval, 1, 0);
  const at = seed.startAt;
  const planId = `plan_${p}`;
  const params = {
    n: seed.count,
    p,
    at,
    token: seed.token,
    gateway_customer: seed.gatewayCustomerId,
    plan_id: planId,
    interval,
    unit: seed.unitAmount ?? 250_000,
    qty: seed.quantity ?? 1,
    setup: seed.setupFee ?? 0,
    tax: seed.taxCategory ?? 'gst_exempt_school_meals',
    gst: seed.taxCategory === 'gst' ? (seed.gstRateBp ?? 1800) : null,
    exemption: seed.taxCategory === 'gst' ? null : SCHOOL_MEALS_EXEMPTION,
    mandate: seed.mandateType ?? null,
    start: period.start,
    end: period.end,
  };
  // A statement binds exactly the parameters it names.
  const only = (sql: string) =>
    Object.fromEntries(Object.entries(params).filter(([k]) => new RegExp(`\\$${k}\\b`).test(sql)));
  await db.transaction(async (tx) => {
    const run = (sql: string) => tx.run(sql, only(sql));
    await run(
      `INSERT INTO schools (id, name, city, state_code, gstin, created_at)
       VALUES ('sch_' || $p, 'Greenwood High', 'Bengaluru', 'KA', '29ABCDE1234F1Z5', $at)`,
    );
    await run(
      `INSERT INTO customers (id, school_id, name, email, phone, state_code, gateway_customer_id, notes, created_at)
       SELECT 'cus_' || $p || '_' || i, 'sch_' || $p, 'Parent ' || i, 'parent' || i || '@example.in', '+9198' || lpad(i::VARCHAR, 8, '0'),
              'KA', $gateway_customer, NULL, $at FROM generate_series(0, $n::BIGINT - 1) r(i)`,
    );
    await run(
      `INSERT INTO payment_methods (id, customer_id, type, gateway_token, card_network, card_last4, card_exp_month,
         card_exp_year, upi_vpa_masked, bank, wallet, is_default, created_at, updated_at, deleted_at, mandate_type)
       SELECT 'pm_' || $p || '_' || i, 'cus_' || $p || '_' || i, 'card', $token, 'Visa', '1111', 12, 2030, NULL, NULL, NULL,
              true, $at, $at, NULL, $mandate FROM generate_series(0, $n::BIGINT - 1) r(i)`,
    );
    await run(
      `INSERT INTO subscription_plans (id, name, description, interval_unit, interval_count, amount_minor, currency,
         price_version, trial_days, setup_fee_minor, per_unit, unit_label, tax_category, gst_rate_bp, exemption_basis, status,
         created_at, updated_at, archived_at)
       VALUES ($plan_id, 'Lunch plan', NULL, $interval, 1, $unit, 'INR', 1, 0, $setup, true, 'student', $tax, $gst,
               $exemption, 'active', $at, $at, NULL)`,
    );
    await run(
      `INSERT INTO subscriptions (id, customer_id, school_id, plan_id, plan_price_version, unit_amount_minor, currency, quantity,
         interval_unit, interval_count, setup_fee_minor, tax_category, gst_rate_bp, payment_method_id, collection,
         gateway_subscription_id, status, start_at, trial_end, billing_anchor, period_index, current_period_start,
         current_period_end, cancel_at_period_end, event_seq, created_at, updated_at)
       SELECT 'sub_' || $p || '_' || lpad(i::VARCHAR, 7, '0'), 'cus_' || $p || '_' || i, 'sch_' || $p, $plan_id, 1, $unit, 'INR', $qty, $interval, 1,
              $setup, $tax, $gst, NULL, 'kosh', NULL, 'active', $at, NULL, $at, 0, $start, $end, false, 0, $at, $at
       FROM generate_series(0, $n::BIGINT - 1) r(i)`,
    );
  });
  const ids = await db.all<{ id: string }>('SELECT id FROM subscriptions WHERE plan_id = $plan_id ORDER BY id', {
    plan_id: planId,
  });
  return { planId, ids: ids.map((r) => r.id) };
}
