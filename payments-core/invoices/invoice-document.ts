import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { getInvoiceTemplate } from '../invoice-templates/find-templates.js';
import type { InvoiceTemplate } from '../invoice-templates/types.js';
import { type BillingAddress, formatBillingAddress } from '../schools/billing-address.js';
import { INDIAN_STATES } from '../schools/state-codes.js';
import type { PdfDocumentData } from './render-invoice-pdf.js';
import type { DocumentType, SupplyType, TaxCategory } from './types.js';

/** What finalisation freezes into `invoices.snapshot`: the parties as printed. */
export interface DocumentSnapshot {
  readonly supplier: { gstin: string; legal_name: string; address: string; state_code: string; email: string | null };
  /** The billing addresses were added to snapshots with migration 023; older snapshots have none. */
  readonly customer: { name: string; email: string | null; billing_address?: BillingAddress | null };
  readonly school: { name: string; city: string; billing_address?: BillingAddress | null } | null;
  readonly original: { number: string; issued_at: string } | null;
}

const STATE_BY_GST_CODE = new Map(Object.values(INDIAN_STATES).map((s) => [s.gstCode, s.name]));
export const stateName = (gstCode: string): string => STATE_BY_GST_CODE.get(gstCode) ?? `State ${gstCode}`;

const DOC = `
SELECT id, kind, document_type, status, number, supply_type, supplier_state_code, place_of_supply, customer_gstin,
  taxable_minor, exempt_minor, cgst_minor, sgst_minor, igst_minor, round_off_minor, total_minor, memo, reason,
  template_id, template_version, snapshot, due_at, finalized_at, fiscal_year, pdf_key, irn, irn_ack_no, irn_ack_at,
  irn_signed_qr
FROM invoices WHERE id = ANY($ids::text[])`;
const LINES = `
SELECT invoice_id, line_no, description, quantity, unit_amount_minor, amount_minor, tax_category, gst_rate_bp, hsn_sac,
  uqc, cgst_minor, sgst_minor, igst_minor, period_start, period_end
FROM invoice_lines WHERE invoice_id = ANY($ids::text[]) ORDER BY invoice_id, line_no`;

export interface FinalDocument {
  readonly id: string;
  readonly kind: 'invoice' | 'credit_note';
  readonly fiscalYear: string;
  readonly pdfKey: string | null;
  readonly data: PdfDocumentData;
  readonly template: InvoiceTemplate;
}

/** A finalised document with its frozen snapshot and template version, ready to render. */
export async function loadFinalDocument(sql: Sql, id: string): Promise<FinalDocument> {
  const [doc] = await loadFinalDocuments(sql, [id]);
  if (doc === undefined) throw notFound('invoice', id);
  return doc;
}

/** Many finalised documents at once (three queries, whatever their number), in the order asked; unknown ids are skipped. */
export async function loadFinalDocuments(sql: Sql, ids: readonly string[]): Promise<FinalDocument[]> {
  if (ids.length === 0) return [];
  const rows = new Map((await sql.all<Record<string, any>>(DOC, { ids })).map((r) => [String(r['id']), r]));
  const linesOf = new Map<string, Record<string, any>[]>();
  for (const l of await sql.all<Record<string, any>>(LINES, { ids })) {
    const k = String(l['invoice_id']);
    const list = linesOf.get(k);
    if (list === undefined) linesOf.set(k, [l]);
    else list.push(l);
  }
  const templates = new Map<string, InvoiceTemplate>();
  const out: FinalDocument[] = [];
  for (const id of ids) {
    const row = rows.get(id);
    if (row === undefined) continue;
    const key = `${row['template_id']}@${row['template_version']}`;
    let template = templates.get(key);
    if (template === undefined) {
      template = await getInvoiceTemplate(sql, String(row['template_id']), Number(row['template_version']));
      templates.set(key, template);
    }
    out.push(documentOf(row, linesOf.get(id) ?? [], template));
  }
  return out;
}

function documentOf(row: Record<string, any>, lines: Record<string, any>[], template: InvoiceTemplate): FinalDocument {
  const id = String(row['id']);
  if (row['status'] === 'draft' || row['snapshot'] === null) {
    throw new Error(`invoice ${id} is a draft: only finalised documents render`);
  }
  const snapshot = JSON.parse(String(row['snapshot'])) as DocumentSnapshot;
  const data: PdfDocumentData = {
    documentType: row['document_type'] as DocumentType,
    number: String(row['number']),
    issuedAt: row['finalized_at'] as Date,
    dueAt: (row['due_at'] as Date | null) ?? null,
    supplier: {
      gstin: snapshot.supplier.gstin,
      legalName: snapshot.supplier.legal_name,
      address: snapshot.supplier.address,
      stateCode: snapshot.supplier.state_code,
      stateName: stateName(snapshot.supplier.state_code),
      email: snapshot.supplier.email,
    },
    customer: {
      name: snapshot.customer.name,
      email: snapshot.customer.email,
      address:
        snapshot.customer.billing_address === undefined || snapshot.customer.billing_address === null
          ? null
          : formatBillingAddress(snapshot.customer.billing_address, stateName),
      gstin: (row['customer_gstin'] as string | null) ?? null,
      stateCode: String(row['place_of_supply']),
      stateName: stateName(String(row['place_of_supply'])),
    },
    school:
      snapshot.school === null
        ? null
        : {
            name: snapshot.school.name,
            city: snapshot.school.city,
            address:
              snapshot.school.billing_address === undefined || snapshot.school.billing_address === null
                ? null
                : formatBillingAddress(snapshot.school.billing_address, stateName),
          },
    supplyType: row['supply_type'] as SupplyType,
    lines: lines.map((l) => ({
      lineNo: l['line_no'],
      description: l['description'],
      quantity: l['quantity'],
      unitAmountMinor: l['unit_amount_minor'],
      amountMinor: l['amount_minor'],
      taxCategory: l['tax_category'] as TaxCategory,
      gstRateBp: l['gst_rate_bp'] ?? null,
      hsnSac: l['hsn_sac'],
      uqc: l['uqc'],
      cgstMinor: l['cgst_minor'],
      sgstMinor: l['sgst_minor'],
      igstMinor: l['igst_minor'],
      periodStart: l['period_start'] ?? null,
      periodEnd: l['period_end'] ?? null,
    })),
    totals: {
      taxableMinor: row['taxable_minor'],
      exemptMinor: row['exempt_minor'],
      cgstMinor: row['cgst_minor'],
      sgstMinor: row['sgst_minor'],
      igstMinor: row['igst_minor'],
      roundOffMinor: row['round_off_minor'],
      totalMinor: row['total_minor'],
    },
    original:
      snapshot.original === null
        ? null
        : { number: snapshot.original.number, issuedAt: new Date(snapshot.original.issued_at) },
    reason: row['reason'] ?? null,
    memo: row['memo'] ?? null,
    voided: row['status'] === 'void',
    eInvoice:
      row['irn'] === null || row['irn'] === undefined
        ? null
        : {
            irn: String(row['irn']),
            ackNo: String(row['irn_ack_no']),
            ackAt: new Date(row['irn_ack_at']),
            signedQr: String(row['irn_signed_qr']),
          },
  };
  return {
    id,
    kind: row['kind'],
    fiscalYear: String(row['fiscal_year']),
    pdfKey: row['pdf_key'] ?? null,
    data,
    template,
  };
}
