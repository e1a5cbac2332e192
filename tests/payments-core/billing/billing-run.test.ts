import { afterEach, describe, expect, it } from 'vitest';
import { runBilling } from '../../../payments-core/billing/run-billing.js';
import { getBalances } from '../../../payments-core/ledger/get-balances.js';
import { type BillingEnv, billingEnv } from './support.js';

// 1 November 2026 00:30 IST: the subscriptions' start; period 0 ends at 1 December 00:00 IST (30 Nov 18:30 UTC).
const START = new Date('2026-10-31T19:00:00Z');
const PERIOD_END = new Date('2026-11-30T18:30:00Z');
const AFTER_END = new Date('2026-11-30T19:00:00Z');

let env: BillingEnv;
afterEach(async () => env?.close());

describe('billing run', () => {
  it('when periods have ended → each subscription is billed once: record paid, invoice, ledger, period advanced', async () => {
    env = await billingEnv(START);
    const { ids } = await env.seed({ count: 5, startAt: START, unitAmount: 250_000, quantity: 2, setupFee: 10_000 });
    env.clock.set(new Date(PERIOD_END.getTime() - 1000));
    const early = await runBilling(env.deps(), { now: env.clock.now() });
    expect(early.due).toBe(0);
    env.clock.set(AFTER_END);
    const summary = await runBilling(env.deps(), { now: env.clock.now() });
    expect(summary).toMatchObject({ due: 5, records_created: 5, paid: 5, failed: 0, advanced: 5 });
    const records = await env.db.all<{
      status: string;
      amount_minor: number;
      invoice_id: string;
      plan_amount_minor: number;
      setup_fee_minor: number;
    }>('SELECT status, amount_minor, invoice_id, plan_amount_minor, setup_fee_minor FROM billing_records');
    expect(records).toHaveLength(5);
    for (const r of records) {
      expect(r).toMatchObject({
        status: 'paid',
        plan_amount_minor: 500_000,
        setup_fee_minor: 10_000,
        amount_minor: 510_000,
      });
      expect(r.invoice_id).toMatch(/^inv_/);
    }
    const captured = env.capturedAtGateway();
    expect(captured.size).toBe(5);
    expect([...captured.values()].every((n) => n === 1)).toBe(true);
    const balances = await getBalances({ db: env.db });
    expect(balances.balanced).toBe(true);
    const entries = await env.db.one<{ n: number }>(
      "SELECT count(*)::INTEGER AS n FROM journal_entries WHERE kind = 'capture'",
    );
    expect(entries?.n).toBe(5);
    const sub = await env.db.one<{ period_index: number; current_period_start: Date; status: string }>(
      'SELECT period_index, current_period_start, status FROM subscriptions WHERE id = $id',
      { id: ids[0] },
    );
    expect(sub).toMatchObject({ period_index: 1, status: 'active' });
    expect(sub?.current_period_start.toISOString()).toBe(PERIOD_END.toISOString());
    const events = await env.db.all<{ type: string }>(
      'SELECT type FROM subscription_events WHERE subscription_id = $id ORDER BY seq',
      { id: ids[0] },
    );
    expect(events.map((e) => e.type)).toEqual(['period_changed']);
    const invoices = await env.db.one<{ n: number; paid: number }>(
      "SELECT count(*)::INTEGER AS n, sum(amount_paid_minor)::BIGINT AS paid FROM invoices WHERE source = 'subscription_period'",
    );
    expect(invoices).toMatchObject({ n: 5, paid: 5 * 510_000 });

    const again = await runBilling(env.deps(), { now: env.clock.now() });
    expect(again).toMatchObject({ due: 0, records_created: 0, charged: 0 });
    expect(env.capturedAtGateway().size).toBe(5);
  });
});
