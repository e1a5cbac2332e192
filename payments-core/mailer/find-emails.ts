import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { EMAIL_BY_ID, EMAIL_COLUMNS } from './repository.js';
import { type Email, type EmailKind, type EmailRow, type EmailStatus, toEmail } from './types.js';

/** One outbox email by id. */
export async function getEmail(deps: { db: Sql }, id: string): Promise<Email> {
  const row = await deps.db.one<EmailRow>(EMAIL_BY_ID, { id });
  if (row === undefined) throw notFound('email', id);
  return toEmail(row);
}

export interface EmailFilter {
  readonly status?: EmailStatus | undefined;
  readonly kind?: EmailKind | undefined;
  readonly customer_id?: string | undefined;
}

/** Outbox emails, newest first, filtered by status, kind and customer (e.g. `failed` for the dead letters). */
export async function listEmails(deps: { db: Sql }, query: PageQuery & EmailFilter): Promise<Page<Email>> {
  const conditions: string[] = [];
  const params: Record<string, unknown> = {};
  // Constant fragments only; the values travel as parameters.
  if (query.status !== undefined) {
    conditions.push('t.status = $status');
    params['status'] = query.status;
  }
  if (query.kind !== undefined) {
    conditions.push('t.kind = $kind');
    params['kind'] = query.kind;
  }
  if (query.customer_id !== undefined) {
    conditions.push('t.customer_id = $customer_id');
    params['customer_id'] = query.customer_id;
  }
  const page = await listPage<EmailRow>(
    deps.db,
    {
      select: `${EMAIL_COLUMNS} {where}`,
      table: 'email_outbox',
      resource: 'email',
      ...(conditions.length === 0 ? {} : { where: conditions.join(' AND '), params }),
    },
    query,
  );
  return { ...page, data: page.data.map(toEmail) };
}
