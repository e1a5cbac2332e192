import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import { markRecordUncollectible } from '../billing/mark-record-uncollectible.js';
import { writeOffInvoices } from '../invoices/write-off-invoices.js';
import { cancelSubscription } from '../subscriptions/cancel-subscription.js';
import { SUBSCRIPTION_BY_ID } from '../subscriptions/repository.js';
import { transition } from '../subscriptions/transitions.js';
import type { Subscription } from '../subscriptions/types.js';
import { EXHAUST_CASE, SKIP_OPEN_STEPS } from './repository.js';
import { sendDunningEmail } from './send-dunning-email.js';
import { emailContext, loadStepContext } from './step-context.js';
import type { DunningPolicy } from './types.js';

const RECORD_INVOICE = 'SELECT invoice_id FROM billing_records WHERE id = $id';

/**
 * The end of a kosh case that ran out of steps without a recovery: the policy's final action, then the case is
 * `exhausted` with the action named. `cancel` goes through the subscriptions module's own cancel use case
 * (its own transaction, a no-op on a cancelled subscription, so a rerun after a crash in between is safe).
 * `mark_unpaid` = the subscription moves to `halted` (Razorpay's word for "retries exhausted": no renewals
 * are billed, it stays visible and can be reactivated), the billing record from `failed` to `uncollectible` and its
 * invoice (or, for an always_invoice change's case, the change's invoice) written off (`uncollectible`: still owed, a
 * late payment still settles it), in one transaction with the case. The email before the last step told the parent this would happen (`finalNotice`).
 */
export async function takeFinalAction(
  deps: { db: Db; clock: Clock; log: Log },
  caseId: string,
  policy: DunningPolicy,
): Promise<boolean> {
  const at = deps.clock.now();
  if (policy.finalAction === 'cancel') {
    const ctx = await loadStepContext(deps.db, caseId);
    if (ctx === undefined || ctx.status !== 'open') return false;
    try {
      await cancelSubscription(deps, ctx.subscription_id);
    } catch (err) {
      // A subscription already ended (completed, expired) cannot be cancelled: the case still ends.
      if (!(err instanceof AppError) || (err.kind !== 'conflict' && err.kind !== 'not_found')) throw err;
      deps.log.warn({ case: caseId, err: err.message }, 'dunning: final cancel refused');
    }
  }
  return deps.db.transaction(async (tx) => {
    const ctx = await loadStepContext(tx, caseId);
    if (ctx === undefined || ctx.status !== 'open') return false;
    if (policy.finalAction === 'mark_unpaid') {
      const sub = await tx.one<Subscription>(SUBSCRIPTION_BY_ID, { id: ctx.subscription_id });
      if (sub !== undefined) {
        await transition(tx, sub, 'halted', { source: 'system', strict: false, at, data: { dunning_case: caseId } });
      }
      if (ctx.billing_record_id !== null) {
        await markRecordUncollectible(tx, ctx.billing_record_id, at);
        const record = await tx.one<{ invoice_id: string | null }>(RECORD_INVOICE, { id: ctx.billing_record_id });
        if (record?.invoice_id != null) await writeOffInvoices(tx, [record.invoice_id], at);
      }
      // A case of an always_invoice change collects the change's own invoice (no billing record): written off alike.
      if (ctx.invoice_id !== null) await writeOffInvoices(tx, [ctx.invoice_id], at);
    }
    const changed = await tx.run(EXHAUST_CASE, {
      id: caseId,
      final_action: policy.finalAction,
      reason: `no recovery after the last step: ${policy.finalAction}`,
      at,
    });
    if (changed === 0) return false;
    await tx.run(SKIP_OPEN_STEPS, { case_id: caseId, at });
    await sendDunningEmail(
      tx,
      policy.finalAction === 'cancel' ? 'cancelled' : 'marked_unpaid',
      emailContext(ctx, 'closed', null),
      { clock: deps.clock, publicUrl: null },
    );
    return true;
  });
}
