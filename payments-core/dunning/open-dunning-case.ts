import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { CASE_ID_BY_KEY, INSERT_CASE } from './repository.js';

export interface OpenDunningCaseInput {
  readonly subscriptionId: string;
  /** The failed renewal's record, or (with `change`) null. */
  readonly billingRecordId: string | null;
  /** An always_invoice change's invoice whose charge failed: its id, and the method and payment of the attempt. */
  readonly change?: { readonly invoiceId: string; readonly methodId: string; readonly paymentId: string };
  readonly customerId: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly declineCode: string;
  readonly hard: boolean;
  readonly failedAt: Date;
}

/** The failed attempt as the billing record holds it: the method it was charged on and its payment. */
const FAILED_ATTEMPT = `SELECT payment_method_id, payment_id FROM billing_records WHERE id = $id`;

const INSERT_FAILURE_STEP = `
INSERT INTO dunning_steps (case_id, step, kind, planned_at, started_at, done_at, outcome, payment_method_id, payment_id,
  decline_code)
VALUES ($case_id, 0, 'failure', $failed_at, $failed_at, $failed_at, 'failed', $method_id, $payment_id, $decline_code)
ON CONFLICT (case_id, step) DO NOTHING`;

/**
 * Opens the dunning case of a failed kosh-collected renewal, or of an always_invoice change's invoice whose charge
 * failed; idempotent per billing record (per invoice) (a second call returns the first case). Runs inside the caller's transaction; the dunning job plans the retries and sends
 * the first email on its next run.
 */
export async function openDunningCase(
  sql: Sql,
  input: OpenDunningCaseInput,
  clock: Clock,
): Promise<{ id: string; created: boolean }> {
  const caseKey = input.change === undefined ? `br:${input.billingRecordId}` : `inv:${input.change.invoiceId}`;
  const existing = await sql.one<{ id: string }>(CASE_ID_BY_KEY, { case_key: caseKey });
  if (existing !== undefined) return { id: existing.id, created: false };
  const attempt =
    input.change === undefined
      ? await sql.one<{ payment_method_id: string | null; payment_id: string | null }>(FAILED_ATTEMPT, {
          id: input.billingRecordId,
        })
      : { payment_method_id: input.change.methodId, payment_id: input.change.paymentId };
  const methodId = attempt?.payment_method_id ?? null;
  const id = newId('dun');
  const inserted = await sql.run(INSERT_CASE, {
    id,
    case_key: caseKey,
    collection: 'kosh',
    subscription_id: input.subscriptionId,
    billing_record_id: input.change === undefined ? input.billingRecordId : null,
    invoice_id: input.change?.invoiceId ?? null,
    customer_id: input.customerId,
    amount: input.amountMinor,
    currency: input.currency,
    decline_code: input.declineCode,
    decline_category: input.hard ? 'hard' : 'soft',
    declined_method_id: input.hard ? methodId : null,
    failed_at: input.failedAt,
    at: clock.now(),
  });
  if (inserted === 0) {
    const raced = await sql.one<{ id: string }>(CASE_ID_BY_KEY, { case_key: caseKey });
    if (raced !== undefined) return { id: raced.id, created: false };
  }
  await sql.run(INSERT_FAILURE_STEP, {
    case_id: id,
    failed_at: input.failedAt,
    method_id: methodId,
    payment_id: attempt?.payment_id ?? null,
    decline_code: input.declineCode,
  });
  return { id, created: true };
}
