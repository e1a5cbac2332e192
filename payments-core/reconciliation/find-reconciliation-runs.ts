import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import {
  ITEM_COLUMNS_SELECT,
  RUN_BY_ID,
  RUN_COLUMNS,
  RUN_SETTLEMENTS_BOOKED,
  RUN_SUMMARY,
  RUN_TOTALS,
} from './repository.js';
import type { ReconItem, ReconResolution, ReconRun, ReconRunDetail, ReconStatus, ReconStatusSummary } from './types.js';

/** Reconciliation runs, newest first. */
export function listReconciliationRuns(deps: { db: Sql }, query: PageQuery): Promise<Page<ReconRun>> {
  return listPage<ReconRun>(
    deps.db,
    { select: `${RUN_COLUMNS} {where}`, table: 'reconciliation_runs', resource: 'reconciliation_run' },
    query,
  );
}

/** One run with item counts and amounts per status. */
export async function getReconciliationRun(deps: { db: Sql }, id: string): Promise<ReconRunDetail> {
  const run = await deps.db.one<ReconRun>(RUN_BY_ID, { id });
  if (run === undefined) throw notFound('reconciliation_run', id);
  const summary = await deps.db.all<ReconStatusSummary>(RUN_SUMMARY, { run_id: id });
  const totals = await deps.db.one<{ journal_entries: number; unmatched_webhook_events: number }>(RUN_TOTALS, {
    run_id: id,
  });
  const settlementsBooked = await deps.db.all<ReconRunDetail['settlements_booked'][number]>(RUN_SETTLEMENTS_BOOKED, {
    run_id: id,
  });
  return {
    ...run,
    summary,
    journal_entries: totals?.journal_entries ?? 0,
    unmatched_webhook_events: totals?.unmatched_webhook_events ?? 0,
    settlements_booked: settlementsBooked,
  };
}

/** A run's items, filterable by status and resolution. */
export async function listReconciliationItems(
  deps: { db: Sql },
  runId: string,
  query: PageQuery & { status?: ReconStatus | undefined; resolution?: ReconResolution | undefined },
): Promise<Page<ReconItem>> {
  await getReconciliationRun(deps, runId);
  const where = ['t.run_id = $run_id'];
  const params: Record<string, unknown> = { run_id: runId };
  if (query.status !== undefined) {
    where.push('t.status = $status');
    params['status'] = query.status;
  }
  if (query.resolution !== undefined) {
    where.push('t.resolution = $resolution');
    params['resolution'] = query.resolution;
  }
  return listPage<ReconItem>(
    deps.db,
    {
      select: `${ITEM_COLUMNS_SELECT} {where}`,
      table: 'reconciliation_items',
      resource: 'reconciliation_item',
      where: where.join(' AND '),
      params,
    },
    query,
  );
}
