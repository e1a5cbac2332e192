import { describe, expect, it } from 'vitest';
import { updateInvoiceTemplate } from '../../../payments-core/invoice-templates/save-template.js';
import { markInvoiceUncollectible, voidInvoice } from '../../../payments-core/invoices/change-invoice-status.js';
import { createCreditNote } from '../../../payments-core/invoices/create-credit-note.js';
import { createDraftInvoice } from '../../../payments-core/invoices/create-draft-invoice.js';
import { finalizeInvoice } from '../../../payments-core/invoices/finalize-invoice.js';
import { storeInvoicePdf } from '../../../payments-core/invoices/publish-invoice.js';
import { recordInvoicePayment } from '../../../payments-core/invoices/record-invoice-payment.js';
import { updateDraftInvoice } from '../../../payments-core/invoices/update-draft-invoice.js';
import { draft, gstLine, invoiceTests, mealLine, pdfText, T0 } from './support.js';

const setup = invoiceTests('kosh-inv-');

describe('invoice lifecycle', () => {
  it('when a mixed intra-state draft is finalised → numbered INV/26-27/000001, PDF parses back with every GST field', async () => {
    const s = await setup();
    const d = await createDraftInvoice(
      s.db,
      draft('br_10', [mealLine(300_000), gstLine(123_450)], { customerGstin: '29AAPFU0939F1ZR', source: 'manual' }),
      s.clock,
    );
    const inv = await finalizeInvoice(s.deps, d.id);
    expect(inv).toMatchObject({
      number: 'INV/26-27/000001',
      status: 'finalized',
      document_type: 'invoice_cum_bill_of_supply',
    });
    const stored = await s.objects.get('invoices', `fy=26-27/${d.id}.pdf`);
    expect(stored).not.toBeNull();
    const text = pdfText(s.dir, stored as Uint8Array);
    for (const expected of [
      'INVOICE-CUM-BILL OF SUPPLY',
      'INV/26-27/000001',
      '29AABCK0510K1ZR',
      '29AAPFU0939F1ZR',
      'CGST @ 2.5%: ₹30.86',
      'SGST @ 2.5%: ₹30.86',
      '₹4,296.00',
      'Round off',
      'NOS', // the unit under each quantity
      '-₹0.22',
      'Indian Rupees Four Thousand Two Hundred Ninety Six Only',
      '996337',
      'Karnataka (29)',
      'Reverse charge',
      'Exempt',
    ]) {
      expect(text).toContain(expected);
    }
    // Renders the same bytes every time, even after its template gets a new version.
    expect(inv).toMatchObject({ template_id: 'tmpl_default', template_version: 1 });
    await updateInvoiceTemplate(s.deps, 'tmpl_default', { primary_color: '#FF0000', terms: 'New terms' });
    s.clock.advance(86_400_000);
    const again = await storeInvoicePdf(s.deps, d.id);
    expect(Buffer.from(again.bytes).equals(Buffer.from(stored as Uint8Array))).toBe(true);
    // The email is queued with the stored PDF attached.
    const mail = await s.db.one<{ kind: string; attachments: string; to_address: string }>(
      'SELECT kind, attachments, to_address FROM email_outbox',
    );
    expect(mail?.kind).toBe('invoice');
    expect(JSON.parse(String(mail?.attachments))[0]).toMatchObject({ bucket: 'invoices', key: `fy=26-27/${d.id}.pdf` });
  });

  it('when a finalised invoice is edited, finalised again or voided after payment → 409, and nothing changes', async () => {
    const s = await setup();
    const d = await createDraftInvoice(s.db, draft('br_11', [mealLine(100_000)]), s.clock);
    await updateDraftInvoice(s.deps, d.id, { lines: [mealLine(120_000), gstLine(10_000, 1800)], memo: 'edited' });
    const fin = await finalizeInvoice(s.deps, d.id);
    expect(fin).toMatchObject({ total: 131_800, number: 'INV/26-27/000001', memo: 'edited' });
    await expect(updateDraftInvoice(s.deps, d.id, { memo: 'x' })).rejects.toMatchObject({ kind: 'conflict' });
    await expect(finalizeInvoice(s.deps, d.id)).rejects.toMatchObject({ kind: 'conflict' });
    await recordInvoicePayment(s.db, { invoiceId: d.id, paymentId: 'pay_a', amountMinor: 31_800, paidAt: T0 }, s.clock);
    await expect(voidInvoice(s.deps, d.id)).rejects.toMatchObject({ code: 'invoice_has_payments' });
    const marked = await markInvoiceUncollectible(s.deps, d.id);
    expect(marked.status).toBe('uncollectible');
    await recordInvoicePayment(
      s.db,
      { invoiceId: d.id, paymentId: 'pay_b', amountMinor: 100_000, paidAt: T0 },
      s.clock,
    );
    const row = await s.db.one('SELECT status, amount_paid_minor FROM invoices WHERE id = $id', { id: d.id });
    expect(row).toEqual({ status: 'paid', amount_paid_minor: 131_800 });
  });

  it('when a draft paid by billing is finalised → it is paid at once; a bill of supply takes the BOS series', async () => {
    const s = await setup();
    const d = await createDraftInvoice(s.db, draft('br_12', [mealLine(99_900)]), s.clock);
    await recordInvoicePayment(s.db, { invoiceId: d.id, paymentId: 'pay_c', amountMinor: 99_900, paidAt: T0 }, s.clock);
    const fin = await finalizeInvoice(s.deps, d.id);
    expect(fin).toMatchObject({ status: 'paid', number: 'BOS/26-27/000001', document_type: 'bill_of_supply' });
  });

  it('when a paid invoice is refunded in full → a credit note CN/26-27/000001 pointing to it, with the same tax split', async () => {
    const s = await setup();
    const d = await createDraftInvoice(
      s.db,
      draft('br_13', [gstLine(100_000, 500)], { customerId: 'cus_mh', schoolId: 'sch_2' }),
      s.clock,
    );
    await finalizeInvoice(s.deps, d.id);
    await recordInvoicePayment(
      s.db,
      { invoiceId: d.id, paymentId: 'pay_d', amountMinor: 105_000, paidAt: T0 },
      s.clock,
    );
    const cn = await createCreditNote(s.deps, d.id, { reason: 'refund' });
    expect(cn).toMatchObject({
      object: 'credit_note',
      number: 'CN/26-27/000001',
      original_invoice_id: d.id,
      igst: 5000,
      total: 105_000,
      status: 'finalized',
    });
    // Nothing is left at 5 %: the invoice's ₹1,000 taxable value was credited in full.
    await expect(createCreditNote(s.deps, d.id, { reason: 'refund', lines: [gstLine(1, 500)] })).rejects.toMatchObject({
      code: 'credit_exceeds_rate_remaining',
    });
    const text = pdfText(s.dir, (await s.objects.get('invoices', `fy=26-27/${cn.id}.pdf`)) as Uint8Array);
    expect(text).toContain('CREDIT NOTE');
    expect(text).toContain('INV/26-27/000001');
    expect(text).toContain('IGST @ 5%: ₹50.00');
    expect(text).toContain('Indian Rupees One Thousand Fifty Only');
  });
});
