import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { OPEN_CASE_OF_RECORD, RECOVER_CASE, SKIP_OPEN_STEPS } from './repository.js';
import { sendDunningEmail } from './send-dunning-email.js';
import { emailContext, loadStepContext } from './step-context.js';

/**
 * A renewal paid outside the dunning steps (the parent paid its payment link): its open case is recovered now,
 * inside the caller's transaction, with the open steps skipped and the thank-you email; the `WHERE status = 'open'`
 * guard makes a second call a no-op. Returns whether a case was recovered.
 */
export async function recoverPaidRenewal(
  tx: Sql,
  input: { billingRecordId: string; paymentId: string },
  clock: Clock,
): Promise<boolean> {
  const open = await tx.one<{ id: string }>(OPEN_CASE_OF_RECORD, { billing_record_id: input.billingRecordId });
  if (open === undefined) return false;
  const ctx = await loadStepContext(tx, open.id);
  if (ctx === undefined) return false;
  const at = clock.now();
  const changed = await tx.run(RECOVER_CASE, {
    id: open.id,
    amount: ctx.amount,
    at,
    step: null,
    payment_id: input.paymentId,
    reason: 'paid through the payment link',
  });
  if (changed === 0) return false;
  await tx.run(SKIP_OPEN_STEPS, { case_id: open.id, at });
  await sendDunningEmail(tx, 'recovered', emailContext(ctx, 'closed', null, null), { clock, publicUrl: null });
  return true;
}
