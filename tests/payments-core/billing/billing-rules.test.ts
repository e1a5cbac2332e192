import { afterEach, describe, expect, it } from 'vitest';
import { chargeBillingRecord } from '../../../payments-core/billing/charge-billing-record.js';
import { runBilling } from '../../../payments-core/billing/run-billing.js';
import { getBalances } from '../../../payments-core/ledger/get-balances.js';
import { createSubscriptionPlan } from '../../../payments-core/subscription-plans/create-plan.js';
import { createSubscription } from '../../../payments-core/subscriptions/create-subscription.js';
import { istDate } from '../../../platform/ist.js';
import { type BillingEnv, billingEnv } from './support.js';

const HOUR = 3_600_000;
let env: BillingEnv;
afterEach(async () => env?.close());

const run = (e: BillingEnv, at: Date) => {
  e.clock.set(at);
  return runBilling(e.deps({ billing: { chunkSize: 50 } }), { now: at });
};
const record = (e: BillingEnv, subscriptionId: string) =>
  e.db.one<Record<string, any>>('SELECT * FROM billing_records WHERE subscription_id = $id ORDER BY period_index', {
    id: subscriptionId,
  });
const sub = (e: BillingEnv, id: string) =>
  e.db.one<Record<string, any>>('SELECT * FROM subscriptions WHERE id = $id', { id });

describe('billing dates in Asia/Kolkata', () => {
  it('when a subscription starts at 00:30 IST → it renews on its IST date and runs around midnight UTC bill it once', async () => {
    const start = new Date('2026-03-14T19:00:00Z'); // 15 March 2026 00:30 IST; the UTC date is still the 14th
    env = await billingEnv(start);
    const { ids, planId } = await env.seed({ count: 3, startAt: start });
    const id = ids[0] ?? '';
    // The plan classifies what it supplies: its lines carry its SAC and unit.
    await env.db.run("UPDATE subscription_plans SET hsn_sac = '996334', uqc = 'OTH' WHERE id = $id", { id: planId });
    // The UTC date of the renewal day (14 April) and the instants around IST midnight (18:30 UTC) and midnight UTC.
    const instants = ['2026-04-14T00:00:00Z', '2026-04-14T12:00:00Z', '2026-04-14T18:00:00Z', '2026-04-14T18:29:59Z'];
    for (const at of instants) expect((await run(env, new Date(at))).records_created, at).toBe(0);
    const due = await run(env, new Date('2026-04-14T18:30:00Z'));
    expect(due).toMatchObject({ records_created: 3, paid: 3, advanced: 3 });
    for (const at of [
      '2026-04-14T18:31:00Z',
      '2026-04-14T23:59:59Z',
      '2026-04-15T00:00:00Z',
      '2026-04-15T00:30:00Z',
      '2026-04-15T18:29:59Z',
    ]) {
      const again = await run(env, new Date(at));
      expect(again, at).toMatchObject({ due: 0, records_created: 0, charged: 0 });
    }
    const r = await record(env, id);
    expect(istDate(r?.period_start)).toBe('2026-03-15');
    expect(istDate(r?.period_end)).toBe('2026-04-15');
    const s = await sub(env, id);
    expect(istDate(s?.current_period_start)).toBe('2026-04-15');
    expect(istDate(s?.current_period_end)).toBe('2026-05-15');
    const line = await env.db.one<{ description: string; hsn_sac: string; uqc: string }>(
      `SELECT l.description, l.hsn_sac, l.uqc FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
       WHERE i.source_ref = $ref`,
      { ref: r?.id },
    );
    expect(line?.description).toContain('2026-03-15 to 2026-04-14');
    expect(line).toMatchObject({ hsn_sac: '996334', uqc: 'OTH' });
    expect(env.capturedAtGateway().size).toBe(3);
    // The next renewal: 15 May IST, not 14 May (UTC).
    expect((await run(env, new Date('2026-05-14T18:29:00Z'))).records_created).toBe(0);
    expect((await run(env, new Date('2026-05-14T18:30:00Z'))).paid).toBe(3);
    expect(env.capturedAtGateway().size).toBe(6);
  });
});

