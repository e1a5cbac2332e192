import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, saveCard, seedParent, startHarness } from '../../support/harness.js';

/**
 * The invariants that DuckDB's one writer used to keep by itself, now kept by row locks in PostgreSQL: several
 * requests on the same record at the same moment (as from two kosh processes) still move money once.
 */
describe('concurrent writes on one record', () => {
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  beforeAll(async () => {
    h = await startHarness();
    parent = await seedParent(h);
  });
  afterAll(async () => h.close());

  it('when one order is paid by several requests at once → one payment is charged, the others are refused', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 41_000 });
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: parent.methodId }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(11);
    for (const a of answers.filter((x) => x.status === 409)) {
      expect(['payment_in_progress', 'order_already_paid']).toContain(a.body.code);
    }
    const payments = (await h.api('GET', `/v1/payments?order_id=${order.body.id}`)).body.data;
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ status: 'captured', amount_captured: 41_000 });
  });

  it('when refunds of one payment race → together they never exceed the capture, and the ledger balances', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 100_000 });
    const payment = await h.api('POST', '/v1/payments', {
      order_id: order.body.id,
      payment_method_id: parent.methodId,
    });
    expect(payment.body.status).toBe('captured');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => h.api('POST', '/v1/refunds', { payment_id: payment.body.id, amount: 30_000 })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    for (const a of answers.filter((x) => x.status !== 201)) expect(a.body.code).toBe('refund_exceeds_captured');
    await h.settle();
    const after = (await h.api('GET', `/v1/payments/${payment.body.id}`)).body;
    expect(after.amount_refunded).toBe(90_000);
    const entries = await h.db.one<{ n: number }>(
      `SELECT count(*)::BIGINT AS n FROM journal_entries e JOIN refunds r ON r.id = e.ref_id
       WHERE r.payment_id = $id AND e.kind = 'refund_initiated'`,
      { id: payment.body.id },
    );
    expect(entries?.n).toBe(3);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  });

  it('when a manual capture races its own webhook → the capture is posted to the ledger once', async () => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 52_000 });
    const payment = await h.api('POST', '/v1/payments', {
      order_id: order.body.id,
      payment_method_id: parent.methodId,
      capture: 'manual',
    });
    expect(payment.body.status).toBe('authorized');
    const captures = await Promise.all(
      Array.from({ length: 4 }, () => h.api('POST', `/v1/payments/${payment.body.id}/capture`, {})),
    );
    expect(captures.some((c) => c.status === 200 && c.body.status === 'captured')).toBe(true);
    await h.settle();
    const posted = await h.db.one<{ n: number }>(
      "SELECT count(*)::BIGINT AS n FROM journal_entries WHERE ref_id = $id AND kind = 'capture'",
      { id: payment.body.id },
    );
    expect(posted?.n).toBe(1);
    expect((await h.api('GET', `/v1/payments/${payment.body.id}`)).body).toMatchObject({
      status: 'captured',
      amount_captured: 52_000,
    });
  });

  it('when several methods are saved as default at once → exactly one default remains', async () => {
    const customer = await h.api('POST', '/v1/customers', {
      school_id: parent.schoolId,
      name: 'Ravi Kumar',
      email: 'ravi@example.in',
      phone: '+919812345678',
      state_code: 'KA',
    });
    await Promise.all(Array.from({ length: 5 }, () => saveCard(h, customer.body.id, undefined, { isDefault: true })));
    const methods = (await h.api('GET', `/v1/customers/${customer.body.id}/payment-methods`)).body.data as {
      is_default: boolean;
    }[];
    expect(methods).toHaveLength(5);
    expect(methods.filter((m) => m.is_default)).toHaveLength(1);
  });
});
