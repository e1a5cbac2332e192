import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.js';
import { EInvoiceSchema } from '../../serving/routes/gst.js';
import { type Harness, startHarness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clock: fixedClock(new Date('2026-05-10T06:30:00Z')) }); // 10 May 2026, 12:00 IST
});
afterAll(async () => {
  await h.close();
});

async function finalised(gstin: string | undefined): Promise<{ id: string; number: string }> {
  const school = await h.api('POST', '/v1/schools', { name: 'Greenwood High', city: 'Bengaluru', state_code: 'KA' });
  const customer = await h.api('POST', '/v1/customers', {
    school_id: school.body.id,
    name: 'Asha Rao',
    email: 'asha@example.in',
    phone: '+919876543210',
    state_code: 'KA',
    billing_address: { line1: '12, 4th Cross', city: 'Bengaluru', state_code: '29', postal_code: '560038' },
  });
  const created = await h.api('POST', '/v1/invoices', {
    customer_id: customer.body.id,
    ...(gstin === undefined ? {} : { customer_gstin: gstin }),
    lines: [{ description: 'Canteen snacks', quantity: 3, amount: 30_000, tax_category: 'gst', gst_rate_bp: 1800 }],
  });
  const fin = await h.api('POST', `/v1/invoices/${created.body.id}/finalize`);
  expect(fin.status).toBe(200);
  return { id: fin.body.id, number: fin.body.number };
}

