import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { RETRY_BY_ID, RETRY_COLUMNS } from './repository.js';
import type { RetryItem, RetryState } from './types.js';

/** One retry item by id. */
export async function getRetry(deps: { db: Sql }, id: string): Promise<RetryItem> {
  const item = await deps.db.one<RetryItem>(RETRY_BY_ID, { id });
  if (item === undefined) throw notFound('retry', id);
  return item;
}

/** Retry items, newest first, optionally in one state (e.g. `dead` for the dead-letter list). */
export function listRetries(
  deps: { db: Sql },
  query: PageQuery & { state?: RetryState | undefined },
): Promise<Page<RetryItem>> {
  return listPage<RetryItem>(
    deps.db,
    {
      select: `${RETRY_COLUMNS} {where}`,
      table: 'retry_items',
      resource: 'retry',
      ...(query.state === undefined ? {} : { where: 't.state = $state', params: { state: query.state } }),
    },
    query,
  );
}
