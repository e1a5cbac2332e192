import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { voidInvoice } from '../../../payments-core/invoices/change-invoice-status.js';
import { createCreditNote } from '../../../payments-core/invoices/create-credit-note.js';
import { createDraftInvoice } from '../../../payments-core/invoices/create-draft-invoice.js';
import { finalizeInvoice } from '../../../payments-core/invoices/finalize-invoice.js';
import { getInvoicePdf } from '../../../payments-core/invoices/get-invoice-pdf.js';
import { scriptRuns } from '../../../payments-core/invoices/pdf-fonts.js';
import { recordInvoiceIrn } from '../../../payments-core/invoices/record-invoice-irn.js';
import { QR_SIZE, qrModules } from '../../../payments-core/invoices/render-invoice-pdf.js';
import { formatRupees } from '../../../platform/money.js';
import { draft, gstLine, invoiceTests, mealLine } from './support.js';

const setup = invoiceTests('kosh-inv-unicode-');

const save = (dir: string, name: string, bytes: Uint8Array): string => {
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, bytes);
  return file;
};
const text = (file: string): string => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
const fonts = (file: string): string => execFileSync('pdffonts', [file], { encoding: 'utf8' });

/** With KOSH_DOCS_PNG=1 the documents are also drawn at 60 dpi into docs/ (the README shows them). */
const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs');
function drawForDocs(file: string, name: string): void {
  if (process.env['KOSH_DOCS_PNG'] !== '1') return;
  const stem = path.join(path.dirname(file), `${name}-png`);
  execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, stem]);
  copyFileSync(`${stem}.png`, path.join(DOCS, `${name}.png`));
}

/** A signed QR code shaped as the IRP's (an RS256 JWT whose payload's `data` is the e-invoice summary, `iss` NIC). */
function signedQrOf(irn: string, number: string): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const data = {
    SellerGstin: '29AABCK0510K1ZR',
    BuyerGstin: '29AAPFU0939F1ZR',
    DocNo: number,
    DocTyp: 'INV',
    DocDt: '10/05/2026',
    TotInvVal: 1478600,
    ItemCnt: 2,
    MainHsnCode: '996334',
    Irn: irn,
    IrnDt: '2026-05-12 13:06:00',
  };
  const header = {
    alg: 'RS256',
    kid: 'EDC57DE1358B300BA9F179DB8B1F9D2FA1D0B4A4',
    typ: 'JWT',
    x5t: '7cV94TWLMAupF5nbix-dL6HQtKQ',
  };
  return `${b64(header)}.${b64({ data: JSON.stringify(data), iss: 'NIC' })}.${Buffer.alloc(256, 7).toString('base64url')}`;
}
const QR_SIZE_MODULES = 117;

/** The share of dark pixels in the QR box (72 dpi, grey), found level with the word `anchor` at the right margin. */
function darkShare(file: string, anchor: string): number {
  const bbox = execFileSync('pdftotext', ['-bbox', '-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' });
  const word = new RegExp(`yMin="([0-9.]+)"[^>]*>${anchor}<`).exec(bbox);
  const top = Math.floor(Number(word?.[1] ?? 0)) - 6;
  const pgm = execFileSync('pdftoppm', [
    '-gray',
    '-r',
    '72',
    '-f',
    '1',
    '-l',
    '1',
    '-x',
    String(555 - QR_SIZE),
    '-y',
    String(top),
    '-W',
    String(QR_SIZE),
    '-H',
    String(QR_SIZE),
    file,
  ]);
  // Binary PGM: "P5\n<w> <h>\n255\n" then one byte a pixel.
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 40).toString('latin1'));
  const pixels = pgm.subarray(header?.[0].length ?? 0);
  return pixels.filter((v) => v < 128).length / Math.max(1, pixels.length);
}

