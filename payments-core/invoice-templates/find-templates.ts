import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { DEFAULT_TEMPLATE, LATEST_TEMPLATE, LATEST_TEMPLATES, TEMPLATE_VERSION } from './repository.js';
import { DEFAULT_SHOW_FIELDS, DEFAULT_TEMPLATE_ID, type InvoiceTemplate } from './types.js';

/** A template row as the API shows it (show_fields parsed, defaults filled in). */
export function templateFromRow(row: Record<string, unknown>): InvoiceTemplate {
  const raw = row['show_fields'];
  const parsed = typeof raw === 'string' ? (JSON.parse(raw) as object) : ((raw ?? {}) as object);
  return { ...(row as unknown as InvoiceTemplate), show_fields: { ...DEFAULT_SHOW_FIELDS, ...parsed } };
}

/** The latest version of every template, active first. */
export async function listInvoiceTemplates(sql: Sql): Promise<InvoiceTemplate[]> {
  const rows = await sql.all(`${LATEST_TEMPLATES} ORDER BY t.status, t.created_at, t.id`);
  return rows.map(templateFromRow);
}

/** One template: a given version, or its latest. */
export async function getInvoiceTemplate(sql: Sql, id: string, version?: number): Promise<InvoiceTemplate> {
  const row =
    version === undefined ? await sql.one(LATEST_TEMPLATE, { id }) : await sql.one(TEMPLATE_VERSION, { id, version });
  if (row === undefined) throw notFound('invoice_template', version === undefined ? id : `${id} v${version}`);
  return templateFromRow(row);
}

/**
 * The template a document uses at finalisation: the one it names when active, else the default (the newest
 * active template marked default, else the built-in `tmpl_default`).
 */
export async function resolveTemplate(sql: Sql, id: string | null): Promise<InvoiceTemplate> {
  if (id !== null) {
    const named = await sql.one(LATEST_TEMPLATE, { id });
    if (named !== undefined && named['status'] === 'active') return templateFromRow(named);
  }
  const fallback = (await sql.one(DEFAULT_TEMPLATE)) ?? (await sql.one(LATEST_TEMPLATE, { id: DEFAULT_TEMPLATE_ID }));
  if (fallback === undefined) throw notFound('invoice_template', DEFAULT_TEMPLATE_ID);
  return templateFromRow(fallback);
}
