import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import type { ObjectStore } from '../../platform/objects.js';
import { enqueueEmail } from '../mailer/enqueue-email.js';
import { formatIndianAmount } from './gst.js';
import { type FinalDocument, loadFinalDocuments } from './invoice-document.js';
import { DOCUMENT_TITLES, renderInvoicePdf } from './render-invoice-pdf.js';

/** Where a finalised document's PDF lives in the `invoices` bucket. */
export const pdfKeyOf = (fiscalYear: string, id: string): string => `fy=${fiscalYear}/${id}.pdf`;

/** Renders a finalised document (deterministically, from its snapshot and template version) and stores it. */
export async function storeInvoicePdf(
  deps: { db: Db; objects: ObjectStore },
  id: string,
): Promise<{ key: string; bytes: Buffer; sha256: string }> {
  const [stored] = await storeInvoicePdfs(deps, [id]);
  if (stored === undefined) throw notFound('invoice', id);
  return stored;
}

const SET_PDF_KEYS = `
UPDATE invoices SET pdf_key = r.key, pdf_sha256 = r.sha
FROM json_to_recordset($rows::json) AS r(id VARCHAR, key VARCHAR, sha VARCHAR)
WHERE invoices.id = r.id`;

/** The same for many: documents loaded in three queries, each rendered and stored, keys recorded in one UPDATE. */
export async function storeInvoicePdfs(
  deps: { db: Db; objects: ObjectStore },
  ids: readonly string[],
): Promise<{ id: string; key: string; bytes: Buffer; sha256: string; doc: FinalDocument }[]> {
  const docs = await loadFinalDocuments(deps.db, ids);
  const out: { id: string; key: string; bytes: Buffer; sha256: string; doc: FinalDocument }[] = [];
  for (const doc of docs) {
    const bytes = await renderInvoicePdf(doc.data, doc.template);
    const key = pdfKeyOf(doc.fiscalYear, doc.id);
    await deps.objects.put('invoices', key, bytes, 'application/pdf');
    out.push({ id: doc.id, key, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), doc });
  }
  const changed = out.filter((o) => o.doc.pdfKey !== o.key);
  if (changed.length > 0) {
    await deps.db.run(SET_PDF_KEYS, {
      rows: JSON.stringify(changed.map((o) => ({ id: o.id, key: o.key, sha: o.sha256 }))),
    });
  }
  return out;
}

/**
 * Who gets each document; a voided one is never mailed. Share-locked until the emails are queued: a concurrent
 * void waits, then withdraws them (cancelEmailsOf), or commits first and its document is left out here.
 */
const RECIPIENTS = `
SELECT i.id, i.kind, i.source, i.customer_id, c.email, i.total_minor
FROM invoices i LEFT JOIN customers c ON c.id = i.customer_id
WHERE i.id = ANY($ids::text[]) AND i.status <> 'void'
ORDER BY i.id
FOR SHARE OF i`;

/**
 * After finalisation commits: store the PDFs, then queue the emails that carry them (dedupe key `invoice:<id>`,
 * so a rerun never mails twice), all emails of the batch in one transaction. A crash between the two is
 * repaired by the hourly job.
 */
export async function publishInvoices(
  deps: { db: Db; objects: ObjectStore; clock: Clock },
  ids: readonly string[],
): Promise<number> {
  const stored = await storeInvoicePdfs(deps, ids);
  await deps.db.transaction(async (tx) => {
    const recipients = new Map(
      (
        await tx.all<{
          id: string;
          kind: string;
          source: string;
          customer_id: string;
          email: string | null;
          total_minor: number;
        }>(RECIPIENTS, { ids: stored.map((s) => s.id) })
      ).map((r) => [r.id, r]),
    );
    for (const { id, key, doc } of stored) {
      const row = recipients.get(id);
      if (row === undefined || row.email === null) continue;
      const title = DOCUMENT_TITLES[doc.data.documentType];
      const kind =
        row.kind === 'credit_note' ? 'credit_note' : row.source === 'monthly_statement' ? 'statement' : 'invoice';
      const label = kind === 'statement' ? 'Monthly statement' : title.charAt(0) + title.slice(1).toLowerCase();
      await enqueueEmail(
        tx,
        {
          kind,
          dedupeKey: `invoice:${id}`,
          to: row.email,
          subject: `${label} ${doc.data.number} from ${doc.data.supplier.legalName}`,
          text: [
            `Dear ${doc.data.customer.name},`,
            '',
            `Please find attached ${title.toLowerCase()} ${doc.data.number} for INR ${formatIndianAmount(row.total_minor)}.`,
            '',
            doc.data.supplier.legalName,
          ].join('\n'),
          customerId: row.customer_id,
          refType: 'invoice',
          refId: id,
          attachments: [
            {
              filename: `${doc.data.number.replace(/\//g, '-')}.pdf`,
              contentType: 'application/pdf',
              bucket: 'invoices',
              key,
            },
          ],
        },
        deps.clock,
      );
    }
  });
  return stored.length;
}

/** One document: see publishInvoices. */
export async function publishInvoice(deps: { db: Db; objects: ObjectStore; clock: Clock }, id: string): Promise<void> {
  await publishInvoices(deps, [id]);
}
