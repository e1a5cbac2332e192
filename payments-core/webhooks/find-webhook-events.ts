import type { Sql } from '../../platform/db.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { EVENT_COLUMNS } from './repository.js';
import type { WebhookEvent, WebhookStatus } from './types.js';

/** Received webhook deliveries, newest first, filterable by status and event type. */
export function listWebhookEvents(
  deps: { db: Sql },
  query: PageQuery & { status?: WebhookStatus | undefined; type?: string | undefined },
): Promise<Page<WebhookEvent>> {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.status !== undefined) {
    where.push('t.status = $status');
    params['status'] = query.status;
  }
  if (query.type !== undefined) {
    where.push('t.event_type = $type');
    params['type'] = query.type;
  }
  return listPage<WebhookEvent>(
    deps.db,
    {
      select: `${EVENT_COLUMNS} {where}`,
      timeColumn: 'received_at',
      table: 'webhook_events',
      resource: 'webhook_event',
      ...(where.length === 0 ? {} : { where: where.join(' AND '), params }),
    },
    query,
  );
}
