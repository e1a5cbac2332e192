import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { EVENTS_OF_SUBSCRIPTION, PENDING_CHARGES, SUBSCRIPTION_BY_ID, SUBSCRIPTION_COLUMNS } from './repository.js';
import type { Subscription, SubscriptionCharge, SubscriptionEvent, SubscriptionStatus } from './types.js';

type Row = Omit<Subscription, 'pending_charges'>;

async function withCharges(db: Sql, row: Row): Promise<Subscription> {
  const pending = await db.all<SubscriptionCharge>(PENDING_CHARGES, { subscription_id: row.id });
  return { ...row, pending_charges: pending };
}

/** One subscription with its pending charges (proration lines billing has still to collect). */
export async function getSubscription(deps: { db: Sql }, id: string): Promise<Subscription> {
  const row = await deps.db.one<Row>(SUBSCRIPTION_BY_ID, { id });
  if (row === undefined) throw notFound('subscription', id);
  return withCharges(deps.db, row);
}

/** Subscriptions, newest first, optionally of one customer and/or in one status. */
export async function listSubscriptions(
  deps: { db: Sql },
  query: PageQuery & { customer_id?: string | undefined; status?: SubscriptionStatus | undefined },
): Promise<Page<Subscription>> {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  if (query.customer_id !== undefined) {
    conditions.push('t.customer_id = $customer_id');
    params['customer_id'] = query.customer_id;
  }
  if (query.status !== undefined) {
    conditions.push('t.status = $status');
    params['status'] = query.status;
  }
  const page = await listPage<Row>(
    deps.db,
    {
      select: `${SUBSCRIPTION_COLUMNS} {where}`,
      table: 'subscriptions',
      resource: 'subscription',
      ...(conditions.length === 0 ? {} : { where: conditions.join(' AND '), params }),
    },
    query,
  );
  const data: Subscription[] = [];
  for (const row of page.data) data.push(await withCharges(deps.db, row));
  return { ...page, data };
}

/** A subscription's audit trail, oldest first. */
export async function listSubscriptionEvents(deps: { db: Sql }, id: string): Promise<SubscriptionEvent[]> {
  if ((await deps.db.one(SUBSCRIPTION_BY_ID, { id })) === undefined) throw notFound('subscription', id);
  const rows = await deps.db.all<Omit<SubscriptionEvent, 'data'> & { data: string | null }>(EVENTS_OF_SUBSCRIPTION, {
    subscription_id: id,
  });
  return rows.map((r) => ({ ...r, data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>) }));
}
