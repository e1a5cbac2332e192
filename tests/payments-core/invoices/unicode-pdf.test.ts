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