describe('what the run bills', () => {
  const start = new Date('2026-10-31T19:00:00Z'); // 1 Nov 2026 00:30 IST
  const afterEnd = new Date('2026-11-30T19:00:00Z');

  it('when a renewal is declined → record failed, subscription pending, dunning case opened, period advanced', async () => {
    env = await billingEnv(start);
    const { ids } = await env.seed({ count: 2, startAt: start, card: '4000000000000002' });
    const summary = await run(env, afterEnd);
    expect(summary).toMatchObject({ failed: 2, paid: 0, advanced: 2 });
    const r = await record(env, ids[0] ?? '');
    expect(r).toMatchObject({ status: 'failed', decline_code: 'card_declined' });
    expect(await sub(env, ids[0] ?? '')).toMatchObject({ status: 'pending', period_index: 1 });
    const cases = await env.db.all<{ billing_record_id: string; decline_code: string }>(
      'SELECT billing_record_id, decline_code FROM dunning_cases ORDER BY billing_record_id',
    );
    expect(cases).toHaveLength(2);
    expect(cases[0]).toMatchObject({ decline_code: 'card_declined' });
    const rerun = await run(env, new Date(afterEnd.getTime() + HOUR));
    expect(rerun).toMatchObject({ charged: 0, failed: 0 });
    expect((await getBalances({ db: env.db })).balanced).toBe(true);
  });

  it('when a subscription is paused, cancelled, Razorpay-held or cancels at period end → only the right ones are billed', async () => {
    env = await billingEnv(start);
    const { ids } = await env.seed({ count: 5, startAt: start });
    const [active, paused, cancelled, razorpay, ending] = ids;
    await env.db.run("UPDATE subscriptions SET status = 'paused' WHERE id = $id", { id: paused });
    await env.db.run("UPDATE subscriptions SET status = 'cancelled' WHERE id = $id", { id: cancelled });
    await env.db.run(
      "UPDATE subscriptions SET collection = 'razorpay', gateway_subscription_id = 'sub_RzpHeld0001' WHERE id = $id",
      {
        id: razorpay,
      },
    );
    await env.db.run('UPDATE subscriptions SET cancel_at_period_end = true WHERE id = $id', { id: ending });
    const summary = await run(env, afterEnd);
    expect(summary).toMatchObject({ due: 2, paid: 2, advanced: 1, cancelled: 1 });
    const billed = await env.db.all<{ subscription_id: string }>(
      'SELECT subscription_id FROM billing_records ORDER BY 1',
    );
    expect(billed.map((b) => b.subscription_id)).toEqual([active, ending].sort());
    expect(await sub(env, ending ?? '')).toMatchObject({ status: 'cancelled', period_index: 0 });
    expect((await sub(env, ending ?? ''))?.ended_at.toISOString()).toBe('2026-11-30T18:30:00.000Z');
    expect((await run(env, new Date('2026-12-31T19:00:00Z'))).paid).toBe(1);
  });

  it('when prorations are pending and the plan has a trial and a setup fee → they are billed once, on the right records', async () => {
    env = await billingEnv(start);
    const { ids } = await env.seed({ count: 1, startAt: start, unitAmount: 300_000 });
    const id = ids[0] ?? '';
    await env.db.run(
      `INSERT INTO subscription_charges (id, subscription_id, change_id, kind, description, amount_minor, currency,
         period_index, period_start, period_end, bill_on, status, tax_category, created_at)
       VALUES ('sch_1', $id, 'chg_1', 'proration_credit', 'Unused time', -100000, 'INR', 0, $s, $e, 'next_invoice', 'pending', 'gst_exempt_school_meals', $s),
              ('sch_2', $id, 'chg_1', 'proration_charge', 'Remaining time', 150000, 'INR', 0, $s, $e, 'next_invoice', 'pending', 'gst_exempt_school_meals', $s)`,
      { id, s: start, e: afterEnd },
    );
    // A trial plan with a setup fee, subscribed through the real use cases.
    const deps = env.deps();
    const plan = await createSubscriptionPlan(deps, {
      name: 'Snack plan',
      interval: 'monthly',
      amount: 120_000,
      trial_days: 7,
      setup_fee: 20_000,
      tax_category: 'gst',
      gst_rate_bp: 1800,
      billing_timing: 'in_arrears',
    });
    const customer = await env.db.one<{ customer_id: string }>('SELECT customer_id FROM subscriptions WHERE id = $id', {
      id,
    });
    const trial = await createSubscription(deps, { customer_id: customer?.customer_id ?? '', plan_id: plan.id });
    expect(trial.status).toBe('trialing');

    await run(env, afterEnd);
    expect(await record(env, id)).toMatchObject({ charges_minor: 50_000, amount_minor: 350_000, status: 'paid' });
    const charges = await env.db.all<{ status: string }>('SELECT DISTINCT status FROM subscription_charges');
    expect(charges).toEqual([{ status: 'billed' }]);
    // The trial ended on 8 Nov IST: its record carries the setup fee only (with 18 % GST), and the subscription is active.
    const t = await record(env, trial.id);
    expect(t).toMatchObject({
      period_index: 0,
      plan_amount_minor: 0,
      setup_fee_minor: 20_000,
      amount_minor: 23_600,
      status: 'paid',
    });
    expect(await sub(env, trial.id)).toMatchObject({ status: 'active', period_index: 1 });
    // Its first paid period ended on 8 Dec IST: the plan price plus GST, no setup fee.
    await run(env, new Date('2026-12-08T00:00:00Z'));
    const second = await env.db.one<Record<string, any>>(
      'SELECT * FROM billing_records WHERE subscription_id = $id AND period_index = 1',
      { id: trial.id },
    );
    expect(second).toMatchObject({
      plan_amount_minor: 120_000,
      setup_fee_minor: 0,
      amount_minor: 141_600,
      status: 'paid',
    });
  });
});

