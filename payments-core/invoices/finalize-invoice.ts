import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import { checkIfMatch } from '../../platform/etag.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import { finalizeDrafts } from './finalize-drafts.js';
import { getInvoice } from './find-invoices.js';
import { assertNoProblems, dueDateProblem, totalProblem } from './invoice-rules.js';
import { publishInvoice } from './publish-invoice.js';
import type { Invoice } from './types.js';

export interface InvoiceDeps {
  readonly db: Db;
  readonly clock: Clock;
  /** Where PDFs go; without one, finalisation still numbers the document and the PDF is rendered on first request. */
  readonly objects?: ObjectStore | undefined;
  readonly log?: Log | undefined;
  readonly settings?: { readonly dueDays?: number; readonly finalizeDelayMinutes?: number } | undefined;
}

/**
 * Finalises one draft: number assigned in the same transaction as the status change, then PDF and email. With
 * `ifMatch` (an ETag from a read), a draft changed since is refused with 412.
 */
export async function finalizeInvoice(deps: InvoiceDeps, id: string, ifMatch?: string | undefined): Promise<Invoice> {
  const current = await deps.db.one<{
    status: string;
    kind: string;
    total_minor: number;
    due_at: Date | null;
    customer_gstin: string | null;
    has_address: boolean;
  }>(
    `SELECT i.status, i.kind, i.total_minor, i.due_at, i.customer_gstin, a.customer_id IS NOT NULL AS has_address
     FROM invoices i LEFT JOIN customer_billing_addresses a ON a.customer_id = i.customer_id WHERE i.id = $id`,
    { id },
  );
  if (current === undefined) throw notFound('invoice', id);
  if (current.status !== 'draft') {
    throw conflict('invoice_not_draft', `invoice ${id} is ${current.status}: only a draft can be finalised`);
  }
  const at = deps.clock.now();
  assertNoProblems(
    current.kind === 'invoice' ? totalProblem(current.total_minor) : null,
    dueDateProblem(current.due_at, at),
    // Rule 46(e): a registered recipient's invoice carries its address.
    current.customer_gstin !== null && !current.has_address
      ? {
          field: '/customer/billing_address',
          code: 'billing_address_required',
          message: 'the customer has a GSTIN on this invoice but no billing address: set one (PATCH /v1/customers/:id)',
        }
      : null,
  );
  const done = await deps.db.transaction(async (tx) => {
    if (ifMatch !== undefined) {
      // Under the row's lock, so no edit lands between the check and the numbering.
      await tx.one('SELECT id FROM invoices WHERE id = $id FOR UPDATE', { id });
      checkIfMatch(ifMatch, await getInvoice(tx, id), 'invoice', id);
    }
    return finalizeDrafts(tx, [id], at, deps.settings?.dueDays === undefined ? {} : { dueDays: deps.settings.dueDays });
  });
  if (done.length === 0)
    throw conflict('invoice_not_draft', `invoice ${id} was finalised, voided or changed meanwhile`);
  await publishQuietly(deps, id);
  return getInvoice(deps.db, id);
}

/** Stores the PDF and queues the email; a failure here is logged and retried by the hourly job, never undone. */
export async function publishQuietly(deps: InvoiceDeps, id: string): Promise<boolean> {
  if (deps.objects === undefined) return false;
  try {
    await publishInvoice({ db: deps.db, objects: deps.objects, clock: deps.clock }, id);
    return true;
  } catch (err) {
    deps.log?.error({ err, invoice_id: id }, 'invoice PDF or email failed; the finalize-invoices job retries it');
    return false;
  }
}
