import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { voidInvoice } from '../../../payments-core/invoices/change-invoice-status.js';
import { createCreditNote } from '../../../payments-core/invoices/create-credit-note.js';
import { createDraftInvoice } from '../../../payments-core/invoices/create-draft-invoice.js';
import { createManualInvoice } from '../../../payments-core/invoices/create-manual-invoice.js';
import { finalizeDueInvoices } from '../../../payments-core/invoices/finalize-due-invoices.js';
import { finalizeInvoice } from '../../../payments-core/invoices/finalize-invoice.js';
import { getInvoicePdf } from '../../../payments-core/invoices/get-invoice-pdf.js';
import { updateDraftInvoice } from '../../../payments-core/invoices/update-draft-invoice.js';
import { deliverEmails } from '../../../payments-core/mailer/deliver-emails.js';
import { DAY_MS } from '../../../platform/ist.js';
import { emlTransport } from '../../../platform/mail.js';
import { draft, gstLine, invoiceTests, mealLine, pdfText, T0 } from './support.js';

const setup = invoiceTests('kosh-inv-rules-');

/** A finalised manual invoice to cus_ka (Karnataka, intra-state) with the given lines. */
async function finalised(s: Awaited<ReturnType<typeof setup>>, ref: string, lines: ReturnType<typeof gstLine>[]) {
  const d = await createDraftInvoice(s.db, draft(ref, lines, { source: 'manual' }), s.clock);
  return finalizeInvoice(s.deps, d.id);
}

describe('credit notes follow their invoice', () => {
  it('when a credit note names a GST rate its invoice does not have → 422 naming the line rate, nothing issued', async () => {
    const s = await setup();
    // ₹1,000 at 18 % and ₹500 exempt: 18 % and exempt are the only treatments on it.
    const inv = await finalised(s, 'r1', [gstLine(100_000, 1800), mealLine(50_000)]);
    await expect(
      createCreditNote(s.deps, inv.id, { reason: 'adjustment', lines: [gstLine(10_000, 500)] }),
    ).rejects.toMatchObject({
      kind: 'invalid',
      code: 'credit_rate_not_on_invoice',
      fields: [expect.objectContaining({ field: '/lines/0/gst_rate_bp' })],
    });
    // An exempt credit against an invoice with only a 5 % line: the tax category is named.
    const taxedOnly = await finalised(s, 'r1b', [gstLine(100_000, 500)]);
    await expect(
      createCreditNote(s.deps, taxedOnly.id, { reason: 'adjustment', lines: [mealLine(10_000)] }),
    ).rejects.toMatchObject({ fields: [expect.objectContaining({ field: '/lines/0/tax_category' })] });
    expect(await s.db.one("SELECT count(*) AS n FROM invoices WHERE kind = 'credit_note'")).toEqual({ n: 0 });
  });

  it('when credit at one rate would exceed what is left at it → 422, though the invoice total still has room', async () => {
    const s = await setup();
    // Lines: ₹1,000 at 18 % (tax 180.00) and ₹2,000 exempt. Total ₹3,180.
    const inv = await finalised(s, 'r2', [gstLine(100_000, 1800), mealLine(200_000)]);
    expect(inv.total).toBe(318_000);
    // First note: ₹600 at 18 % (+ ₹108 tax = ₹708). Left at 18 %: ₹1,000 − ₹600 = ₹400 of taxable value.
    const first = await createCreditNote(s.deps, inv.id, { reason: 'adjustment', lines: [gstLine(60_000, 1800)] });
    expect(first.total).toBe(70_800);
    // ₹500 at 18 % (₹590 with tax) fits in the invoice's ₹3,180 − ₹708 = ₹2,472 still creditable, but not in the ₹400
    // left at 18 %.
    await expect(
      createCreditNote(s.deps, inv.id, { reason: 'adjustment', lines: [gstLine(50_000, 1800)] }),
    ).rejects.toMatchObject({
      code: 'credit_exceeds_rate_remaining',
      fields: [expect.objectContaining({ field: '/lines/0/amount' })],
    });
    // Two lines that each fit but together do not: ₹300 + ₹200 = ₹500 > ₹400; the second line is named.
    await expect(
      createCreditNote(s.deps, inv.id, {
        reason: 'adjustment',
        lines: [gstLine(30_000, 1800), gstLine(20_000, 1800)],
      }),
    ).rejects.toMatchObject({ fields: [expect.objectContaining({ field: '/lines/1/amount' })] });
    // Exactly the ₹400 left is accepted: ₹400 + ₹72 tax = ₹472.
    const second = await createCreditNote(s.deps, inv.id, { reason: 'adjustment', lines: [gstLine(40_000, 1800)] });
    expect(second.total).toBe(47_200);
  });
});

