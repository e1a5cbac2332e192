import type { Db } from '../../platform/db.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import type { ObjectStore } from '../../platform/objects.js';
import { storeInvoicePdf } from './publish-invoice.js';

/**
 * The stored PDF of a finalised document; rendered and stored on the spot when missing (the render is
 * deterministic, so a late render gives the bytes an earlier one would have).
 */
export async function getInvoicePdf(
  deps: { db: Db; objects?: ObjectStore | undefined },
  id: string,
): Promise<{ filename: string; bytes: Uint8Array }> {
  const row = await deps.db.one<{ status: string; number: string | null; pdf_key: string | null }>(
    'SELECT status, number, pdf_key FROM invoices WHERE id = $id',
    { id },
  );
  if (row === undefined) throw notFound('invoice', id);
  if (row.status === 'draft' || row.number === null) {
    throw conflict('invoice_is_draft', 'a draft has no PDF: finalise it first');
  }
  if (deps.objects === undefined)
    throw new AppError('unavailable', 'object_store_unavailable', 'no object store configured');
  const filename = `${row.number.replace(/\//g, '-')}.pdf`;
  // A void document is rendered afresh: the copy stored at finalisation lacks the VOID mark if the re-render failed.
  const stored = row.pdf_key === null || row.status === 'void' ? null : await deps.objects.get('invoices', row.pdf_key);
  if (stored !== null) return { filename, bytes: stored };
  const rendered = await storeInvoicePdf({ db: deps.db, objects: deps.objects }, id);
  return { filename, bytes: rendered.bytes };
}
