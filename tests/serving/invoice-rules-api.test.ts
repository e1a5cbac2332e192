import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.js';
import { type Harness, startHarness } from '../support/harness.js';

const T0 = new Date('2026-05-10T06:30:00Z'); // 10 May 2026, 12:00 IST
let h: Harness;
let customerId: string;
beforeAll(async () => {
  h = await startHarness({ clock: fixedClock(T0) });
  const school = await h.api('POST', '/v1/schools', { name: 'Rule School', city: 'Bengaluru', state_code: 'KA' });
  const customer = await h.api('POST', '/v1/customers', {
    school_id: school.body.id,
    name: 'Ravi Kumar',
    email: 'ravi@example.in',
    phone: '+919876500002',
    state_code: 'KA',
  });
  customerId = customer.body.id as string;
});
afterAll(async () => {
  await h.close();
});

const snack = (amount: number, rate = 1800) => ({
  description: 'Canteen snacks',
  amount,
  tax_category: 'gst',
  gst_rate_bp: rate,
});

describe('invoice rules over HTTP', () => {
  it('when an invoice with a credit note is voided → 409 problem+json invoice_has_credit_notes; a credit at another rate → 422', async () => {
    // ₹1,000 at 18 %: CGST 90.00 + SGST 90.00, total ₹1,180.
    const inv = await h.api('POST', '/v1/invoices', { customer_id: customerId, lines: [snack(100_000)] });
    expect(inv.body.total).toBe(118_000);
    expect((await h.api('POST', `/v1/invoices/${inv.body.id}/finalize`)).status).toBe(200);
    const otherRate = await h.api('POST', `/v1/invoices/${inv.body.id}/credit-notes`, {
      reason: 'adjustment',
      lines: [snack(10_000, 500)],
    });
    expect(otherRate.status).toBe(422);
    expect(otherRate.body.errors[0]).toMatchObject({
      field: '/lines/0/gst_rate_bp',
      code: 'credit_rate_not_on_invoice',
    });
    // ₹100 at 18 % (₹118) credited; then the invoice can no longer be voided.
    const cn = await h.api('POST', `/v1/invoices/${inv.body.id}/credit-notes`, {
      reason: 'adjustment',
      lines: [snack(10_000)],
    });
    expect(cn.status).toBe(201);
    const voided = await h.api('POST', `/v1/invoices/${inv.body.id}/void`);
    expect(voided.status).toBe(409);
    expect(String(voided.headers['content-type'])).toMatch(/application\/problem\+json/);
    expect(voided.body).toMatchObject({ status: 409, code: 'invoice_has_credit_notes' });
  });

  it('when a rate is added to the GST table → problem+json naming fields for bad rows; lines take the slabs of their day', async () => {
    const bad = await h.api('POST', '/v1/gst/rates', {
      hsn_sac: '1905',
      rate_bp: 1200,
      effective_from: '2026-13-01',
      basis: 'x',
    });
    expect(bad.status).toBe(422);
    expect(String(bad.headers['content-type'])).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['/effective_from', '/basis']);
    // 12 % is no slab since 22 September 2025 (GST 2.0): not for a code, and not on a line supplied now.
    const twelve = await h.api('POST', '/v1/gst/rates', {
      hsn_sac: '1905',
      rate_bp: 1200,
      effective_from: '2026-06-01',
      basis: 'Notification x/2026',
    });
    expect(twelve.body.errors[0]).toMatchObject({ field: '/rate_bp', code: 'unknown_gst_rate' });
    const line = await h.api('POST', '/v1/invoices', { customer_id: customerId, lines: [snack(100_000, 1200)] });
    expect(line.status).toBe(422);
    expect(line.body.errors[0]).toMatchObject({ field: '/lines/0/gst_rate_bp', code: 'unknown_gst_rate' });
    const row = { hsn_sac: '1905', rate_bp: 1800, effective_from: '2026-06-01', basis: 'Notification x/2026' };
    const ok = await h.api('POST', '/v1/gst/rates', row);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ hsn_sac: '1905', rate_bp: 1800, effective_from: '2026-06-01' });
    const again = await h.api('POST', '/v1/gst/rates', row);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'gst_rate_exists', errors: [{ field: '/effective_from' }] });
    const table = await h.api('GET', '/v1/gst/rates');
    expect(
      table.body.data
        .filter((r: { hsn_sac: string | null }) => r.hsn_sac === '1905')
        .map((r: { rate_bp: number }) => r.rate_bp),
    ).toEqual([1800, 500, 1800]);
  });

  it('when a due date precedes today or the total is zero → 422 naming /due_at or /lines; no draft is created', async () => {
    const early = await h.api('POST', '/v1/invoices', {
      customer_id: customerId,
      lines: [snack(100_000)],
      due_at: '2026-05-09T12:00:00Z', // 9 May IST, the day before
    });
    expect(early.status).toBe(422);
    expect(early.body.errors[0]).toMatchObject({ field: '/due_at', code: 'due_before_issue' });
    // ₹500 at 18 % (₹590) and a −₹590 exempt discount: total 0.
    const zero = await h.api('POST', '/v1/invoices', {
      customer_id: customerId,
      lines: [snack(50_000), { description: 'Discount', amount: -59_000, tax_category: 'gst_exempt_school_meals' }],
    });
    expect(zero.status).toBe(422);
    expect(zero.body.errors[0]).toMatchObject({ field: '/lines', code: 'non_positive_total' });
    const list = await h.api('GET', `/v1/invoices?customer_id=${customerId}&status=draft`);
    expect(list.body.data).toEqual([]);
  });
});
