import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { CASE_BY_ID, CASE_COLUMNS, STEPS_OF_CASE } from './repository.js';
import type { DunningCase, DunningStatus, DunningStep } from './types.js';

/** One dunning case with its steps, in the order they were planned. */
export async function getDunningCase(deps: { db: Sql }, id: string): Promise<DunningCase> {
  const row = await deps.db.one<DunningCase>(CASE_BY_ID, { id });
  if (row === undefined) throw notFound('dunning_case', id);
  const steps = await deps.db.all<DunningStep>(STEPS_OF_CASE, { case_id: id });
  return { ...row, steps };
}

/** Dunning cases, newest first, optionally in one status and/or of one subscription. */
export async function listDunningCases(
  deps: { db: Sql },
  query: PageQuery & { status?: DunningStatus | undefined; subscription_id?: string | undefined },
): Promise<Page<DunningCase>> {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.status !== undefined) {
    conditions.push('t.status = $status');
    params['status'] = query.status;
  }
  if (query.subscription_id !== undefined) {
    conditions.push('t.subscription_id = $subscription_id');
    params['subscription_id'] = query.subscription_id;
  }
  return listPage<DunningCase>(
    deps.db,
    {
      select: `${CASE_COLUMNS} {where}`,
      table: 'dunning_cases',
      resource: 'dunning case',
      ...(conditions.length === 0 ? {} : { where: conditions.join(' AND '), params }),
    },
    query,
  );
}
