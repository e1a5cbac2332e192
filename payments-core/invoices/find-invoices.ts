import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { listPage, type Page, type PageQuery } from '../../platform/pagination.js';
import { INVOICE_BY_ID, INVOICE_COLUMNS, LINES_OF } from './repository.js';
import type { Invoice, InvoiceLineView, InvoiceStatus } from './types.js';

/** One invoice or credit note with its lines. */
export async function getInvoice(sql: Sql, id: string): Promise<Invoice> {
  const row = await sql.one<Omit<Invoice, 'lines'>>(INVOICE_BY_ID, { id });
  if (row === undefined) throw notFound('invoice', id);
  const lines = await sql.all<InvoiceLineView>(LINES_OF, { id });
  return { ...row, lines };
}

export interface InvoiceFilter extends PageQuery {
  readonly customer_id?: string | undefined;
  readonly school_id?: string | undefined;
  readonly status?: InvoiceStatus | undefined;
  readonly kind?: 'invoice' | 'credit_note' | undefined;
}

/** Invoices newest first, filtered by customer, school, status and kind; lines are left to `getInvoice`. */
export async function listInvoices(sql: Sql, filter: InvoiceFilter): Promise<Page<Invoice>> {
  const page = await listPage<Omit<Invoice, 'lines'>>(
    sql,
    {
      select: `${INVOICE_COLUMNS} {where}`,
      table: 'invoices',
      where: `(CAST($customer_id AS VARCHAR) IS NULL OR t.customer_id = $customer_id)
        AND (CAST($school_id AS VARCHAR) IS NULL OR t.school_id = $school_id)
        AND (CAST($status AS VARCHAR) IS NULL OR t.status = $status) AND (CAST($kind AS VARCHAR) IS NULL OR t.kind = $kind)`,
      params: {
        customer_id: filter.customer_id ?? null,
        school_id: filter.school_id ?? null,
        status: filter.status ?? null,
        kind: filter.kind ?? null,
      },
      resource: 'invoice',
    },
    filter,
  );
  return { ...page, data: page.data.map((i) => ({ ...i, lines: [] })) };
}
