import PDFDocument from 'pdfkit';
import qrcode from 'qrcode-generator';
import { IST_OFFSET_MS } from '../../platform/ist.js';
import { formatRupees } from '../../platform/money.js';
import type { InvoiceTemplate } from '../invoice-templates/types.js';
import type { ComputedLine } from './draft-lines.js';
import { amountInWords } from './gst.js';
import { useScriptFonts } from './pdf-fonts.js';
import type { DocumentType, SupplyType } from './types.js';

/** Everything a document prints, as snapshotted at finalisation (or sample data for a preview). */
export interface PdfDocumentData {
  readonly documentType: DocumentType;
  readonly number: string;
  readonly issuedAt: Date;
  readonly dueAt: Date | null;
  readonly supplier: {
    readonly gstin: string;
    readonly legalName: string;
    readonly address: string;
    readonly stateCode: string;
    readonly stateName: string;
    readonly email: string | null;
  };
  readonly customer: {
    readonly name: string;
    readonly email: string | null;
    /** The billing address as one printable line, or null (older documents, unregistered recipients). */
    readonly address?: string | null;
    readonly gstin: string | null;
    readonly stateCode: string;
    readonly stateName: string;
  };
  readonly school: { readonly name: string; readonly city: string; readonly address?: string | null } | null;
  readonly supplyType: SupplyType;
  readonly lines: readonly ComputedLine[];
  readonly totals: {
    readonly taxableMinor: number;
    readonly exemptMinor: number;
    readonly cgstMinor: number;
    readonly sgstMinor: number;
    readonly igstMinor: number;
    readonly roundOffMinor: number;
    readonly totalMinor: number;
  };
  /** Credit notes: the invoice they adjust (rule 53(1)(g)). */
  readonly original: { readonly number: string; readonly issuedAt: Date } | null;
  readonly reason: string | null;
  readonly memo: string | null;
  readonly preview?: boolean;
  /** A voided document: printed with a large diagonal VOID watermark. */
  readonly voided?: boolean;
  /** A B2B e-invoice registered at an IRP: printed with its IRN, acknowledgement and the signed QR code. */
  readonly eInvoice?: {
    readonly irn: string;
    readonly ackNo: string;
    readonly ackAt: Date;
    readonly signedQr: string;
  } | null;
}

export const DOCUMENT_TITLES: Record<DocumentType, string> = {
  tax_invoice: 'TAX INVOICE',
  bill_of_supply: 'BILL OF SUPPLY',
  invoice_cum_bill_of_supply: 'INVOICE-CUM-BILL OF SUPPLY',
  credit_note: 'CREDIT NOTE',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A calendar date in Asia/Kolkata, written for the template's locale (fixed text, no Intl: bytes must not drift). */
export function formatDate(at: Date, locale: string): string {
  const d = new Date(at.getTime() + IST_OFFSET_MS);
  const day = String(d.getUTCDate()).padStart(2, '0');
  const month = MONTHS[d.getUTCMonth()] ?? '';
  const year = d.getUTCFullYear();
  return locale === 'en-US' ? `${month} ${day}, ${year}` : `${day} ${month} ${year}`;
}

const rate = (bp: number): string => `${Number((bp / 100).toFixed(2))}%`;
const money = formatRupees;

/**
 * Renders a GST document with pdfkit: every field of rule 46 (tax invoice), 49 (bill of supply), 46A
 * (invoice-cum-bill of supply) or 53 (credit note). Deterministic: the creation date is the issue date and
 * pdfkit derives the file ID from it, so the same data and template give the same bytes every time.
 */
export function renderInvoicePdf(data: PdfDocumentData, template: InvoiceTemplate): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    bufferPages: data.voided === true,
    margin: 40,
    compress: true,
    info: {
      Title: `${DOCUMENT_TITLES[data.documentType]} ${data.number}`,
      Author: data.supplier.legalName,
      Producer: 'kosh',
      Creator: `kosh template ${template.id} v${template.version}`,
      CreationDate: data.issuedAt,
      ModDate: data.issuedAt,
    },
  });
  useScriptFonts(doc);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  layout(doc, data, template);
  if (data.voided === true) watermarkVoid(doc);
  doc.end();
  return done;
}