describe('Unicode PDFs', () => {
  it('splits text into script runs: Devanagari, Bengali, Tamil and the ₹ sign each get their own face', () => {
    expect(scriptRuns('सीमा राव')).toEqual([
      { script: 'devanagari', text: 'सीमा' },
      { script: 'latin', text: ' ' },
      { script: 'devanagari', text: 'राव' },
    ]);
    expect(scriptRuns('₹1,234.50').map((r) => r.script)).toEqual(['latin-ext', 'latin']);
    expect(scriptRuns('কলকাতা · சென்னை').map((r) => r.script)).toEqual(['bengali', 'latin', 'tamil']);
    // A zero-width joiner stays inside the Indic run around it.
    expect(scriptRuns('क्\u200Dष')).toEqual([{ script: 'devanagari', text: 'क्\u200Dष' }]);
  });

  it('formats rupees with the ₹ sign and Indian grouping', () => {
    expect(formatRupees(123_450)).toBe('₹1,234.50');
    expect(formatRupees(125_000_000)).toBe('₹12,50,000.00');
    expect(formatRupees(-22)).toBe('-₹0.22');
  });

  it('when a customer is named in Devanagari → pdftotext finds the name and ₹; the face is Noto Sans Devanagari', async () => {
    const s = await setup();
    await s.db.run("UPDATE customers SET name = 'सीमा राव' WHERE id = 'cus_ka'");
    await s.db.run(
      "UPDATE customer_billing_addresses SET line1 = '१२, चौथा क्रॉस, इंदिरानगर' WHERE customer_id = 'cus_ka'",
    );
    // A B2B invoice of ₹12,50,000 taxable at 18 % (CGST 1,12,500.00 + SGST 1,12,500.00 = ₹14,75,000.00) and a
    // ₹3,600 exempt meal plan: total ₹14,78,600.00.
    const d = await createDraftInvoice(
      s.db,
      draft(
        'u1',
        [
          gstLine(125_000_000, 1800, { description: 'Central kitchen catering contract, May 2026', hsnSac: '996334' }),
          mealLine(360_000, {
            description: 'School lunch plan (monthly), 2 children',
            quantity: 2,
            unitAmountMinor: 180_000,
          }),
        ],
        { customerGstin: '29AAPFU0939F1ZR', source: 'manual' },
      ),
      s.clock,
    );
    const inv = await finalizeInvoice(s.deps, d.id);
    expect(inv.total).toBe(147_860_000);
    const file = save(s.dir, 'invoice', (await getInvoicePdf(s.deps, inv.id)).bytes);
    const out = text(file);
    expect(out).toContain('सीमा राव');
    expect(out).toContain('₹14,78,600.00');
    expect(out).toContain('₹1,12,500.00');
    expect(fonts(file)).toMatch(/NotoSansDevanagari-Bold/);
    expect(fonts(file)).not.toMatch(/Helvetica/);
    drawForDocs(file, 'invoice');

    // A credit note of ₹50,000 at 18 % (+ ₹9,000 tax = ₹59,000) against it.
    s.clock.advance(86_400_000);
    const cn = await createCreditNote(s.deps, inv.id, {
      reason: 'adjustment',
      lines: [gstLine(5_000_000, 1800, { description: 'Catering not served, 2 days', hsnSac: '996334' })],
    });
    expect(cn.total).toBe(5_900_000);
    const cnFile = save(s.dir, 'credit-note', (await getInvoicePdf(s.deps, cn.id)).bytes);
    expect(text(cnFile)).toContain('₹59,000.00');
    drawForDocs(cnFile, 'credit-note');

    // The operator registers it at an IRP and records the answer: the PDF then prints IRN, Ack No/Date and the QR.
    const irn = 'a5c12dca80e743321740b001fd70953e8738d109865d28ba4013750f2046f229';
    const signedQr = signedQrOf(irn, inv.number ?? '');
    await recordInvoiceIrn(s.deps, inv.id, {
      irn,
      ack_no: 112610036563310,
      ack_date: '2026-05-12 13:06:00',
      signed_qr_code: signedQr,
    });
    const irnFile = save(s.dir, 'invoice-irn', (await getInvoicePdf(s.deps, inv.id)).bytes);
    const irnText = text(irnFile);
    expect(irnText).toContain(`IRN: ${irn}`);
    expect(irnText).toContain('Ack No: 112610036563310');
    expect(irnText).toContain('Ack Date: 12 May 2026 13:06 IST');
    // The QR of this payload is version 25 (117 modules a side, error correction M); drawn in the 136-point box at
    // the right margin, level with the e-invoice heading: a good share of that box is dark.
    expect(qrModules(signedQr)).toHaveLength(QR_SIZE_MODULES);
    expect(darkShare(irnFile, 'e-Invoice:')).toBeGreaterThan(0.3);
    drawForDocs(irnFile, 'invoice-irn');

    // Another invoice, voided before it was paid.
    const v = await createDraftInvoice(
      s.db,
      draft('u2', [gstLine(240_000, 500, { description: 'Snack add-on, June 2026' })], { customerId: 'cus_mh' }),
      s.clock,
    );
    await finalizeInvoice(s.deps, v.id);
    await voidInvoice(s.deps, v.id);
    const voidFile = save(s.dir, 'voided-invoice', (await getInvoicePdf(s.deps, v.id)).bytes);
    expect(text(voidFile)).toContain('VOID - CANCELLED, NOT PAYABLE');
    drawForDocs(voidFile, 'voided-invoice');
  });
});
