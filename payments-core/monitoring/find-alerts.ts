import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { ALERT_BY_ID, ALERT_PAGE, EVENTS_OF_ALERT } from './repository.js';
import type { Alert, AlertEvent } from './types.js';

/** Alerts newest first: the open ones (default), the resolved ones, or all. */
export async function listAlerts(
  deps: { db: Sql },
  query: PageQuery & { status?: 'open' | 'resolved' | 'all' | undefined },
): Promise<Page<Alert>> {
  const status = query.status ?? 'open';
  return listPage<Alert>(
    deps.db,
    {
      select: ALERT_PAGE,
      table: 'alerts',
      timeColumn: 'opened_at',
      resource: 'alert',
      ...(status === 'all' ? {} : { where: 't.status = $status', params: { status } }),
    },
    query,
  );
}

/** One alert with its history (opened, escalated, deescalated, resolved). */
export async function findAlert(deps: { db: Sql }, id: string): Promise<Alert & { events: AlertEvent[] }> {
  const alert = await deps.db.one<Alert>(ALERT_BY_ID, { id });
  if (alert === undefined) throw notFound('alert', id);
  return { ...alert, events: await deps.db.all<AlertEvent>(EVENTS_OF_ALERT, { id }) };
}