/** A large diagonal VOID across every page, drawn over the content in translucent red. */
function watermarkVoid(doc: PDFKit.PDFDocument): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const { width, height } = doc.page;
    doc.save();
    doc.rotate(-40, { origin: [width / 2, height / 2] });
    doc.font('Helvetica-Bold').fontSize(170).fillColor('#C62828').fillOpacity(0.22);
    doc.text('VOID', 0, height / 2 - 85, { width, align: 'center', lineBreak: false });
    doc.restore();
  }
}

function layout(doc: PDFKit.PDFDocument, data: PdfDocumentData, t: InvoiceTemplate): void {
  const left = 40;
  const width = 515;
  const right = left + width;
  const primary = t.primary_color;
  const accent = t.accent_color;
  const show = t.show_fields;
  const date = (d: Date) => formatDate(d, t.locale);

  // Header band: logo, supplier, document title.
  let y = 40;
  let textLeft = left;
  if (t.logo_base64 !== null) {
    try {
      doc.image(Buffer.from(t.logo_base64, 'base64'), left, y, { fit: [60, 60] });
      textLeft = left + 70;
    } catch {
      // an unreadable logo is left out rather than failing the document
    }
  }
  // The supplier block ends where the 240-point title column begins, whether or not a logo sits before it.
  const supplierWidth = right - 250 - textLeft;
  doc
    .fillColor(primary)
    .font('Helvetica-Bold')
    .fontSize(14)
    .text(data.supplier.legalName, textLeft, y, { width: supplierWidth });
  doc.fillColor('#000000').font('Helvetica').fontSize(8.5);
  doc.text(data.supplier.address, textLeft, doc.y + 2, { width: supplierWidth });
  doc.text(`GSTIN: ${data.supplier.gstin}`, textLeft, doc.y + 2, { width: supplierWidth });
  doc.text(`State: ${data.supplier.stateName} (code ${data.supplier.stateCode})`, textLeft, doc.y + 1, {
    width: supplierWidth,
  });
  if (data.supplier.email !== null) doc.text(data.supplier.email, textLeft, doc.y + 1, { width: supplierWidth });
  const headerBottom = Math.max(doc.y, y + 60);

  doc.fillColor(primary).font('Helvetica-Bold').fontSize(14);
  doc.text(DOCUMENT_TITLES[data.documentType], right - 240, y, { width: 240, align: 'right' });
  if (data.documentType === 'tax_invoice' || data.documentType === 'invoice_cum_bill_of_supply') {
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor('#444444')
      .text('Original for recipient', right - 220, doc.y, { width: 220, align: 'right' });
  }
  if (data.documentType === 'bill_of_supply') {
    doc.font('Helvetica').fontSize(8).fillColor('#444444');
    doc.text('Exempt supply: no GST charged', right - 220, doc.y, { width: 220, align: 'right' });
  }
  if (data.preview === true) {
    doc
      .font('Helvetica-Bold')
      .fontSize(9)
      .fillColor('#B00020')
      .text('PREVIEW - SAMPLE DATA', right - 220, doc.y + 2, { width: 220, align: 'right' });
  }
  if (data.voided === true) {
    doc
      .font('Helvetica-Bold')
      .fontSize(9)
      .fillColor('#C62828')
      .text('VOID - CANCELLED, NOT PAYABLE', right - 220, doc.y + 2, { width: 220, align: 'right' });
  }
  y = headerBottom + 8;
  if (t.header_text !== null && t.header_text !== '') {
    doc.font('Helvetica-Oblique').fontSize(8.5).fillColor('#333333').text(t.header_text, left, y, { width });
    y = doc.y + 6;
  }
  doc.moveTo(left, y).lineTo(right, y).lineWidth(1).strokeColor(primary).stroke();
  y += 8;

  // Document facts (left) and recipient (right).
  const facts: [string, string][] = [
    [data.documentType === 'credit_note' ? 'Credit note no.' : 'Invoice no.', data.number],
    ['Date of issue', date(data.issuedAt)],
  ];
  if (data.dueAt !== null && data.documentType !== 'credit_note') facts.push(['Due date', date(data.dueAt)]);
  if (data.original !== null) {
    facts.push(['Against invoice', data.original.number]);
    facts.push(['Invoice date', date(data.original.issuedAt)]);
  }
  facts.push(['Place of supply', `${data.customer.stateName} (${data.customer.stateCode})`]);
  facts.push(['Supply', data.supplyType === 'intra' ? 'Intra-state' : 'Inter-state']);
  facts.push(['Reverse charge', 'No']);
  let fy = y;
  for (const [k, v] of facts) {
    doc.font('Helvetica-Bold').fontSize(8.5).fillColor('#000000').text(k, left, fy, { width: 90 });
    doc.font('Helvetica').text(v, left + 92, fy, { width: 160 });
    fy = doc.y + 2;
  }
  const bx = left + 275;
  doc.font('Helvetica-Bold').fontSize(8.5).fillColor(primary).text('Bill to', bx, y, { width: 240 });
  doc
    .fillColor('#000000')
    .font('Helvetica-Bold')
    .text(data.customer.name, bx, doc.y + 1, { width: 240 });
  doc.font('Helvetica');
  if (data.customer.address !== undefined && data.customer.address !== null) {
    doc.text(data.customer.address, bx, doc.y + 1, { width: 240 });
  }
  if (show.customer_email && data.customer.email !== null) doc.text(data.customer.email, bx, doc.y + 1, { width: 240 });
  doc.text(`State: ${data.customer.stateName} (code ${data.customer.stateCode})`, bx, doc.y + 1, { width: 240 });
  doc.text(`GSTIN: ${data.customer.gstin ?? 'Unregistered'}`, bx, doc.y + 1, { width: 240 });
  if (show.school && data.school !== null) {
    const where = data.school.address ?? data.school.city;
    doc.text(`School: ${data.school.name}, ${where}`, bx, doc.y + 1, { width: 240 });
  }
  y = Math.max(fy, doc.y) + 10;
  if (data.eInvoice !== undefined && data.eInvoice !== null) {
    y = drawEInvoice(doc, data.eInvoice, { left, right, y, primary });
  }

  // Lines.
  const intra = data.supplyType === 'intra';
  const cols: { key: string; label: string; w: number; align: 'left' | 'right' | 'center' }[] = [
    { key: 'no', label: '#', w: 16, align: 'left' },
    // Sized for Noto Sans and amounts up to ₹99,99,999.99 on one line.
    { key: 'desc', label: 'Description', w: show.hsn_sac ? 137 : 185, align: 'left' },
    ...(show.hsn_sac ? [{ key: 'hsn', label: 'HSN/SAC', w: 48, align: 'left' as const }] : []),
    { key: 'qty', label: 'Qty', w: 30, align: 'right' },
    { key: 'unit', label: 'Unit price', w: 58, align: 'right' },
    { key: 'taxable', label: 'Taxable value', w: 64, align: 'right' },
    { key: 'rate', label: 'GST rate', w: 42, align: 'right' },
    ...(intra
      ? [
          { key: 'cgst', label: 'CGST', w: 60, align: 'right' as const },
          { key: 'sgst', label: 'SGST', w: 60, align: 'right' as const },
        ]
      : [{ key: 'igst', label: 'IGST', w: 120, align: 'right' as const }]),
  ];
  const drawRow = (cells: Record<string, string>, rowY: number, bold: boolean): number => {
    let x = left;
    let bottom = rowY;
    doc
      .font(bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(7.8)
      .fillColor('#000000');
    for (const c of cols) {
      doc.text(cells[c.key] ?? '', x + 3, rowY + 3, { width: c.w - 6, align: c.align });
      bottom = Math.max(bottom, doc.y);
      x += c.w;
    }
    return bottom + 3;
  };
  doc.rect(left, y, width, 16).fill(accent);
  y = drawRow(Object.fromEntries(cols.map((c) => [c.key, c.label])), y, true);
  for (const l of data.lines) {
    if (y > 700) {
      doc.addPage();
      y = 40;
    }
    let desc = l.description;
    if (show.service_period && l.periodStart !== null && l.periodEnd !== null) {
      desc += `\nPeriod: ${date(l.periodStart)} to ${date(new Date(l.periodEnd.getTime() - 1))}`;
    }
    if (l.taxCategory !== 'gst') desc += '\nExempt: entry 66, Notfn. 12/2017-CT(Rate)';
    const qty = `${Number.isInteger(l.quantity) ? String(l.quantity) : l.quantity.toFixed(3)}\n${l.uqc}`;
    const rowTop = y;
    y = drawRow(
      {
        no: String(l.lineNo),
        desc,
        hsn: l.hsnSac,
        qty,
        unit: money(l.unitAmountMinor),
        taxable: money(l.amountMinor),
        rate: l.taxCategory === 'gst' ? rate(l.gstRateBp ?? 0) : 'Exempt',
        cgst: l.taxCategory === 'gst' ? money(l.cgstMinor) : '-',
        sgst: l.taxCategory === 'gst' ? money(l.sgstMinor) : '-',
        igst: l.taxCategory === 'gst' ? money(l.igstMinor) : '-',
      },
      rowTop,
      false,
    );
    doc.moveTo(left, y).lineTo(right, y).lineWidth(0.4).strokeColor('#BBBBBB').stroke();
  }
  y += 8;

  // Tax summary by rate (rule 46(k): rate and amount of each tax).
  const byRate = new Map<number, { taxable: number; cgst: number; sgst: number; igst: number }>();
  for (const l of data.lines) {
    if (l.taxCategory !== 'gst') continue;
    const r = byRate.get(l.gstRateBp ?? 0) ?? { taxable: 0, cgst: 0, sgst: 0, igst: 0 };
    r.taxable += l.amountMinor;
    r.cgst += l.cgstMinor;
    r.sgst += l.sgstMinor;
    r.igst += l.igstMinor;
    byRate.set(l.gstRateBp ?? 0, r);
  }
  const summaryTop = y;
  if (byRate.size > 0) {
    doc.font('Helvetica-Bold').fontSize(8.5).fillColor(primary).text('Tax summary', left, y);
    y = doc.y + 2;
    doc.font('Helvetica').fontSize(8).fillColor('#000000');
    for (const [bp, r] of [...byRate.entries()].sort((a, b) => a[0] - b[0])) {
      // One line for the taxable value, one for the tax: an amount never wraps away from its ₹ sign.
      const tax = intra
        ? `CGST @ ${rate(bp / 2)}: ${money(r.cgst)} | SGST @ ${rate(bp / 2)}: ${money(r.sgst)}`
        : `IGST @ ${rate(bp)}: ${money(r.igst)}`;
      doc.text(`Taxable at ${rate(bp)}: ${money(r.taxable)}`, left, y, { width: 270 });
      y = doc.y + 1;
      doc.text(tax, left, y, { width: 270 });
      y = doc.y + 2;
    }
  }

  // Totals (right).
  const totals: [string, string, boolean][] = [];
  if (data.totals.taxableMinor !== 0 || data.totals.exemptMinor === 0) {
    totals.push(['Taxable value', money(data.totals.taxableMinor), false]);
  }
  if (data.totals.exemptMinor !== 0) totals.push(['Exempt supplies', money(data.totals.exemptMinor), false]);
  if (intra) {
    totals.push(['CGST', money(data.totals.cgstMinor), false]);
    totals.push(['SGST', money(data.totals.sgstMinor), false]);
  } else {
    totals.push(['IGST', money(data.totals.igstMinor), false]);
  }
  totals.push(['Round off', money(data.totals.roundOffMinor), false]);
  totals.push([
    data.documentType === 'credit_note' ? 'Total credit (INR)' : 'Total (INR)',
    money(data.totals.totalMinor),
    true,
  ]);
  let ty = summaryTop;
  const tx = right - 220;
  for (const [k, v, strong] of totals) {
    if (strong) {
      doc.rect(tx, ty - 2, 220, 16).fill(accent);
      doc.fillColor(primary);
    } else doc.fillColor('#000000');
    doc.font(strong ? 'Helvetica-Bold' : 'Helvetica').fontSize(strong ? 10 : 8.5);
    doc.text(k, tx + 4, ty, { width: 120 });
    doc.text(v, tx + 100, ty, { width: 116, align: 'right' });
    ty += strong ? 18 : 13;
  }
  y = Math.max(y, ty) + 6;
  doc.font('Helvetica-Bold').fontSize(8.5).fillColor('#000000').text('Amount in words: ', left, y, { continued: true });
  doc.font('Helvetica').text(amountInWords(data.totals.totalMinor));
  y = doc.y + 6;
  if (data.reason !== null) {
    doc.font('Helvetica').fontSize(8.5).text(`Reason: ${data.reason}`, left, y, { width });
    y = doc.y + 4;
  }
  if (data.memo !== null) {
    doc.font('Helvetica').fontSize(8.5).text(`Note: ${data.memo}`, left, y, { width });
    y = doc.y + 4;
  }
  if (t.terms !== null && t.terms !== '') {
    doc
      .font('Helvetica-Bold')
      .fontSize(8.5)
      .fillColor(primary)
      .text('Terms', left, y + 4);
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor('#000000')
      .text(t.terms, left, doc.y + 1, { width: 300 });
  }
  // Signature block (rule 46(q)).
  doc
    .font('Helvetica-Bold')
    .fontSize(8.5)
    .fillColor('#000000')
    .text(`For ${data.supplier.legalName}`, right - 220, y + 4, { width: 220, align: 'right' });
  doc.font('Helvetica').text('Authorised Signatory', right - 220, doc.y + 22, { width: 220, align: 'right' });
  if (t.footer_text !== null && t.footer_text !== '') {
    doc
      .font('Helvetica')
      .fontSize(7.5)
      .fillColor('#555555')
      .text(t.footer_text, left, 790, { width, align: 'center', lineBreak: false });
  }
}

/** The side of the printed QR code, in points (4.8 cm: a signed QR of some 1,000 characters, version 25, prints its modules at 0.38 mm). */
export const QR_SIZE = 136;

/**
 * The modules of the QR code of `text` (byte mode, error correction M, the smallest version that holds it), as
 * qrcode-generator computes them: a square of booleans, true = dark.
 */
export function qrModules(text: string): boolean[][] {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)));
}

