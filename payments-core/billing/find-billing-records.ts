import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { RECORD_BY_ID, RECORD_COLUMNS } from './repository.js';
import type { BillingRecord, BillingRecordStatus } from './types.js';

/** One billing record. */
export async function getBillingRecord(deps: { db: Sql }, id: string): Promise<BillingRecord> {
  const row = await deps.db.one<BillingRecord>(RECORD_BY_ID, { id });
  if (row === undefined) throw notFound('billing_record', id);
  return row;
}

/** Billing records, newest first, optionally of one subscription and/or in one status. */
export async function listBillingRecords(
  deps: { db: Sql },
  query: PageQuery & { subscription_id?: string | undefined; status?: BillingRecordStatus | undefined },
): Promise<Page<BillingRecord>> {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.subscription_id !== undefined) {
    conditions.push('t.subscription_id = $subscription_id');
    params['subscription_id'] = query.subscription_id;
  }
  if (query.status !== undefined) {
    conditions.push('t.status = $status');
    params['status'] = query.status;
  }
  return listPage<BillingRecord>(
    deps.db,
    {
      select: `${RECORD_COLUMNS} {where}`,
      table: 'billing_records',
      resource: 'billing record',
      ...(conditions.length === 0 ? {} : { where: conditions.join(' AND '), params }),
    },
    query,
  );
}
