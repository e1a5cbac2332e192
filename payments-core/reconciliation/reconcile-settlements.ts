import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { istDate } from '../../platform/ist.js';
import type { JobFn } from '../../platform/job.js';
import type { PaymentGateway } from '../gateway/port.js';
import { reconcileGatewayDay } from './reconcile-gateway-day.js';
import { GATEWAY_RUN_FOR_DATE } from './repository.js';

export interface ReconcileSettlementsDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly gateway: PaymentGateway;
}

/**
 * The daily job: reconciles yesterday's (IST) settlement report from the gateway. Idempotent by report
 * date: a day already reconciled from the gateway is skipped (re-run by hand with POST
 * /v1/reconciliation/runs/from-gateway).
 */
export const reconcileSettlements: JobFn<ReconcileSettlementsDeps> = async (deps, { now }) => {
  const date = istDate(now, 1);
  const existing = await deps.db.one<{ id: string }>(GATEWAY_RUN_FOR_DATE, { report_date: date });
  if (existing !== undefined) return { report_date: date, run_id: existing.id, skipped: true };
  const run = await reconcileGatewayDay(deps, { date });
  const count = (status: string) => run.summary.find((s) => s.status === status)?.items ?? 0;
  return {
    report_date: date,
    run_id: run.id,
    skipped: false,
    report_lines: run.report_lines,
    matched: count('matched'),
    missing_in_kosh: count('missing_in_kosh'),
    missing_at_gateway: count('missing_at_gateway'),
    amount_mismatch: count('amount_mismatch'),
    fee_mismatch: count('fee_mismatch'),
    settlement_mismatch: count('settlement_mismatch'),
    auto_adjusted: run.summary.reduce((n, s) => n + s.auto_adjusted, 0),
    open: run.summary.reduce((n, s) => n + s.open, 0),
    settlements_booked: run.settlements_booked.length,
  };
};