/**
 * The e-invoice block (rule 48(4) with the IRP's answer): IRN, acknowledgement number and time on the left, the
 * signed QR code on the right, drawn as filled rectangles (one per run of dark modules in a row) inside a
 * four-module quiet zone. Returns where the content continues.
 */
function drawEInvoice(
  doc: PDFKit.PDFDocument,
  e: NonNullable<PdfDocumentData['eInvoice']>,
  at: { left: number; right: number; y: number; primary: string },
): number {
  const modules = qrModules(e.signedQr);
  const n = modules.length;
  const cell = QR_SIZE / (n + 8);
  const qx = at.right - QR_SIZE;
  doc.rect(qx, at.y, QR_SIZE, QR_SIZE).fill('#FFFFFF');
  doc.fillColor('#000000');
  modules.forEach((row, r) => {
    let c = 0;
    while (c < n) {
      if (!row[c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < n && row[c]) c++;
      doc.rect(qx + (4 + start) * cell, at.y + (4 + r) * cell, (c - start) * cell, cell);
    }
  });
  doc.fill('#000000');
  const width = QR_SIZE + 40 < at.right - at.left ? at.right - at.left - QR_SIZE - 12 : 300;
  const ack = new Date(e.ackAt.getTime() + IST_OFFSET_MS);
  const hhmm = `${String(ack.getUTCHours()).padStart(2, '0')}:${String(ack.getUTCMinutes()).padStart(2, '0')}`;
  doc.font('Helvetica-Bold').fontSize(8.5).fillColor(at.primary);
  doc.text('e-Invoice: registered at the Invoice Registration Portal', at.left, at.y + 6, { width });
  doc.font('Helvetica').fontSize(8).fillColor('#000000');
  doc.text(`IRN: ${e.irn}`, at.left, doc.y + 3, { width });
  doc.text(`Ack No: ${e.ackNo}`, at.left, doc.y + 2, { width });
  doc.text(`Ack Date: ${formatDate(e.ackAt, 'en-IN')} ${hhmm} IST`, at.left, doc.y + 2, { width });
  doc.fontSize(7).fillColor('#555555');
  doc.text('The QR code is the IRP-signed e-invoice summary (scan to verify).', at.left, doc.y + 3, { width });
  return Math.max(doc.y, at.y + QR_SIZE) + 10;
}
