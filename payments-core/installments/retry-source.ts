import type { RetrySource } from '../retries/types.js';
import { INSTALLMENT_BY_ID, SET_INSTALLMENT_STATUS } from './repository.js';
import { rollUpPlan } from './roll-up-plan.js';
import type { Installment, InstallmentStatus } from './types.js';

const STATUS_FOR: Partial<Record<string, InstallmentStatus>> = {
  scheduled: 'retrying',
  dead: 'failed',
  requires_authentication: 'requires_authentication',
  cancelled: 'failed',
};

/** Installments as a retry source: still due while being retried; the queue's outcome sets their status. */
export const installmentRetrySource: RetrySource = {
  async stillDue(tx, sourceId) {
    const i = await tx.one<Installment>(INSTALLMENT_BY_ID, { id: sourceId });
    return i?.status === 'retrying';
  },
  async onOutcome(tx, event) {
    const i = await tx.one<Installment>(INSTALLMENT_BY_ID, { id: event.sourceId });
    const status = STATUS_FOR[event.state];
    // Paid, superseded and cancelled installments keep their status; `succeeded` is settled by the capture.
    if (
      i === undefined ||
      status === undefined ||
      !['retrying', 'requires_authentication', 'failed'].includes(i.status)
    )
      return;
    await tx.run(SET_INSTALLMENT_STATUS, {
      id: i.id,
      from: i.status,
      status,
      error_code: event.reason,
      at: event.at,
    });
    await rollUpPlan(tx, i.plan_id, event.at);
  },
};
