import { conflict, notFound } from '../../platform/errors.js';
import { checkIfMatch } from '../../platform/etag.js';
import { cancelEmailsOf } from '../mailer/cancel-emails.js';
import type { InvoiceDeps } from './finalize-invoice.js';
import { getInvoice } from './find-invoices.js';
import { storeInvoicePdf } from './publish-invoice.js';
import type { Invoice, InvoiceStatus } from './types.js';

const VOIDABLE: readonly InvoiceStatus[] = ['draft', 'finalized', 'uncollectible'];
const UNCOLLECTIBLE_FROM: readonly InvoiceStatus[] = ['finalized', 'partially_paid'];

/**
 * Voids a draft, or a finalised invoice with no payment and no credit note (it keeps its number: numbers never go
 * back). Money already received is returned with a credit note instead; once a credit note exists the invoice
 * stands. Its unsent emails are withdrawn in the same transaction, and its stored PDF is re-rendered with the
 * VOID mark. With `ifMatch` (an ETag from a read), an invoice changed since is refused with 412.
 */
export async function voidInvoice(deps: InvoiceDeps, id: string, ifMatch?: string | undefined): Promise<Invoice> {
  const voided = await move(deps, id, 'void', VOIDABLE, 'voided_at', ifMatch);
  if (voided.number !== null && deps.objects !== undefined) {
    try {
      await storeInvoicePdf({ db: deps.db, objects: deps.objects }, id);
    } catch (err) {
      // The document is void either way, and GET /v1/invoices/:id/pdf renders a void document afresh.
      deps.log?.error({ err, invoice_id: id }, 'voided invoice PDF not re-rendered');
    }
  }
  return voided;
}

/** Marks a finalised, unpaid or partly paid invoice uncollectible; a late payment still moves it to paid. */
export async function markInvoiceUncollectible(
  deps: InvoiceDeps,
  id: string,
  ifMatch?: string | undefined,
): Promise<Invoice> {
  return move(deps, id, 'uncollectible', UNCOLLECTIBLE_FROM, 'uncollectible_at', ifMatch);
}

async function move(
  deps: InvoiceDeps,
  id: string,
  to: InvoiceStatus,
  from: readonly InvoiceStatus[],
  stamp: 'voided_at' | 'uncollectible_at',
  ifMatch: string | undefined,
): Promise<Invoice> {
  const row = await deps.db.one<{
    kind: string;
    status: InvoiceStatus;
    amount_paid_minor: number;
    amount_credited_minor: number;
  }>('SELECT kind, status, amount_paid_minor, amount_credited_minor FROM invoices WHERE id = $id', { id });
  if (row === undefined || row.kind !== 'invoice') throw notFound('invoice', id);
  if (to === 'void' && row.amount_paid_minor > 0) {
    throw conflict('invoice_has_payments', 'an invoice with payments cannot be voided: issue a credit note');
  }
  if (to === 'void' && row.amount_credited_minor > 0) {
    throw conflict(
      'invoice_has_credit_notes',
      'an invoice with a credit note cannot be voided: credit the rest of it with another credit note',
    );
  }
  if (!from.includes(row.status)) {
    throw conflict('invalid_invoice_transition', `an invoice that is ${row.status} cannot become ${to}`, {
      invoice_status: row.status,
    });
  }
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    if (ifMatch !== undefined) {
      // With If-Match (an ETag from a read) the invoice must still be that one: checked under the row's lock.
      await tx.one('SELECT id FROM invoices WHERE id = $id FOR UPDATE', { id });
      checkIfMatch(ifMatch, await getInvoice(tx, id), 'invoice', id);
    }
    // Guarded on status, and for a void on nothing paid or credited: a payment or credit note that commits first wins.
    const changed = await tx.run(
      `UPDATE invoices SET status = $to, ${stamp} = $at, updated_at = $at
       WHERE id = $id AND status = $from
         AND ($to::text <> 'void' OR (amount_paid_minor = 0 AND amount_credited_minor = 0))`,
      { id, to, from: row.status, at },
    );
    if (changed === 0) throw conflict('invalid_invoice_transition', `invoice ${id} changed meanwhile`);
    if (to === 'void') await cancelEmailsOf(tx, { refType: 'invoice', refId: id }, at);
  });
  return getInvoice(deps.db, id);
}
