import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { DISPUTE_BY_ID, DISPUTE_COLUMNS } from './repository.js';
import type { Dispute, DisputeStatus } from './types.js';

/** One dispute by id. */
export async function getDispute(deps: { db: Sql }, id: string): Promise<Dispute> {
  const dispute = await deps.db.one<Dispute>(DISPUTE_BY_ID, { id });
  if (dispute === undefined) throw notFound('dispute', id);
  return dispute;
}

/** Disputes, newest first, optionally of one payment or in one status. */
export function listDisputes(
  deps: { db: Sql },
  query: PageQuery & { payment_id?: string | undefined; status?: DisputeStatus | undefined },
): Promise<Page<Dispute>> {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.payment_id !== undefined) {
    conditions.push('t.payment_id = $payment_id');
    params['payment_id'] = query.payment_id;
  }
  if (query.status !== undefined) {
    conditions.push('t.status = $status');
    params['status'] = query.status;
  }
  return listPage<Dispute>(
    deps.db,
    {
      select: `${DISPUTE_COLUMNS} {where}`,
      table: 'disputes',
      resource: 'dispute',
      ...(conditions.length === 0 ? {} : { where: conditions.join(' AND '), params }),
    },
    query,
  );
}
