import type { Sql } from '../../platform/db.js';
import { DAY_MS } from '../../platform/ist.js';
import { resolveTemplate } from '../invoice-templates/find-templates.js';
import type { BillingAddress } from '../schools/billing-address.js';
import type { DocumentSnapshot } from './invoice-document.js';
import { assignNumbers } from './numbering.js';
import { fromEpochMs, SUPPLIER } from './repository.js';
import type { DocumentType } from './types.js';

/** Days from finalisation to the due date of a document that has none (`KOSH_INVOICE_DUE_DAYS`). */
export const DEFAULT_DUE_DAYS = 15;

/**
 * The drafts to finalise, locked in creation order until the transaction ends: a concurrent finalisation of the
 * same draft waits here, then finds it no longer a draft and skips it (READ COMMITTED re-checks the row).
 */
const DRAFTS = `
SELECT i.id, i.document_type, i.template_id, i.total_minor, i.amount_paid_minor, i.amount_credited_minor,
  c.name AS customer_name, c.email AS customer_email, s.name AS school_name, s.city AS school_city,
  ca.line1 AS c_line1, ca.line2 AS c_line2, ca.city AS c_city, ca.state_code AS c_state, ca.postal_code AS c_postal,
  sa.line1 AS s_line1, sa.line2 AS s_line2, sa.city AS s_city, sa.state_code AS s_state, sa.postal_code AS s_postal,
  o.number AS original_number, o.finalized_at AS original_at,
  (SELECT max(p.paid_at) FROM invoice_payments p WHERE p.invoice_id = i.id) AS last_paid_at
FROM invoices i
LEFT JOIN customers c ON c.id = i.customer_id
LEFT JOIN schools s ON s.id = i.school_id
LEFT JOIN invoices o ON o.id = i.original_invoice_id
LEFT JOIN customer_billing_addresses ca ON ca.customer_id = i.customer_id
LEFT JOIN school_billing_addresses sa ON sa.school_id = i.school_id
WHERE i.id = ANY($ids::text[]) AND i.status = 'draft'
  AND (i.kind = 'credit_note' OR i.total_minor > 0)
  AND (i.customer_gstin IS NULL OR ca.customer_id IS NOT NULL)
ORDER BY i.created_at, i.id
FOR UPDATE OF i`;

const FINALIZE = `
UPDATE invoices SET
  status = r.status, number = r.number, series = r.series, fiscal_year = r.fy, snapshot = r.snapshot,
  template_id = r.template_id, template_version = r.template_version, finalized_at = $at,
  due_at = CASE WHEN invoices.due_at IS NULL THEN $due_at::timestamptz ELSE greatest(invoices.due_at, $at) END,
  paid_at = CASE WHEN r.status = 'paid' THEN ${fromEpochMs('r.paid_ms')} END,
  updated_at = $at
FROM json_to_recordset($rows::json) AS r(id VARCHAR, status VARCHAR, number VARCHAR, series VARCHAR, fy VARCHAR,
  snapshot JSON, template_id VARCHAR, template_version INTEGER, paid_ms BIGINT)
WHERE invoices.id = r.id AND invoices.status = 'draft'`;

/**
 * Finalises the drafts among `ids`, set-wise inside the caller's transaction: numbers in creation order (one
 * counter read per series), the parties and template version frozen, payments already recorded applied to the
 * status. Returns the ids finalised, in numbering order; ids that are not drafts are skipped, and so are invoices
 * with a total of zero or less (they take no number: finalizeInvoice refuses them with a 422), and so are invoices
 * to a GSTIN whose customer has no billing address (rule 46(e)). A due date before the issue instant becomes the
 * issue instant (a billing draft is due when created and finalised an hour later).
 */
export async function finalizeDrafts(
  tx: Sql,
  ids: readonly string[],
  at: Date,
  options: { dueDays?: number } = {},
): Promise<string[]> {
  if (ids.length === 0) return [];
  const drafts = await tx.all<Record<string, any>>(DRAFTS, { ids });
  if (drafts.length === 0) return [];
  const supplier = await tx.one<DocumentSnapshot['supplier']>(SUPPLIER);
  if (supplier === undefined) throw new Error('invoice_supplier has no row');
  const templates = new Map<string, Awaited<ReturnType<typeof resolveTemplate>>>();
  for (const d of drafts) {
    const key = String(d['template_id'] ?? '');
    if (!templates.has(key)) templates.set(key, await resolveTemplate(tx, d['template_id'] ?? null));
  }
  const numbers = await assignNumbers(
    tx,
    drafts.map((d) => ({ id: String(d['id']), documentType: d['document_type'] as DocumentType })),
    at,
  );
  const rows = drafts.map((d, i) => {
    const n = numbers[i];
    const template = templates.get(String(d['template_id'] ?? ''));
    if (n === undefined || template === undefined) throw new Error('numbering lost a draft');
    const snapshot: DocumentSnapshot = {
      supplier: {
        gstin: supplier.gstin,
        legal_name: supplier.legal_name,
        address: supplier.address,
        state_code: supplier.state_code,
        email: supplier.email ?? null,
      },
      customer: {
        name: d['customer_name'] ?? 'Customer',
        email: d['customer_email'] ?? null,
        billing_address: addressOf(d, 'c_'),
      },
      school:
        d['school_name'] === null
          ? null
          : { name: d['school_name'], city: d['school_city'], billing_address: addressOf(d, 's_') },
      original:
        d['original_number'] === null
          ? null
          : { number: d['original_number'], issued_at: (d['original_at'] as Date).toISOString() },
    };
    const settled = d['amount_paid_minor'] + d['amount_credited_minor'];
    const status =
      d['document_type'] === 'credit_note'
        ? 'finalized'
        : settled >= d['total_minor']
          ? 'paid'
          : d['amount_paid_minor'] > 0
            ? 'partially_paid'
            : 'finalized';
    return {
      id: d['id'],
      status,
      number: n.number,
      series: n.series,
      fy: n.fiscalYear,
      snapshot,
      template_id: template.id,
      template_version: template.version,
      paid_ms: ((d['last_paid_at'] as Date | null) ?? at).getTime(),
    };
  });
  await tx.run(FINALIZE, {
    rows: JSON.stringify(rows),
    at,
    due_at: new Date(at.getTime() + (options.dueDays ?? DEFAULT_DUE_DAYS) * DAY_MS),
  });
  return numbers.map((n) => n.invoiceId);
}

/** The address joined in with column prefix `c_` or `s_`, as frozen in the snapshot. */
function addressOf(d: Record<string, any>, prefix: 'c_' | 's_'): BillingAddress | null {
  if (d[`${prefix}line1`] === null || d[`${prefix}line1`] === undefined) return null;
  return {
    line1: d[`${prefix}line1`],
    line2: d[`${prefix}line2`] ?? null,
    city: d[`${prefix}city`],
    state_code: d[`${prefix}state`],
    postal_code: d[`${prefix}postal`],
  };
}