describe('mandate debits (UPI AutoPay, e-mandate)', () => {
  const start = new Date('2026-10-31T19:00:00Z');
  const end = new Date('2026-11-30T18:30:00Z');

  it('when the period end is near → the pre-debit notice goes out ≥ 24 h before and the debit follows at period end', async () => {
    env = await billingEnv(start);
    const { ids } = await env.seed({ count: 1, startAt: start, mandateType: 'emandate' });
    const notice = await run(env, new Date(end.getTime() - 30 * HOUR));
    expect(notice).toMatchObject({ notices: 1, records_created: 0 });
    const emails = await env.db.all<{ kind: string; to_address: string }>('SELECT kind, to_address FROM email_outbox');
    expect(emails).toEqual([{ kind: 'pre_debit', to_address: 'parent0@example.in' }]);
    expect((await run(env, new Date(end.getTime() - 29 * HOUR))).notices).toBe(0);
    const debit = await run(env, new Date(end.getTime() + HOUR));
    expect(debit).toMatchObject({ paid: 1, deferred: 0 });
    expect(await record(env, ids[0] ?? '')).toMatchObject({ status: 'paid' });
  });

  // Razorpay sends the UPI AutoPay pre-debit notification and debits in its 25th hour
  // (https://razorpay.com/docs/payments/payment-gateway/s2s-integration/recurring-payments/upi-intent/execute-subsequent-payments/).
  it('when the mandate is UPI AutoPay → kosh records and mails no notice and debits at period end without a wait', async () => {
    env = await billingEnv(start);
    const { ids } = await env.seed({ count: 1, startAt: start, mandateType: 'upi_autopay' });
    expect(await run(env, new Date(end.getTime() - 30 * HOUR))).toMatchObject({ notices: 0 });
    const debit = await run(env, new Date(end.getTime() + HOUR));
    expect(debit).toMatchObject({ paid: 1, deferred: 0 });
    expect(await record(env, ids[0] ?? '')).toMatchObject({ status: 'paid' });
    expect(await env.db.all('SELECT id FROM pre_debit_notifications')).toEqual([]);
    expect(await env.db.all("SELECT id FROM email_outbox WHERE kind = 'pre_debit'")).toEqual([]);
  });

  it('when no notice went out in time → the debit waits until the notice is 24 h old', async () => {
    env = await billingEnv(start);
    const { ids } = await env.seed({ count: 1, startAt: start, mandateType: 'emandate' });
    const first = await run(env, new Date(end.getTime() + HOUR));
    expect(first).toMatchObject({ records_created: 1, deferred: 1, charged: 0 });
    expect(await record(env, ids[0] ?? '')).toMatchObject({ status: 'pending' });
    expect(
      (await env.db.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM email_outbox WHERE kind = 'pre_debit'"))?.n,
    ).toBe(1);
    expect((await run(env, new Date(end.getTime() + 24 * HOUR))).charged).toBe(0);
    expect(env.capturedAtGateway().size).toBe(0);
    const later = await run(env, new Date(end.getTime() + 25 * HOUR));
    expect(later).toMatchObject({ charged: 1, paid: 1, advanced: 1 });
    expect(
      (await env.db.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM email_outbox WHERE kind = 'pre_debit'"))?.n,
    ).toBe(1);
  });

  it('when a renewal is above ₹15,000 → it is not auto-debited: failed for authentication, dunning asks the parent', async () => {
    env = await billingEnv(start);
    const { ids } = await env.seed({ count: 1, startAt: start, unitAmount: 1_600_000 });
    const summary = await run(env, new Date(end.getTime() + HOUR));
    expect(summary).toMatchObject({ failed: 1, charged: 0 });
    expect(await record(env, ids[0] ?? '')).toMatchObject({
      status: 'failed',
      decline_code: 'authentication_required',
    });
    expect(env.sim.payments()).toHaveLength(0);
    expect((await env.db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM dunning_cases'))?.n).toBe(1);
  });
});

describe('chargeBillingRecord (the dunning contract)', () => {
  const start = new Date('2026-10-31T19:00:00Z');
  const afterEnd = new Date('2026-11-30T19:00:00Z');

  it('when a failed renewal is retried after the parent updated the card → paid once, subscription active, invoice paid', async () => {
    env = await billingEnv(start);
    const { ids } = await env.seed({ count: 1, startAt: start, card: '4000000000009995' });
    const id = ids[0] ?? '';
    await run(env, afterEnd);
    const failed = await record(env, id);
    expect(failed).toMatchObject({ status: 'failed', decline_code: 'insufficient_funds' });
    expect(await sub(env, id)).toMatchObject({ status: 'pending' });
    const again0 = await chargeBillingRecord(env.deps(), failed?.id, { attempt: 0 });
    expect(again0).toMatchObject({ status: 'failed', declineCode: 'insufficient_funds', hard: false });
    await env.db.run('UPDATE payment_methods SET gateway_token = $t', { t: await env.token() });
    const paid = await chargeBillingRecord(env.deps(), failed?.id, { attempt: 1 });
    expect(paid).toEqual({ status: 'paid', paymentId: `bill_${failed?.id}_1` });
    expect(await chargeBillingRecord(env.deps(), failed?.id, { attempt: 1 })).toEqual(paid);
    expect(await record(env, id)).toMatchObject({ status: 'paid', payment_id: `bill_${failed?.id}_1` });
    expect(await sub(env, id)).toMatchObject({ status: 'active' });
    const invoice = await env.db.one<{ amount_paid_minor: number; total_minor: number }>(
      'SELECT amount_paid_minor, total_minor FROM invoices WHERE id = $id',
      { id: failed?.invoice_id },
    );
    expect(invoice?.amount_paid_minor).toBe(invoice?.total_minor);
    expect(env.capturedAtGateway().size).toBe(1);
    expect((await getBalances({ db: env.db })).balanced).toBe(true);
  });
});
