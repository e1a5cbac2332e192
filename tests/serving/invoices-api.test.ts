import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseCustomer } from '../../payments-core/customers/erase-customer.js';
import { fixedClock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { type Harness, KEY_ID, KEY_SECRET, seedParent, startHarness } from '../support/harness.js';

/** A tiny solid-colour PNG (for the template logo), built by hand: signature, IHDR, IDAT, IEND. */
function png(size: number, rgb: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: size }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(path.join(tmpdir(), 'kosh-inv-api-'));
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function pdfOf(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(`${h.url}${url}`, { headers: { authorization: `Bearer ${h.adminKey}` } });
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('invoices API', () => {
  it('when a manual draft is edited, finalised and fetched → number, PDF served byte-identical, edits after 409', async () => {
    const { customerId } = await seedParent(h);
    const created = await h.api('POST', '/v1/invoices', {
      customer_id: customerId,
      lines: [{ description: 'Lunch plan, June', amount: 250_000, tax_category: 'gst_exempt_school_meals' }],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'draft',
      number: null,
      document_type: 'bill_of_supply',
      total: 250_000,
    });
    const id = created.body.id as string;
    const bad = await h.api('PATCH', `/v1/invoices/${id}`, { customer_gstin: '27AAPFU0939F1ZX' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0]).toMatchObject({ field: '/customer_gstin', code: 'invalid_gstin_check_character' });
    // A Karnataka GSTIN (the supplier's state): intra-state. A registered recipient needs a billing address.
    const patched = await h.api('PATCH', `/v1/invoices/${id}`, {
      customer_gstin: '29AAPFU0939F1ZR',
      lines: [
        { description: 'Lunch plan, June', amount: 250_000, tax_category: 'gst_exempt_school_meals' },
        {
          description: 'Canteen snacks',
          quantity: 3,
          amount: 30_000,
          tax_category: 'gst',
          gst_rate_bp: 1800,
          hsn_sac: '996331',
        },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      cgst: 2700,
      sgst: 2700,
      total: 285_400,
      document_type: 'invoice_cum_bill_of_supply',
    });
    const draftPdf = await pdfOf(`/v1/invoices/${id}/pdf`);
    expect(draftPdf.status).toBe(409);

    const noAddress = await h.api('POST', `/v1/invoices/${id}/finalize`);
    expect(noAddress.status).toBe(422);
    expect(noAddress.body.errors[0]).toMatchObject({ field: '/customer/billing_address' });
    await h.api('PATCH', `/v1/customers/${customerId}`, {
      billing_address: { line1: '12, 4th Cross', city: 'Bengaluru', state_code: '29', postal_code: '560038' },
    });
    const fin = await h.api('POST', `/v1/invoices/${id}/finalize`);
    expect(fin.status).toBe(200);
    expect(fin.body.number).toMatch(/^INV\/\d\d-\d\d\/\d{6}$/);
    expect((await h.api('PATCH', `/v1/invoices/${id}`, { memo: 'late edit' })).status).toBe(409);
    expect((await h.api('POST', `/v1/invoices/${id}/finalize`)).status).toBe(409);

    const a = await pdfOf(`/v1/invoices/${id}/pdf`);
    const b = await pdfOf(`/v1/invoices/${id}/pdf`);
    expect(a.status).toBe(200);
    expect(a.type).toBe('application/pdf');
    expect(a.bytes.equals(b.bytes)).toBe(true);
    const file = path.join(dir, 'api.pdf');
    writeFileSync(file, a.bytes);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain(fin.body.number);
    expect(text).toContain('29AAPFU0939F1ZR');
    expect(text).toContain('CGST @ 9%: ₹27.00');
    expect(text).toContain('Indian Rupees Two Thousand Eight Hundred Fifty Four Only');

    const list = await h.api('GET', `/v1/invoices?customer_id=${customerId}&status=finalized`);
    expect(list.body.data.map((i: { id: string }) => i.id)).toEqual([id]);
    const cn = await h.api('POST', `/v1/invoices/${id}/credit-notes`, {
      reason: 'adjustment',
      lines: [{ description: 'Lunch not served, 2 days', amount: 20_000, tax_category: 'gst_exempt_school_meals' }],
    });
    expect(cn.status).toBe(201);
    expect(cn.body).toMatchObject({ object: 'credit_note', original_invoice_id: id, total: 20_000 });
    expect(cn.body.number).toMatch(/^CN\/\d\d-\d\d\/000001$/);
    expect((await h.api('GET', `/v1/invoices/${id}`)).body).toMatchObject({
      amount_credited: 20_000,
      amount_due: 265_400,
    });
  });

  it('when an invoice is voided or written off in the wrong state → 409 problem+json invalid_invoice_transition naming its status', async () => {
    const { customerId } = await seedParent(h);
    const created = await h.api('POST', '/v1/invoices', {
      customer_id: customerId,
      lines: [{ description: 'Lunch plan, July', amount: 250_000, tax_category: 'gst_exempt_school_meals' }],
    });
    const id = created.body.id as string;
    expect((await h.api('POST', `/v1/invoices/${id}/finalize`)).status).toBe(200);
    expect((await h.api('POST', `/v1/invoices/${id}/void`)).body.status).toBe('void');
    for (const action of ['void', 'mark-uncollectible']) {
      const res = await h.api('POST', `/v1/invoices/${id}/${action}`);
      expect(res.status, action).toBe(409);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 409, code: 'invalid_invoice_transition', invoice_status: 'void' });
    }
  });

  it('when a template is created, edited and previewed → versions kept, preview renders the logo, archive hides it', async () => {
    const logo = png(24, [200, 30, 30]).toString('base64');
    const created = await h.api('POST', '/v1/invoice-templates', {
      name: 'Red',
      logo_base64: logo,
      primary_color: '#AA1111',
      terms: 'Pay within 15 days.',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: 1, status: 'active', locale: 'en-IN' });
    const id = created.body.id as string;
    const edited = await h.api('PATCH', `/v1/invoice-templates/${id}`, {
      footer_text: 'Thank you',
      show_fields: { hsn_sac: false },
    });
    expect(edited.body).toMatchObject({
      version: 2,
      footer_text: 'Thank you',
      show_fields: { hsn_sac: false, school: true },
    });
    expect((await h.api('GET', `/v1/invoice-templates/${id}?version=1`)).body.footer_text).toBeNull();
    expect((await h.api('PATCH', `/v1/invoice-templates/${id}`, { logo_base64: 'aGVsbG8=' })).status).toBe(422);
    const preview = await fetch(`${h.url}/v1/invoice-templates/${id}/preview`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminKey}` },
    });
    expect(preview.status).toBe(200);
    const bytes = Buffer.from(await preview.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const file = path.join(dir, 'preview.pdf');
    writeFileSync(file, bytes);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('PREVIEW');
    expect(text).not.toContain('HSN/SAC');
    expect(text).toContain('Thank you');
    const archived = await h.api('DELETE', `/v1/invoice-templates/${id}`);
    expect(archived.body).toMatchObject({ version: 3, status: 'archived' });
    expect((await h.api('DELETE', '/v1/invoice-templates/tmpl_default')).status).toBe(409);
  });

  it('when ten edits of one template arrive at once without If-Match → all succeed, each becomes its own version, none is lost', async () => {
    const created = await h.api('POST', '/v1/invoice-templates', { name: 'Busy' });
    const id = created.body.id as string;
    const edits = await Promise.all(
      Array.from({ length: 10 }, (_, i) => h.api('PATCH', `/v1/invoice-templates/${id}`, { terms: `edit ${i}` })),
    );
    expect(edits.map((e) => e.status)).toEqual(Array(10).fill(200));
    const versions = await h.db.all<{ version: number; terms: string | null }>(
      'SELECT version, terms FROM invoice_templates WHERE id = $id ORDER BY version',
      { id },
    );
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(new Set(versions.slice(1).map((v) => v.terms))).toEqual(new Set(edits.map((_, i) => `edit ${i}`)));
  });

  it('when ten edits of one template arrive at once with the same If-Match → one 200, nine 412, the winner is stored', async () => {
    const created = await h.api('POST', '/v1/invoice-templates', { name: 'Contended' });
    const id = created.body.id as string;
    const etag = (await h.api('GET', `/v1/invoice-templates/${id}`)).headers['etag'] as string;
    expect(etag).toBe(created.headers['etag']);
    const edits = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h.api('PATCH', `/v1/invoice-templates/${id}`, { terms: `edit ${i}` }, { 'if-match': etag }),
      ),
    );
    expect(edits.map((e) => e.status).sort()).toEqual([200, ...Array(9).fill(412)]);
    const winner = edits.find((e) => e.status === 200);
    for (const lost of edits.filter((e) => e.status === 412)) {
      expect(lost.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(lost.body).toMatchObject({ status: 412, code: 'precondition_failed' });
      expect(lost.body.errors).toEqual([expect.objectContaining({ field: '/headers/if-match' })]);
    }
    const stored = await h.api('GET', `/v1/invoice-templates/${id}`);
    expect(stored.body).toMatchObject({ version: 2, terms: winner?.body.terms });
    expect(stored.headers['etag']).toBe(winner?.headers['etag']);
    // The winner's ETag writes on; the old one, or a weak form of the new one, never does again.
    const next = await h.api(
      'PATCH',
      `/v1/invoice-templates/${id}`,
      { terms: 'next' },
      { 'if-match': `W/${etag}, ${stored.headers['etag']}` },
    );
    expect(next.status).toBe(200);
    expect((await h.api('DELETE', `/v1/invoice-templates/${id}`, undefined, { 'if-match': etag })).status).toBe(412);
    expect(
      (await h.api('PATCH', `/v1/invoice-templates/${id}`, { terms: 'w' }, { 'if-match': `W/${next.headers['etag']}` }))
        .status,
    ).toBe(412);
    expect((await h.api('DELETE', `/v1/invoice-templates/${id}`, undefined, { 'if-match': '*' })).status).toBe(200);
  });

  it('when a school, a customer or a plan changed after its ETag was read → 412 and nothing changes; its new ETag writes', async () => {
    const school = await h.api('POST', '/v1/schools', { name: 'Etag School', city: 'Pune', state_code: 'MH' });
    const schoolId = school.body.id as string;
    const customer = await h.api('POST', '/v1/customers', {
      school_id: schoolId,
      name: 'Ravi Kulkarni',
      email: 'ravi@example.in',
      phone: '+919812345678',
      state_code: 'MH',
    });
    const customerId = customer.body.id as string;
    const plan = await h.api('POST', '/v1/subscription-plans', {
      name: 'School lunch',
      interval: 'monthly',
      amount: 300_000,
      tax_category: 'gst_exempt_school_meals',
    });
    const address = { line1: '12 MG Road', city: 'Bengaluru', state_code: '29', postal_code: '560001' };
    for (const [url, first, second] of [
      [`/v1/schools/${schoolId}`, { billing_address: address }, { billing_address: null }],
      [`/v1/customers/${customerId}`, { billing_address: address }, { billing_address: null }],
      [`/v1/subscription-plans/${plan.body.id}`, { name: 'Lunch A' }, { name: 'Lunch B' }],
    ] as const) {
      const read = await h.api('GET', url);
      const etag = read.headers['etag'] as string;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const changed = await h.api('PATCH', url, first, { 'if-match': etag });
      expect(changed.status).toBe(200);
      const stale = await h.api('PATCH', url, second, { 'if-match': etag });
      expect(stale.status).toBe(412);
      expect(stale.body.errors[0].field).toBe('/headers/if-match');
      expect((await h.api('GET', url)).body).toEqual(changed.body);
      expect((await h.api('PATCH', url, second, { 'if-match': changed.headers['etag'] as string })).status).toBe(200);
      expect((await h.api('PATCH', url, first)).status).toBe(200); // without If-Match: as before
    }
  });

  it('when ten edits of one draft invoice or one subscription arrive at once with the same If-Match → one 200, nine 412, the winner is stored', async () => {
    const { customerId, methodId } = await seedParent(h);
    const line = { description: 'Lunch plan, July', amount: 250_000, tax_category: 'gst_exempt_school_meals' };
    const draft = await h.api('POST', '/v1/invoices', { customer_id: customerId, lines: [line] });
    const plan = await h.api('POST', '/v1/subscription-plans', {
      name: 'Per child lunch',
      interval: 'monthly',
      amount: 200_000,
      per_unit: true,
      tax_category: 'gst_exempt_school_meals',
    });
    const sub = await h.api('POST', '/v1/subscriptions', {
      customer_id: customerId,
      plan_id: plan.body.id,
      payment_method_id: methodId,
    });
    expect(sub.status).toBe(201);
    for (const [url, edit, field] of [
      [`/v1/invoices/${draft.body.id}`, (i: number) => ({ memo: `edit ${i}` }), 'memo'],
      [`/v1/subscriptions/${sub.body.id}`, (i: number) => ({ quantity: i + 2 }), 'quantity'],
    ] as const) {
      const read = await h.api('GET', url);
      const etag = read.headers['etag'] as string;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const edits = await Promise.all(
        Array.from({ length: 10 }, (_, i) => h.api('PATCH', url, edit(i), { 'if-match': etag })),
      );
      expect(edits.map((e) => e.status).sort()).toEqual([200, ...Array(9).fill(412)]);
      for (const lost of edits.filter((e) => e.status === 412)) {
        expect(lost.body).toMatchObject({ status: 412, code: 'precondition_failed' });
        expect(lost.body.errors).toEqual([expect.objectContaining({ field: '/headers/if-match' })]);
      }
      const winner = edits.find((e) => e.status === 200);
      const stored = await h.api('GET', url);
      expect(stored.body[field]).toBe(winner?.body[field]);
      expect(stored.headers['etag']).toBe(winner?.headers['etag']);
    }
    // The state moves take it too: a stale ETag neither finalises the draft nor pauses the subscription.
    const stale = (await h.api('GET', `/v1/invoices/${draft.body.id}`)).headers['etag'] as string;
    expect((await h.api('PATCH', `/v1/invoices/${draft.body.id}`, { memo: 'moved on' })).status).toBe(200);
    const finalize = await h.api('POST', `/v1/invoices/${draft.body.id}/finalize`, undefined, { 'if-match': stale });
    expect(finalize.status).toBe(412);
    expect((await h.api('GET', `/v1/invoices/${draft.body.id}`)).body).toMatchObject({ status: 'draft', number: null });
    const subTag = (await h.api('GET', `/v1/subscriptions/${sub.body.id}`)).headers['etag'] as string;
    expect((await h.api('PATCH', `/v1/subscriptions/${sub.body.id}`, { quantity: 1 })).status).toBe(200);
    const pause = await h.api('POST', `/v1/subscriptions/${sub.body.id}/pause`, undefined, { 'if-match': subTag });
    expect(pause.status).toBe(412);
    expect((await h.api('GET', `/v1/subscriptions/${sub.body.id}`)).body.status).toBe('active');
    // Without If-Match, edits of different fields sent at once all land: none writes back another's old value.
    const url = `/v1/invoices/${draft.body.id}`;
    const apart = await Promise.all([
      h.api('PATCH', url, { memo: 'apart' }),
      h.api('PATCH', url, { auto_finalize: true }),
      h.api('PATCH', url, { lines: [line, { ...line, description: 'Snacks', amount: 10_000 }] }),
      h.api('PATCH', url, { template_id: 'tmpl_default' }),
    ]);
    expect(apart.map((e) => e.status)).toEqual([200, 200, 200, 200]);
    expect((await h.api('GET', url)).body).toMatchObject({
      memo: 'apart',
      auto_finalize: true,
      total: 260_000,
      template_id: 'tmpl_default',
    });
  });

  it('when a customer is exported, then erased → export holds everything; erasure keeps invoices pseudonymised, 409 while money is in flight or a subscription is live, idempotent', async () => {
    const { customerId: id, methodId } = await seedParent(h);
    const address = { line1: '4 Lavelle Road', city: 'Bengaluru', state_code: '29', postal_code: '560025' };
    expect((await h.api('PATCH', `/v1/customers/${id}`, { billing_address: address })).status).toBe(200);
    const order = await h.api('POST', '/v1/orders', { customer_id: id, amount: 120_000, description: 'May meals' });
    const payment = await h.api('POST', '/v1/payments', {
      order_id: order.body.id,
      payment_method_id: methodId,
      capture: 'manual',
    });
    expect(payment.body.status).toBe('authorized');
    const blocked = await h.api('POST', `/v1/customers/${id}/erase`);
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ code: 'customer_erasure_blocked', blockers: ['payment_in_flight'] });
    expect((await h.api('GET', `/v1/customers/${id}`)).body.name).toBe('Asha Rao'); // nothing changed
    expect((await h.api('POST', `/v1/payments/${payment.body.id}/capture`, {})).status).toBe(200);
    await h.settle();
    // A refund still pending at the gateway blocks it too, until the gateway processes it.
    h.sim.configure({ refundProcessingMs: null });
    const refund = await h.api('POST', '/v1/refunds', { payment_id: payment.body.id, amount: 1_000 });
    expect(refund.status).toBe(201);
    expect((await h.api('POST', `/v1/customers/${id}/erase`)).body.blockers).toEqual(['refund_in_flight']);
    h.sim.configure({ refundProcessingMs: 0 });
    const processed = await fetch(`${h.sim.url}/v1/sim/refunds/${refund.body.gateway_refund_id}/process`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`,
      },
      body: JSON.stringify({ status: 'processed' }),
    });
    expect(processed.status).toBe(200);
    await h.settle();
    // A live subscription blocks it too, until it is cancelled.
    const plan = await h.api('POST', '/v1/subscription-plans', {
      name: 'Lunch',
      interval: 'monthly',
      amount: 300_000,
      tax_category: 'gst_exempt_school_meals',
    });
    const sub = await h.api('POST', '/v1/subscriptions', { customer_id: id, plan_id: plan.body.id });
    expect(sub.status).toBe(201);
    expect((await h.api('POST', `/v1/customers/${id}/erase`)).body.blockers).toEqual(['active_subscription']);
    expect((await h.api('POST', `/v1/subscriptions/${sub.body.id}/cancel`, {})).status).toBe(200);
    const draft = await h.api('POST', '/v1/invoices', {
      customer_id: id,
      lines: [{ description: 'Lunch plan, May', amount: 120_000, tax_category: 'gst_exempt_school_meals' }],
    });
    const invoice = await h.api('POST', `/v1/invoices/${draft.body.id}/finalize`);
    expect(invoice.status).toBe(200);

    const reader = await h.keyWith(['payments:read', 'payments:write']);
    expect(
      (await h.api('GET', `/v1/customers/${id}/export`, undefined, { authorization: `Bearer ${reader}` })).status,
    ).toBe(403);
    const exported = await h.api('GET', `/v1/customers/${id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body.customer).toMatchObject({
      id,
      name: 'Asha Rao',
      email: 'asha@example.in',
      billing_address: address,
    });
    expect(exported.body.payment_methods).toEqual([
      expect.objectContaining({ id: methodId, card_last4: expect.any(String) }),
    ]);
    expect(exported.body.orders.map((o: { id: string }) => o.id)).toEqual([order.body.id]);
    expect(exported.body.payments).toEqual([expect.objectContaining({ id: payment.body.id, status: 'captured' })]);
    expect(exported.body.invoices).toEqual([
      expect.objectContaining({
        number: invoice.body.number,
        snapshot: expect.objectContaining({ customer: expect.objectContaining({ name: 'Asha Rao' }) }),
      }),
    ]);
    expect(JSON.stringify(exported.body)).not.toMatch(/gateway_token|token_/);

    const erased = await h.api('POST', `/v1/customers/${id}/erase`);
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({
      customer_id: id,
      pseudonym: `erased customer ${id}`,
      erased: { payment_methods: 1, invoices: 1 },
    });
    const after = await h.api('GET', `/v1/customers/${id}/export`);
    expect(after.body.customer).toMatchObject({ name: `erased customer ${id}`, phone: '', billing_address: null });
    expect(after.body.payment_methods[0]).toMatchObject({ card_last4: null, deleted_at: expect.any(String) });
    // The tax invoice stays, with its number and amounts, under the pseudonym.
    expect(after.body.invoices[0]).toMatchObject({
      number: invoice.body.number,
      total_minor: 120_000,
      status: invoice.body.status,
    });
    expect(after.body.invoices[0].snapshot.customer).toEqual({
      name: `erased customer ${id}`,
      email: null,
      billing_address: null,
    });
    expect(after.body.payments[0]).toMatchObject({ status: 'captured', captured_minor: 120_000 });
    expect(JSON.stringify(after.body)).not.toMatch(/Asha|asha@|Lavelle|9876543210/);
    const again = await h.api('POST', `/v1/customers/${id}/erase`);
    expect(again.status).toBe(200);
    expect(again.body.erased_at).toBe(erased.body.erased_at);
    expect(Object.values(again.body.erased)).toEqual([0, 0, 0, 0, 0]);
    expect((await h.api('POST', '/v1/customers/cus_nope/erase')).status).toBe(404);
    // Nothing new is made for an erased customer: no order, no subscription.
    const noOrder = await h.api('POST', '/v1/orders', { customer_id: id, amount: 10_000 });
    expect(noOrder.status).toBe(422);
    expect(noOrder.body.errors).toEqual([expect.objectContaining({ field: '/customer_id', code: 'customer_erased' })]);
    const noSub = await h.api('POST', '/v1/subscriptions', { customer_id: id, plan_id: plan.body.id });
    expect(noSub.status).toBe(422);
    expect(noSub.body.errors).toEqual([expect.objectContaining({ field: '/customer_id', code: 'customer_erased' })]);
  });

  it('when an order and a subscription race an erasure → both wait for it to commit, then are refused customer_erased', async () => {
    const { customerId: id } = await seedParent(h);
    const plan = await h.api('POST', '/v1/subscription-plans', {
      name: 'Race lunch',
      interval: 'monthly',
      amount: 100_000,
      tax_category: 'gst_exempt_school_meals',
    });
    // Requests of this database waiting for a lock on a customer row (the cluster is shared with other test files).
    const waiting = async () =>
      (
        await h.db.one<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
             AND wait_event_type = 'Lock' AND query LIKE '%FROM customers%'`,
        )
      )?.n ?? 0;
    let requests: Promise<{ status: number; body: any }[]> = Promise.resolve([]);
    // The real erasure, in a transaction the test holds open after its work until both requests wait on the row.
    await h.db.transaction(async (tx) => {
      const inTx = { ...h.db, transaction: async (work: (t: typeof tx) => Promise<unknown>) => work(tx) } as Db;
      await eraseCustomer({ db: inTx, clock: fixedClock(new Date('2026-06-01T00:00:00Z')) }, id);
      let answered = false;
      requests = Promise.all([
        h.api('POST', '/v1/orders', { customer_id: id, amount: 10_000 }),
        h.api('POST', '/v1/subscriptions', { customer_id: id, plan_id: plan.body.id }),
      ]).finally(() => {
        answered = true; // only if they did not wait: then the assertions below fail
      });
      for (let i = 0; i < 5000 && !answered && (await waiting()) < 2; i++);
      expect(answered).toBe(false);
    });
    for (const refused of await requests) {
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([
        expect.objectContaining({ field: '/customer_id', code: 'customer_erased' }),
      ]);
    }
    expect(await h.db.all('SELECT id FROM orders WHERE customer_id = $id', { id })).toEqual([]);
    expect(await h.db.all('SELECT id FROM subscriptions WHERE customer_id = $id', { id })).toEqual([]);
  });

  it('when invoices exist → GET /v1/analytics/invoices answers with outstanding and aging', async () => {
    const res = await h.api('GET', '/v1/analytics/invoices');
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('invoice_analytics');
    expect(res.body.overall.outstanding).toBeGreaterThan(0);
    expect(res.body.by_school.length).toBeGreaterThan(0);
  });
});
