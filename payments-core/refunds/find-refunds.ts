import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { REFUND_BY_ID, REFUND_COLUMNS } from './repository.js';
import type { Refund } from './types.js';

/** One refund by id. */
export async function getRefund(deps: { db: Sql }, id: string): Promise<Refund> {
  const refund = await deps.db.one<Refund>(REFUND_BY_ID, { id });
  if (refund === undefined) throw notFound('refund', id);
  return refund;
}

/** Refunds, newest first, optionally of one payment. */
export function listRefunds(
  deps: { db: Sql },
  query: PageQuery & { payment_id?: string | undefined },
): Promise<Page<Refund>> {
  return listPage<Refund>(
    deps.db,
    {
      select: `${REFUND_COLUMNS} {where}`,
      table: 'refunds',
      resource: 'refund',
      ...(query.payment_id === undefined
        ? {}
        : { where: 't.payment_id = $payment_id', params: { payment_id: query.payment_id } }),
    },
    query,
  );
}
