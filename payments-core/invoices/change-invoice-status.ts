import { conflict, notFound } from '../../platform/errors.js';
import type { InvoiceDeps } from './finalize-invoice.js';
import { getInvoice } from './find-invoices.js';
import type { Invoice, InvoiceStatus } from './types.js';

const VOIDABLE: readonly InvoiceStatus[] = ['draft', 'finalized', 'uncollectible'];
const UNCOLLECTIBLE_FROM: readonly InvoiceStatus[] = ['finalized', 'partially_paid'];

/**
 * Voids a draft, or a finalised invoice with no payment applied (it keeps its number: numbers never go back).
 * Money already received is returned with a credit note instead.
 */
export async function voidInvoice(deps: InvoiceDeps, id: string): Promise<Invoice> {
  return move(deps, id, 'void', VOIDABLE, 'voided_at');
}

/** Marks a finalised, unpaid or partly paid invoice uncollectible; a late payment still moves it to paid. */
export async function markInvoiceUncollectible(deps: InvoiceDeps, id: string): Promise<Invoice> {
  return move(deps, id, 'uncollectible', UNCOLLECTIBLE_FROM, 'uncollectible_at');
}

async function move(
  deps: InvoiceDeps,
  id: string,
  to: InvoiceStatus,
  from: readonly InvoiceStatus[],
  stamp: 'voided_at' | 'uncollectible_at',
): Promise<Invoice> {
  const row = await deps.db.one<{ kind: string; status: InvoiceStatus; amount_paid_minor: number }>(
    'SELECT kind, status, amount_paid_minor FROM invoices WHERE id = $id',
    { id },
  );
  if (row === undefined || row.kind !== 'invoice') throw notFound('invoice', id);
  if (to === 'void' && row.amount_paid_minor > 0) {
    throw conflict('invoice_has_payments', 'an invoice with payments cannot be voided: issue a credit note');
  }
  if (!from.includes(row.status)) {
    throw conflict('invalid_invoice_transition', `an invoice that is ${row.status} cannot become ${to}`, {
      invoice_status: row.status,
    });
  }
  const changed = await deps.db.run(
    `UPDATE invoices SET status = $to, ${stamp} = $at, updated_at = $at WHERE id = $id AND status = $from`,
    { id, to, from: row.status, at: deps.clock.now() },
  );
  if (changed === 0) throw conflict('invalid_invoice_transition', `invoice ${id} changed meanwhile`);
  return getInvoice(deps.db, id);
}
