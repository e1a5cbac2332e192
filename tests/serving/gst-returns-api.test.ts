import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.js';
import { type Harness, startHarness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clock: fixedClock(new Date('2026-05-10T06:30:00Z')) }); // 10 May 2026, 12:00 IST
});
afterAll(async () => {
  await h.close();
});

async function customer(): Promise<string> {
  const school = await h.api('POST', '/v1/schools', { name: 'Greenwood High', city: 'Bengaluru', state_code: 'KA' });
  const c = await h.api('POST', '/v1/customers', {
    school_id: school.body.id,
    name: 'Asha Rao',
    email: 'asha@example.in',
    phone: '+919876543210',
    state_code: 'KA',
    billing_address: { line1: '12, 4th Cross', city: 'Bengaluru', state_code: '29', postal_code: '560038' },
  });
  expect(c.status).toBe(201);
  return c.body.id as string;
}

describe('GSTR-1 API', () => {
  it('when a B2B invoice was finalised in May → GET /v1/gst/gstr1?period=2026-05 lists it in b2b, hsn and doc_issue', async () => {
    const customerId = await customer();
    const created = await h.api('POST', '/v1/invoices', {
      customer_id: customerId,
      customer_gstin: '29AAPFU0939F1ZR',
      lines: [{ description: 'Canteen snacks', amount: 30_000, tax_category: 'gst', gst_rate_bp: 1800 }],
    });
    const fin = await h.api('POST', `/v1/invoices/${created.body.id}/finalize`);
    expect(fin.status).toBe(200);
    // ₹300 at 18 %: CGST = SGST = ₹27, total ₹354.
    const r = await h.api('GET', '/v1/gst/gstr1?period=2026-05');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      gstin: '29AABCK0510K1ZR',
      fp: '052026',
      b2b: [
        {
          ctin: '29AAPFU0939F1ZR',
          inv: [
            {
              inum: fin.body.number,
              idt: '10-05-2026',
              val: 354,
              pos: '29',
              rchrg: 'N',
              inv_typ: 'R',
              itms: [{ num: 1, itm_det: { txval: 300, rt: 18, iamt: 0, camt: 27, samt: 27, csamt: 0 } }],
            },
          ],
        },
      ],
      hsn: { data: [{ hsn_sc: '996337', rt: 18, txval: 300, camt: 27, samt: 27 }] },
      doc_issue: {
        doc_det: [{ doc_num: 1, docs: [{ from: fin.body.number, to: fin.body.number, totnum: 1, cancel: 0 }] }],
      },
    });
    const april = await h.api('GET', '/v1/gst/gstr1?period=2026-04');
    expect(april.body.b2b).toBeUndefined();
    expect(april.body.doc_issue).toEqual({ doc_det: [] });
  });

  it('when the period is not a month or missing → problem+json naming /period; without payments:read → 403', async () => {
    const bad = await h.api('GET', '/v1/gst/gstr1?period=2026-13');
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body).toMatchObject({ code: 'invalid_period', errors: [{ field: '/period', code: 'invalid_period' }] });
    const missing = await h.api('GET', '/v1/gst/gstr1');
    expect(missing.status).toBe(400);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    const key = await h.keyWith(['analytics:read']);
    const denied = await h.api('GET', '/v1/gst/gstr1?period=2026-05', undefined, { authorization: `Bearer ${key}` });
    expect(denied.status).toBe(403);
  });
});
