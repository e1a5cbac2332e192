import { describe, expect, it } from 'vitest';
import { updateCustomer } from '../../../payments-core/customers/update-customer.js';
import { createDraftInvoice } from '../../../payments-core/invoices/create-draft-invoice.js';
import { createManualInvoice } from '../../../payments-core/invoices/create-manual-invoice.js';
import { finalizeDueInvoices } from '../../../payments-core/invoices/finalize-due-invoices.js';
import { finalizeInvoice } from '../../../payments-core/invoices/finalize-invoice.js';
import { updateDraftInvoice } from '../../../payments-core/invoices/update-draft-invoice.js';
import { updateSchool } from '../../../payments-core/schools/update-school.js';
import { DAY_MS } from '../../../platform/ist.js';
import { createLog } from '../../../platform/log.js';
import { draft, gstLine, invoiceTests, pdfText, T0 } from './support.js';

const setup = invoiceTests('kosh-inv-pos-');

// The supplier (migration 010) is in Karnataka, GST state 29.
const KA_GSTIN = '29AAPFU0939F1ZR';
const MH_GSTIN = '27AAPFU0939F1ZV';

describe('place of supply', () => {
  it('when a Karnataka GSTIN is billed to a Maharashtra address → supplied in Karnataka: CGST + SGST, address printed', async () => {
    const s = await setup();
    // cus_mh: registered in MH, billing address in Mumbai (27). ₹1,000 at 18 % intra: CGST 90.00 + SGST 90.00.
    const inv = await createManualInvoice(s.deps, {
      customerId: 'cus_mh',
      customerGstin: KA_GSTIN,
      lines: [gstLine(100_000, 1800)],
    });
    expect(inv).toMatchObject({ place_of_supply: '29', supply_type: 'intra', cgst: 9000, sgst: 9000, igst: 0 });
    const fin = await finalizeInvoice(s.deps, inv.id);
    const text = pdfText(s.dir, (await s.objects.get('invoices', `fy=26-27/${fin.id}.pdf`)) as Uint8Array);
    expect(text).toContain('Karnataka (29)');
    // The address wraps in its column: its start and its end.
    expect(text).toContain('Flat 7, Sea Breeze, Carter Road, Bandra West, Mumbai,');
    expect(text).toContain('Maharashtra 400050');
  });

  it('when there is no GSTIN → the address state decides, before the state the customer registered in', async () => {
    const s = await setup();
    // cus_ka registered in KA moves to a Pune address: ₹1,000 at 18 % becomes inter-state, IGST 180.00.
    await updateCustomer(s.deps, 'cus_ka', {
      billing_address: { line1: '5 FC Road', city: 'Pune', state_code: '27', postal_code: '411004' },
    });
    const d = await createDraftInvoice(s.db, draft('p1', [gstLine(100_000, 1800)]), s.clock);
    expect(
      await s.db.one('SELECT place_of_supply, supply_type, igst_minor FROM invoices WHERE id = $id', { id: d.id }),
    ).toEqual({ place_of_supply: '27', supply_type: 'inter', igst_minor: 18_000 });
    // No address at all: the registered state (KA) as before, intra.
    await updateCustomer(s.deps, 'cus_ka', { billing_address: null });
    const e = await createDraftInvoice(s.db, draft('p2', [gstLine(100_000, 1800)]), s.clock);
    expect(await s.db.one('SELECT place_of_supply, supply_type FROM invoices WHERE id = $id', { id: e.id })).toEqual({
      place_of_supply: '29',
      supply_type: 'intra',
    });
  });

  it('when a draft gets a GSTIN of another state → place of supply and the tax split follow it', async () => {
    const s = await setup();
    // cus_ka (Bengaluru address): ₹1,000 at 18 % intra, CGST 90.00 + SGST 90.00, total ₹1,180.
    const inv = await createManualInvoice(s.deps, { customerId: 'cus_ka', lines: [gstLine(100_000, 1800)] });
    expect(inv).toMatchObject({ supply_type: 'intra', cgst: 9000, sgst: 9000 });
    // A Maharashtra GSTIN: inter-state, IGST 180.00; the total stays ₹1,180.
    const moved = await updateDraftInvoice(s.deps, inv.id, { customerGstin: MH_GSTIN });
    expect(moved).toMatchObject({ place_of_supply: '27', supply_type: 'inter', cgst: 0, sgst: 0, igst: 18_000 });
    expect(moved.lines[0]).toMatchObject({ cgst: 0, sgst: 0, igst: 18_000 });
    expect(moved.total).toBe(118_000);
  });
});

describe('registered recipients need an address', () => {
  it('when an invoice has a GSTIN and its customer no address → finalise is 422 naming the address; the job leaves it', async () => {
    const s = await setup();
    await updateCustomer(s.deps, 'cus_ka', { billing_address: null });
    const d = await createDraftInvoice(
      s.db,
      draft('g1', [gstLine(100_000, 1800)], { customerGstin: KA_GSTIN, source: 'manual', autoFinalize: true }),
      s.clock,
    );
    await expect(finalizeInvoice(s.deps, d.id)).rejects.toMatchObject({
      kind: 'invalid',
      code: 'billing_address_required',
      fields: [expect.objectContaining({ field: '/customer/billing_address' })],
    });
    await finalizeDueInvoices(
      { db: s.db, clock: s.clock, log: createLog({ level: 'silent' }), objects: s.objects },
      { now: new Date(T0.getTime() + DAY_MS) },
    );
    expect(await s.db.one('SELECT status, number FROM invoices WHERE id = $id', { id: d.id })).toEqual({
      status: 'draft',
      number: null,
    });
    // With an address it goes through, and the school's address prints too.
    await updateCustomer(s.deps, 'cus_ka', {
      billing_address: { line1: '12, 4th Cross', city: 'Bengaluru', state_code: '29', postal_code: '560038' },
    });
    await updateSchool(s.deps, 'sch_1', {
      billing_address: {
        line1: '1 School Lane',
        line2: 'Jayanagar',
        city: 'Bengaluru',
        state_code: '29',
        postal_code: '560041',
      },
    });
    const fin = await finalizeInvoice(s.deps, d.id);
    expect(fin).toMatchObject({ number: 'INV/26-27/000001' });
    const text = pdfText(s.dir, (await s.objects.get('invoices', `fy=26-27/${fin.id}.pdf`)) as Uint8Array);
    expect(text).toContain('12, 4th Cross, Bengaluru, Karnataka 560038');
    expect(text).toContain('School: Green Valley School, 1 School Lane, Jayanagar,');
    expect(text).toContain('560041');
  });
});
