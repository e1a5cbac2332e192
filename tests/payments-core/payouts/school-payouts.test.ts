import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../platform/clock.js';
import { type Harness, saveCard, seedParent, startHarness } from '../../support/harness.js';

/** 12:00 IST on 20 Nov 2026: the clock every write of this file sees. */
const clock = fixedClock(new Date('2026-11-20T06:30:00Z'));
const TODAY = '2026-11-20';

describe('school payouts out of school_payable (issue 15 §6)', () => {
  let h: Harness;
  let schoolA = '';
  let schoolB = '';
  let utrSeq = 0;
  /** A fresh NEFT-shaped UTR (16 characters). */
  const utr = () => `HDFCN5${String(++utrSeq).padStart(10, '0')}`;
  const payable = async (school: string) => (await h.api('GET', `/v1/schools/${school}/payable`)).body;
  const payout = (school: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
    h.api('POST', `/v1/schools/${school}/payouts`, { utr: utr(), paid_on: TODAY, ...body }, headers);
  /** school_payable per school, straight from the journal lines; and the whole ledger's sum. */
  const ledger = async () => {
    const rows = await h.db.all<{ school_id: string; balance: number }>(
      `SELECT school_id, sum(amount_minor)::BIGINT AS balance FROM journal_lines WHERE account = 'school_payable'
       GROUP BY school_id`,
    );
    const total = await h.db.one<{ total: number }>('SELECT sum(amount_minor)::BIGINT AS total FROM journal_lines');
    return { payable: Object.fromEntries(rows.map((r) => [r.school_id, r.balance])), total: total?.total };
  };
  const written = async () => ({
    payouts: (await h.db.one<{ n: number }>('SELECT count(*)::INT AS n FROM school_payouts'))?.n,
    entries: (await h.db.one<{ n: number }>('SELECT count(*)::INT AS n FROM journal_entries'))?.n,
  });
  const capture = async (customerId: string, methodId: string, amount: number) => {
    const order = await h.api('POST', '/v1/orders', { customer_id: customerId, amount });
    const payment = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: methodId });
    expect(payment.body.status).toBe('captured');
    return payment.body.id as string;
  };

  beforeAll(async () => {
    h = await startHarness({ clock });
    const a = await seedParent(h);
    schoolA = a.schoolId;
    const first = await capture(a.customerId, a.methodId, 100_000);
    await capture(a.customerId, a.methodId, 50_000);
    expect((await h.api('POST', '/v1/refunds', { payment_id: first, amount: 10_000 })).status).toBe(201);

    const school = await h.api('POST', '/v1/schools', { name: 'Lakeside Public', city: 'Mysuru', state_code: 'KA' });
    schoolB = school.body.id;
    const parent = await h.api('POST', '/v1/customers', {
      school_id: schoolB,
      name: 'Ravi Kumar',
      email: 'ravi@example.in',
      phone: '+919812345678',
      state_code: 'KA',
    });
    const { methodId } = await saveCard(h, parent.body.id);
    await capture(parent.body.id, methodId, 80_000);
    await h.settle();
  });
  afterAll(async () => h.close());

  it('when a payout is recorded for one school → its school_payable falls by the payout, the other is unchanged, the ledger sums to zero', async () => {
    expect(await payable(schoolA)).toMatchObject({ earned: 140_000, paid_out: 0, owed: 140_000 });
    const before = await ledger();
    expect(before.payable).toEqual({ [schoolA]: -140_000, [schoolB]: -80_000 });

    const res = await payout(schoolA, {
      amount: 60_000,
      period_from: '2026-11-01',
      period_to: '2026-11-15',
      note: 'first half of November',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: 'school_payout',
      school_id: schoolA,
      amount: 60_000,
      currency: 'INR',
      paid_on: TODAY,
      period_from: '2026-11-01',
      period_to: '2026-11-15',
      status: 'recorded',
      reversed_at: null,
    });
    expect(res.body.id).toMatch(/^pout_/);
    expect(res.body.created_by).toMatch(/^key_/);
    const lines = await h.db.all(
      'SELECT account, school_id, amount_minor FROM journal_lines WHERE entry_id = $id ORDER BY line_no',
      { id: res.body.journal_entry_id },
    );
    expect(lines).toEqual([
      { account: 'school_payable', school_id: schoolA, amount_minor: 60_000 },
      { account: 'bank', school_id: null, amount_minor: -60_000 },
    ]);

    const after = await ledger();
    expect(after.payable).toEqual({ [schoolA]: -80_000, [schoolB]: -80_000 });
    expect(after.total).toBe(0);
    const a = await payable(schoolA);
    expect(a).toMatchObject({ object: 'school_payable', earned: 140_000, paid_out: 60_000, owed: 80_000 });
    expect(a.owed).toBe(a.earned - a.paid_out);
    expect(await payable(schoolB)).toMatchObject({ earned: 80_000, paid_out: 0, owed: 80_000 });
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);

    expect((await h.api('GET', `/v1/payouts/${res.body.id}`)).body).toEqual(res.body);
    const list = await h.api('GET', `/v1/schools/${schoolA}/payouts`);
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([res.body.id]);
    expect((await h.api('GET', `/v1/schools/${schoolB}/payouts`)).body.data).toEqual([]);
  });

  it('when a payout is more than is owed, or its fields are bad → 422 naming each field, nothing written', async () => {
    const before = await written();
    const over = await payout(schoolA, { amount: 80_001 });
    expect(over.status).toBe(422);
    expect(over.headers['content-type']).toContain('application/problem+json');
    expect(over.body).toMatchObject({ code: 'payout_exceeds_owed', owed: 80_000 });
    expect(over.body.errors.map((e: { field: string }) => e.field)).toEqual(['/amount']);

    const bad = await h.api('POST', `/v1/schools/${schoolA}/payouts`, {
      amount: 0,
      utr: 'UTR-1',
      paid_on: '2026-11-21',
      period_from: '2026-11-01',
      note: 'x'.repeat(501),
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      ['/amount', '/note', '/paid_on', '/period_to', '/utr'].sort(),
    );
    const dates = await payout(schoolA, {
      amount: 100,
      paid_on: '2026-02-30',
      period_from: '2026-11-15',
      period_to: '2026-11-01',
    });
    expect(dates.body.errors.map((e: { field: string }) => e.field)).toEqual(['/paid_on', '/period_to']);
    const unknown = await payout('sch_Nobody0000001', { amount: 100 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('school_not_found');
    expect(await written()).toEqual(before);
    expect((await payable(schoolA)).owed).toBe(80_000);
  });

  it('when two payouts that together exceed what is owed arrive at once → exactly one is recorded', async () => {
    const [x, y] = await Promise.all([payout(schoolB, { amount: 50_000 }), payout(schoolB, { amount: 50_000 })]);
    expect([x.status, y.status].sort()).toEqual([201, 422]);
    expect([x, y].find((r) => r.status === 422)?.body).toMatchObject({ code: 'payout_exceeds_owed', owed: 30_000 });
    expect(await payable(schoolB)).toMatchObject({ earned: 80_000, paid_out: 50_000, owed: 30_000 });
    expect((await ledger()).payable[schoolB]).toBe(-30_000);
  });

  it('when the same UTR is recorded twice for a school → 409 naming /utr; a retry with the same Idempotency-Key → the same payout, one entry', async () => {
    const body = { amount: 1_000, utr: 'sbinr52026112000000123', paid_on: TODAY };
    const path = `/v1/schools/${schoolA}/payouts`;
    const first = await h.api('POST', path, body, { 'idempotency-key': 'pout-1' });
    expect(first.status).toBe(201);
    expect(first.body.utr).toBe('SBINR52026112000000123');
    const retry = await h.api('POST', path, body, { 'idempotency-key': 'pout-1' });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    const entries = await h.db.all('SELECT id FROM journal_entries WHERE ref_id = $id', { id: first.body.id });
    expect(entries).toHaveLength(1);

    const again = await payout(schoolA, { amount: 1_000, utr: 'SBINR52026112000000123' });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('duplicate_utr');
    expect(again.body.errors[0].field).toBe('/utr');
    // Another school may carry the same reference (a UTR is unique per school here); an IMPS RRN is 12 digits.
    expect((await payout(schoolB, { amount: 1_000, utr: 'SBINR52026112000000123' })).status).toBe(201);
    expect((await payout(schoolB, { amount: 1_000, utr: '634512345678' })).status).toBe(201);
    expect(await payable(schoolA)).toMatchObject({ paid_out: 61_000, owed: 79_000 });
  });

  it('when a payout is reversed (a bounced transfer) → what is owed is restored; a second reversal → 409', async () => {
    const res = await payout(schoolA, { amount: 9_000 });
    expect((await payable(schoolA)).owed).toBe(70_000);
    const missing = await h.api('POST', `/v1/payouts/${res.body.id}/reverse`, {});
    expect(missing.status).toBe(422);
    expect(missing.body.errors[0].field).toBe('/reason');

    clock.advance(3_600_000);
    const reversed = await h.api('POST', `/v1/payouts/${res.body.id}/reverse`, { reason: 'Returned: account closed' });
    expect(reversed.status).toBe(200);
    expect(reversed.body).toMatchObject({
      status: 'reversed',
      reversal_reason: 'Returned: account closed',
      reversed_at: '2026-11-20T07:30:00.000Z',
    });
    const lines = await h.db.all(
      'SELECT account, school_id, amount_minor FROM journal_lines WHERE entry_id = $id ORDER BY line_no',
      { id: reversed.body.reversal_journal_entry_id },
    );
    expect(lines).toEqual([
      { account: 'bank', school_id: null, amount_minor: 9_000 },
      { account: 'school_payable', school_id: schoolA, amount_minor: -9_000 },
    ]);
    expect(await payable(schoolA)).toMatchObject({ earned: 140_000, paid_out: 61_000, owed: 79_000 });
    expect((await ledger()).total).toBe(0);

    const before = await written();
    const twice = await h.api('POST', `/v1/payouts/${res.body.id}/reverse`, { reason: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('payout_already_reversed');
    expect(await written()).toEqual(before);
    expect((await h.api('POST', '/v1/payouts/pout_Nobody0000001/reverse', { reason: 'none' })).status).toBe(404);
  });
});
