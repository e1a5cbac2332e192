import type { Sql } from '../../platform/db.js';
import { computeLines } from '../invoices/draft-lines.js';
import { documentTotals } from '../invoices/gst.js';
import { stateName } from '../invoices/invoice-document.js';
import { type PdfDocumentData, renderInvoicePdf } from '../invoices/render-invoice-pdf.js';
import { SUPPLIER } from '../invoices/repository.js';
import { getInvoiceTemplate } from './find-templates.js';
import type { InvoiceTemplate } from './types.js';

const SAMPLE_AT = new Date('2026-05-01T04:30:00Z'); // 1 May 2026, 10:00 IST

/** Sample data for a preview: the configured supplier, a fictitious family, one exempt and one taxable line. */
export function sampleDocument(supplier: {
  gstin: string;
  legal_name: string;
  address: string;
  state_code: string;
  email: string | null;
}): PdfDocumentData {
  const lines = computeLines(
    [
      {
        description: 'School lunch plan (monthly), 2 children',
        quantity: 2,
        unitAmountMinor: 180_000,
        amountMinor: 360_000,
        taxCategory: 'gst_exempt_school_meals',
        gstRateBp: null,
        periodStart: new Date('2026-04-30T18:30:00Z'),
        periodEnd: new Date('2026-05-31T18:30:00Z'),
      },
      {
        description: 'Weekend snack box (taxable)',
        quantity: 4,
        unitAmountMinor: 12_375,
        amountMinor: 49_500,
        taxCategory: 'gst',
        gstRateBp: 500,
      },
    ],
    'intra',
  );
  return {
    documentType: 'invoice_cum_bill_of_supply',
    number: 'INV/26-27/000123',
    issuedAt: SAMPLE_AT,
    dueAt: new Date(SAMPLE_AT.getTime() + 15 * 86_400_000),
    supplier: {
      gstin: supplier.gstin,
      legalName: supplier.legal_name,
      address: supplier.address,
      stateCode: supplier.state_code,
      stateName: stateName(supplier.state_code),
      email: supplier.email,
    },
    customer: {
      name: 'Priya Sharma',
      email: 'priya.sharma@example.com',
      gstin: null,
      stateCode: supplier.state_code,
      stateName: stateName(supplier.state_code),
    },
    school: { name: 'Sunrise Public School', city: 'Bengaluru' },
    supplyType: 'intra',
    lines,
    totals: documentTotals(lines),
    original: null,
    reason: null,
    memo: null,
    preview: true,
  };
}

/** Renders a template (a given version, or the latest) with sample data. */
export async function previewInvoiceTemplate(sql: Sql, id: string, version?: number): Promise<Buffer> {
  const template: InvoiceTemplate = await getInvoiceTemplate(sql, id, version);
  const supplier = await sql.one<Parameters<typeof sampleDocument>[0]>(SUPPLIER);
  if (supplier === undefined) throw new Error('invoice_supplier has no row');
  return renderInvoicePdf(sampleDocument(supplier), template);
}