describe('e-invoice API', () => {
  it('when a B2B invoice is finalised → GET /v1/invoices/:id/e-invoice answers its INV-01 payload', async () => {
    const inv = await finalised('29AAPFU0939F1ZR');
    const r = await h.api('GET', `/v1/invoices/${inv.id}/e-invoice`);
    expect(r.status).toBe(200);
    // 3 × ₹100 at 18 %: CGST = SGST = ₹27, total ₹354.
    expect(r.body).toMatchObject({
      Version: '1.1',
      TranDtls: { TaxSch: 'GST', SupTyp: 'B2B', RegRev: 'N', EcmGstin: null },
      DocDtls: { Typ: 'INV', No: inv.number, Dt: '10/05/2026' },
      BuyerDtls: { Gstin: '29AAPFU0939F1ZR', Pos: '29', Pin: 560038, Stcd: '29', LglNm: 'Asha Rao' },
      ItemList: [
        { SlNo: '1', Qty: 3, UnitPrice: 100, AssAmt: 300, GstRt: 18, CgstAmt: 27, SgstAmt: 27, TotItemVal: 354 },
      ],
      ValDtls: { AssVal: 300, CgstVal: 27, SgstVal: 27, IgstVal: 0, RndOffAmt: 0, TotInvVal: 354 },
    });
    expect([...Value.Errors(EInvoiceSchema, r.body)]).toEqual([]);
  });

  it('when the IRP answer is recorded → stored once; a change is 409, bad fields 422 naming each', async () => {
    const inv = await finalised('29AAPFU0939F1ZR');
    const irn = 'b'.repeat(64);
    const body = {
      irn,
      // Luhn-valid, as one AckNo in ten is: the card guard does not apply to an IRP's answer.
      ack_no: 112610036563329,
      ack_date: '2026-05-10 12:30:00',
      signed_qr_code: `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ data: JSON.stringify({ Irn: irn }), iss: 'NIC' })).toString('base64url')}.c2ln`,
    };
    const bad = await h.api('POST', `/v1/invoices/${inv.id}/irn`, {
      irn: 'xyz',
      ack_no: '12a',
      ack_date: '10/05/2026',
      signed_qr_code: 'not a jwt',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual([
      '/irn',
      '/ack_no',
      '/ack_date',
      '/signed_qr_code',
    ]);
    const other = await h.api('POST', `/v1/invoices/${inv.id}/irn`, { ...body, irn: 'c'.repeat(64) });
    expect(other.body).toMatchObject({ status: 422, errors: [{ field: '/signed_qr_code', code: 'irn_mismatch' }] });
    const ok = await h.api('POST', `/v1/invoices/${inv.id}/irn`, body);
    expect(ok.status).toBe(200);
    // 12:30 IST is 07:00 UTC.
    expect(ok.body).toMatchObject({ irn, irn_ack_no: '112610036563329', irn_ack_at: '2026-05-10T07:00:00.000Z' });
    expect((await h.api('POST', `/v1/invoices/${inv.id}/irn`, body)).status).toBe(200);
    const changed = await h.api('POST', `/v1/invoices/${inv.id}/irn`, { ...body, ack_no: '1' });
    expect(changed.status).toBe(409);
    expect(changed.body).toMatchObject({ code: 'irn_already_recorded', errors: [{ field: '/irn' }] });
  });

  it('when the invoice changed after its ETag was read → recording an IRN is 412 and records nothing; its new ETag records', async () => {
    const inv = await finalised('29AAPFU0939F1ZR');
    const read = await h.api('GET', `/v1/invoices/${inv.id}`);
    const changed = await h.api('POST', `/v1/invoices/${inv.id}/mark-uncollectible`);
    expect(changed.status).toBe(200);
    const irn = 'e'.repeat(64);
    const body = {
      irn,
      ack_no: '112610036563330',
      ack_date: '2026-05-10 12:30:00',
      signed_qr_code: `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ data: JSON.stringify({ Irn: irn }) })).toString('base64url')}.c2ln`,
    };
    const stale = await h.api('POST', `/v1/invoices/${inv.id}/irn`, body, {
      'if-match': read.headers['etag'] as string,
    });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'precondition_failed', errors: [{ field: '/headers/if-match' }] });
    expect((await h.api('GET', `/v1/invoices/${inv.id}`)).body).toEqual(changed.body); // nothing recorded
    const ok = await h.api('POST', `/v1/invoices/${inv.id}/irn`, body, {
      'if-match': changed.headers['etag'] as string,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ irn, status: 'uncollectible' });
    expect(ok.headers['etag']).toBe((await h.api('GET', `/v1/invoices/${inv.id}`)).headers['etag']);
  });

  it("when the invoice changed after its ETag was read → a credit note against it is 412 and issues nothing; the invoice's new ETag issues it", async () => {
    const inv = await finalised('29AAPFU0939F1ZR');
    const read = await h.api('GET', `/v1/invoices/${inv.id}`);
    const changed = await h.api('POST', `/v1/invoices/${inv.id}/mark-uncollectible`);
    const notes = async () =>
      (
        await h.db.one<{ n: number }>('SELECT count(*)::int AS n FROM invoices WHERE original_invoice_id = $id', {
          id: inv.id,
        })
      )?.n;
    const credit = { reason: 'adjustment' };
    const stale = await h.api('POST', `/v1/invoices/${inv.id}/credit-notes`, credit, {
      'if-match': read.headers['etag'] as string,
    });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'precondition_failed', errors: [{ field: '/headers/if-match' }] });
    expect(await notes()).toBe(0);
    expect((await h.api('GET', `/v1/invoices/${inv.id}`)).body).toEqual(changed.body);
    const ok = await h.api('POST', `/v1/invoices/${inv.id}/credit-notes`, credit, {
      'if-match': changed.headers['etag'] as string,
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ object: 'credit_note', original_invoice_id: inv.id, total: 35_400 });
    expect(await notes()).toBe(1);
  });

  it('when the invoice has no recipient GSTIN (B2C) → 422 problem+json not_b2b_invoice, and 409 to an IRN', async () => {
    const inv = await finalised(undefined);
    const r = await h.api('GET', `/v1/invoices/${inv.id}/e-invoice`);
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.body).toMatchObject({ code: 'not_b2b_invoice', errors: [{ field: '/customer_gstin' }] });
    expect((await h.api('GET', '/v1/invoices/inv_missing/e-invoice')).status).toBe(404);
    // Nor does it take an IRN.
    const refused = await h.api('POST', `/v1/invoices/${inv.id}/irn`, {
      irn: 'd'.repeat(64),
      ack_no: '12',
      ack_date: '2026-05-10 12:30:00',
      signed_qr_code: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
    });
    expect(refused.status).toBe(409);
    expect(String(refused.headers['content-type'])).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'invoice_not_e_invoiced', errors: [{ field: '/id' }] });
  });
});
