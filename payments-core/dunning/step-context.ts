import type { Sql } from '../../platform/db.js';
import { DEFAULT_METHOD, STEP_CONTEXT } from './repository.js';
import type { DunningEmailContext } from './send-dunning-email.js';
import type { DunningStatus } from './types.js';

/** What deciding and announcing a step needs: the case, its subscription and record, the customer, the method. */
export interface StepContext {
  readonly id: string;
  readonly status: DunningStatus;
  readonly subscription_id: string;
  readonly billing_record_id: string | null;
  /** The always_invoice change's invoice the case collects instead of a renewal (migration 039), else null. */
  readonly invoice_id: string | null;
  readonly customer_id: string;
  readonly amount: number;
  readonly currency: string;
  readonly declined_method_id: string | null;
  readonly last_decline_code: string | null;
  readonly failed_at: Date;
  readonly subscription_status: string;
  /** The method kosh would charge now: the subscription's own while live, else the customer's default. */
  readonly method_id: string | null;
  readonly mandate_type: 'upi_autopay' | 'emandate' | null;
  readonly record_status: string | null;
  readonly email: string;
  readonly name: string;
  readonly plan_name: string | null;
  /** The renewal's on-session payment link while it can be paid (billing record, migration 035), else null. */
  readonly pay_url: string | null;
}

export async function loadStepContext(sql: Sql, caseId: string): Promise<StepContext | undefined> {
  const ctx = await sql.one<StepContext>(STEP_CONTEXT, { id: caseId });
  if (ctx === undefined || ctx.method_id !== null) return ctx;
  const fallback = await sql.one<Pick<StepContext, 'method_id' | 'mandate_type'>>(DEFAULT_METHOD, {
    customer_id: ctx.customer_id,
  });
  return fallback === undefined ? ctx : { ...ctx, ...fallback };
}

export function emailContext(
  ctx: StepContext,
  step: number | 'closed',
  nextAttemptAt: Date | null,
  declineCode: string | null = ctx.last_decline_code,
  finalNotice: 'cancel' | 'mark_unpaid' | null = null,
): DunningEmailContext {
  return {
    caseId: ctx.id,
    step,
    customerId: ctx.customer_id,
    subscriptionId: ctx.subscription_id,
    to: ctx.email,
    name: ctx.name,
    planName: ctx.plan_name,
    amount: ctx.amount,
    currency: ctx.currency,
    declineCode,
    nextAttemptAt,
    finalNotice,
    payUrl: ctx.pay_url,
  };
}