describe('void', () => {
  it('when an invoice has a credit note → void is 409 invoice_has_credit_notes and it stays finalised', async () => {
    const s = await setup();
    const inv = await finalised(s, 'v1', [gstLine(100_000, 1800)]);
    await createCreditNote(s.deps, inv.id, { reason: 'adjustment', lines: [gstLine(10_000, 1800)] });
    await expect(voidInvoice(s.deps, inv.id)).rejects.toMatchObject({
      kind: 'conflict',
      code: 'invoice_has_credit_notes',
    });
    expect(await s.db.one('SELECT status FROM invoices WHERE id = $id', { id: inv.id })).toEqual({
      status: 'finalized',
    });
  });

  it('when a finalised invoice is voided before its email left → the email is cancelled, never sent; the PDF says VOID', async () => {
    const s = await setup();
    const inv = await finalised(s, 'v2', [gstLine(100_000, 1800)]);
    expect(await s.db.one('SELECT status FROM email_outbox WHERE ref_id = $id', { id: inv.id })).toEqual({
      status: 'queued',
    });
    await voidInvoice(s.deps, inv.id);
    expect(await s.db.one('SELECT status FROM email_outbox WHERE ref_id = $id', { id: inv.id })).toEqual({
      status: 'cancelled',
    });
    const outbox = path.join(s.dir, 'outbox');
    const run = await deliverEmails(
      {
        db: s.db,
        clock: s.clock,
        log: s.log,
        objects: s.objects,
        mailer: { transport: emlTransport(outbox), from: 'billing@kosh.example' },
      },
      { now: new Date(T0.getTime() + DAY_MS) },
    );
    expect(run).toMatchObject({ claimed: 0, sent: 0 });
    expect(existsSync(outbox) ? readdirSync(outbox) : []).toEqual([]);
    // The stored PDF was rendered again with the mark; so is the copy the API serves.
    const stored = await s.objects.get('invoices', `fy=26-27/${inv.id}.pdf`);
    expect(pdfText(s.dir, stored as Uint8Array)).toContain('VOID - CANCELLED, NOT PAYABLE');
    expect(pdfText(s.dir, (await getInvoicePdf(s.deps, inv.id)).bytes)).toContain('VOID - CANCELLED, NOT PAYABLE');
  });

  it('when the hourly job publishes a document voided before its PDF was stored → no email is queued', async () => {
    const s = await setup();
    const d = await createDraftInvoice(s.db, draft('v3', [gstLine(100_000, 1800)], { source: 'manual' }), s.clock);
    // Finalised without an object store: numbered, nothing published yet.
    await finalizeInvoice({ db: s.db, clock: s.clock }, d.id);
    await voidInvoice({ db: s.db, clock: s.clock }, d.id);
    const run = await finalizeDueInvoices(
      { db: s.db, clock: s.clock, log: s.log, objects: s.objects },
      { now: new Date(T0.getTime() + DAY_MS) },
    );
    expect(run).toMatchObject({ published: 1 });
    expect(await s.db.one('SELECT count(*) AS n FROM email_outbox')).toEqual({ n: 0 });
  });
});

describe('due dates and totals', () => {
  it('when the due date is before the issue date → 422 naming /due_at on create, update and finalise', async () => {
    const s = await setup();
    // T0 is 10 May 2026 12:00 IST; 9 May 23:59 IST is the day before.
    const dayBefore = new Date('2026-05-09T18:29:00Z');
    await expect(
      createManualInvoice(s.deps, { customerId: 'cus_ka', lines: [gstLine(10_000, 1800)], dueAt: dayBefore }),
    ).rejects.toMatchObject({ kind: 'invalid', fields: [expect.objectContaining({ field: '/due_at' })] });
    // The same calendar day is fine: due on the day of issue.
    const sameDay = new Date('2026-05-09T18:30:00Z'); // 10 May 00:00 IST
    const inv = await createManualInvoice(s.deps, {
      customerId: 'cus_ka',
      lines: [gstLine(10_000, 1800)],
      dueAt: sameDay,
    });
    await expect(updateDraftInvoice(s.deps, inv.id, { dueAt: dayBefore })).rejects.toMatchObject({
      fields: [expect.objectContaining({ field: '/due_at' })],
    });
    // Two days later the draft's due date (10 May) lies before the issue date (12 May).
    s.clock.advance(2 * DAY_MS);
    await expect(finalizeInvoice(s.deps, inv.id)).rejects.toMatchObject({
      kind: 'invalid',
      fields: [expect.objectContaining({ field: '/due_at', code: 'due_before_issue' })],
    });
    expect(await s.db.one('SELECT status, number FROM invoices WHERE id = $id', { id: inv.id })).toEqual({
      status: 'draft',
      number: null,
    });
  });

  it('when a manual invoice totals zero or less → 422, and a zero draft never takes an INV number', async () => {
    const s = await setup();
    // ₹500 at 18 % (₹590) and a −₹590 exempt discount: total 0.
    await expect(
      createManualInvoice(s.deps, {
        customerId: 'cus_ka',
        lines: [gstLine(50_000, 1800), mealLine(-59_000)],
      }),
    ).rejects.toMatchObject({ code: 'non_positive_total', fields: [expect.objectContaining({ field: '/lines' })] });
    // −₹100 alone: negative.
    await expect(
      createManualInvoice(s.deps, { customerId: 'cus_ka', lines: [mealLine(-10_000)] }),
    ).rejects.toMatchObject({ code: 'non_positive_total' });
    // A billing draft whose credits cancel its charge (₹1,000 − ₹1,000 exempt = 0): finalising it is refused, the
    // job skips it, and the first real invoice still gets BOS/26-27/000001.
    const zero = await createDraftInvoice(s.db, draft('z1', [mealLine(100_000), mealLine(-100_000)]), s.clock);
    await expect(finalizeInvoice(s.deps, zero.id)).rejects.toMatchObject({ code: 'non_positive_total' });
    s.clock.advance(1000); // created after the zero draft, so the listing below has a fixed order
    const real = await createDraftInvoice(s.db, draft('z2', [mealLine(100_000)]), s.clock);
    await finalizeDueInvoices(
      { db: s.db, clock: s.clock, log: s.log, objects: s.objects },
      { now: new Date(T0.getTime() + DAY_MS) },
    );
    expect(await s.db.all('SELECT id, status, number FROM invoices ORDER BY created_at, id')).toEqual([
      { id: zero.id, status: 'draft', number: null },
      { id: real.id, status: 'finalized', number: 'BOS/26-27/000001' },
    ]);
  });
});
