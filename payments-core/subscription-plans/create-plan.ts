import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { istDate } from '../../platform/ist.js';
import { DEFAULT_CURRENCY } from '../../platform/money.js';
import { loadGstRates } from '../gst-rates/load-gst-rates.js';
import type { BillingInterval } from '../subscriptions/billing-periods.js';
import { getSubscriptionPlan } from './find-plans.js';
import { INSERT_PLAN, INSERT_PLAN_PRICE } from './repository.js';
import type { BillingTiming, SubscriptionPlan, TaxCategory } from './types.js';
import { validateClassification, validateTax } from './validate-tax.js';

export interface PlanInput {
  readonly name: string;
  readonly description?: string | undefined;
  readonly interval: BillingInterval;
  readonly interval_count?: number | undefined;
  readonly amount: number;
  readonly currency?: 'INR' | undefined;
  readonly trial_days?: number | undefined;
  readonly setup_fee?: number | undefined;
  readonly per_unit?: boolean | undefined;
  readonly unit_label?: string | undefined;
  readonly tax_category: TaxCategory;
  readonly gst_rate_bp?: number | null | undefined;
  /** Default in_advance: school meals are prepaid. */
  readonly billing_timing?: BillingTiming | undefined;
  /** Default 996337 (contract catering). */
  readonly hsn_sac?: string | undefined;
  /** Default NOS. */
  readonly uqc?: string | undefined;
  /** Exempt plans only; default the school-meal catering entry. */
  readonly exemption_basis?: string | undefined;
}

/** Creates an active plan with its first price version. */
export async function createSubscriptionPlan(
  deps: { db: Db; clock: Clock },
  input: PlanInput,
): Promise<SubscriptionPlan> {
  const classification = validateClassification(input);
  const at = deps.clock.now();
  const gstRate = validateTax(
    input.tax_category,
    input.gst_rate_bp,
    await loadGstRates(deps.db),
    istDate(at),
    classification.hsn_sac,
  );
  const id = newId('splan');
  const currency = input.currency ?? DEFAULT_CURRENCY;
  await deps.db.transaction(async (tx) => {
    await tx.run(INSERT_PLAN, {
      id,
      name: input.name,
      description: input.description ?? null,
      interval: input.interval,
      interval_count: input.interval_count ?? 1,
      amount: input.amount,
      currency,
      trial_days: input.trial_days ?? 0,
      setup_fee: input.setup_fee ?? 0,
      per_unit: input.per_unit ?? false,
      unit_label: input.unit_label ?? null,
      tax_category: input.tax_category,
      gst_rate_bp: gstRate,
      billing_timing: input.billing_timing ?? 'in_advance',
      ...classification,
      at,
    });
    await tx.run(INSERT_PLAN_PRICE, { plan_id: id, version: 1, amount: input.amount, currency, at });
  });
  return getSubscriptionPlan(deps, id);
}
