import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriptionForChange } from '../../../payments-core/subscriptions/subscription-for-change.js';
import { transition } from '../../../payments-core/subscriptions/transitions.js';
import { fixedClock } from '../../../platform/clock.js';
import { type Harness, seedParent, startHarness } from '../../support/harness.js';

/** 10:00 IST on the given 2026 day (04:30 UTC). */
const ist = (mmdd: string) => new Date(`2026-${mmdd}T04:30:00Z`);
const clock = fixedClock(ist('01-10'));

/**
 * Six customers, four IST months of 2026, every change through the HTTP API while the clock moves:
 *
 * Plans: basic monthly 3,000.00/unit · plus monthly 4,500.00/unit · weekly 700.00 (MRR 70000 × 52/12 = 303333.33
 * → 303333) · yearly 12,000.06 (MRR 1200006 / 12 = 100000.5 → half-even 100000) · every 2 quarters 6,000.00
 * (600000 / 6 = 100000) · trial monthly 2,000.00 with 14 trial days.
 *
 * Jan 10  A basic × 2 (600000) · B weekly (303333) · C trial · D trial · E yearly (100000)
 * Feb 2   C's trial converts (→ active, 200000) · D cancels in trial (a trial that ended unconverted)
 * Feb 5   A upgrades to plus × 2 (900000: +300000)
 * Feb 10  B pauses (→ 0)
 * Feb 15  F every 2 quarters (100000)
 * Mar 3   B resumes (303333: reactivation, B paid before)
 * Mar 5   A goes to quantity 1 (450000: −450000)
 * Mar 10  E cancels (−100000)
 * Apr 2   E subscribes again, a new yearly subscription (100000: reactivation of customer E)
 * Apr 20  F cancels (−100000)
 * now     May 10
 */
describe('subscription analytics', () => {
  let h: Harness;
  const subs: Record<string, string> = {};
  const plans: Record<string, string> = {};
  const at = async (mmdd: string, fn: () => Promise<unknown>) => {
    clock.set(ist(mmdd));
    await fn();
  };
  const ok = async (method: 'POST' | 'PATCH', path: string, body?: unknown) => {
    const res = await h.api(method, path, body);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };

  beforeAll(async () => {
    h = await startHarness({ clock });
    const plan = async (extra: Record<string, unknown>) =>
      (
        await ok('POST', '/v1/subscription-plans', {
          name: 'Meals',
          interval: 'monthly',
          per_unit: true,
          tax_category: 'gst_exempt_school_meals',
          ...extra,
        })
      ).id as string;
    const basic = await plan({ amount: 300_000 });
    const plus = await plan({ amount: 450_000 });
    const weekly = await plan({ amount: 70_000, interval: 'weekly', per_unit: false });
    const yearly = await plan({ amount: 1_200_006, interval: 'yearly', per_unit: false });
    const halfYear = await plan({ amount: 600_000, interval: 'quarterly', interval_count: 2, per_unit: false });
    const trial = await plan({ amount: 200_000, trial_days: 14, per_unit: false });
    Object.assign(plans, { basic, plus, weekly, yearly, halfYear, trial });
    const customer: Record<string, string> = {};
    for (const name of ['A', 'B', 'C', 'D', 'E', 'F']) customer[name] = (await seedParent(h)).customerId;
    const subscribe = async (key: string, who: string, planId: string, quantity = 1) => {
      subs[key] = (await ok('POST', '/v1/subscriptions', { customer_id: customer[who], plan_id: planId, quantity })).id;
    };

    await at('01-10', async () => {
      await subscribe('A', 'A', basic, 2);
      await subscribe('B', 'B', weekly);
      await subscribe('C', 'C', trial);
      await subscribe('D', 'D', trial);
      await subscribe('E1', 'E', yearly);
    });
    await at('02-02', async () => {
      // The billing run (not built yet) converts a trial at its end; here the same move, as the system makes it.
      await h.db.transaction(async (tx) => {
        const sub = await subscriptionForChange(tx, subs['C'] ?? '');
        await transition(tx, sub, 'active', { source: 'system', strict: true, at: clock.now() });
      });
      await ok('POST', `/v1/subscriptions/${subs['D']}/cancel`);
    });
    await at('02-05', () => ok('PATCH', `/v1/subscriptions/${subs['A']}`, { plan_id: plus }));
    await at('02-10', () => ok('POST', `/v1/subscriptions/${subs['B']}/pause`));
    await at('02-15', () => subscribe('F', 'F', halfYear));
    await at('03-03', () => ok('POST', `/v1/subscriptions/${subs['B']}/resume`));
    await at('03-05', () => ok('PATCH', `/v1/subscriptions/${subs['A']}`, { quantity: 1 }));
    await at('03-10', () => ok('POST', `/v1/subscriptions/${subs['E1']}/cancel`));
    await at('04-02', () => subscribe('E2', 'E', yearly));
    await at('04-20', () => ok('POST', `/v1/subscriptions/${subs['F']}/cancel`));
    clock.set(ist('05-10'));
  });
  afterAll(async () => h.close());

  it('when asked for MRR movements → each IST month adds up: start + new + expansion + contraction + churned + reactivation = end', async () => {
    const res = await h.api('GET', '/v1/analytics/subscriptions/mrr-movements?from=2026-01&to=2026-05');
    expect(res.status).toBe(200);
    const months = res.body.months as Record<string, number | string | boolean | null>[];
    expect(months.map((m) => m['month'])).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05']);
    const pick = (m: Record<string, unknown>) => ({
      start: m['start_mrr'],
      new: m['new'],
      expansion: m['expansion'],
      contraction: m['contraction'],
      churned: m['churned'],
      reactivation: m['reactivation'],
      end: m['end_mrr'],
    });
    expect(months.map(pick)).toEqual([
      // January: A 600000 + B 303333 + E 100000 arrive; C and D are trialing (0).
      { start: 0, new: 1_003_333, expansion: 0, contraction: 0, churned: 0, reactivation: 0, end: 1_003_333 },
      // February: C (200000) and F (100000) new; A 600000 → 900000; B paused.
      // 1003333 + 300000 + 300000 − 303333 = 1300000.
      {
        start: 1_003_333,
        new: 300_000,
        expansion: 300_000,
        contraction: 0,
        churned: -303_333,
        reactivation: 0,
        end: 1_300_000,
      },
      // March: B back (+303333, it paid before); A 900000 → 450000; E cancels. 1300000 + 303333 − 450000 − 100000.
      {
        start: 1_300_000,
        new: 0,
        expansion: 0,
        contraction: -450_000,
        churned: -100_000,
        reactivation: 303_333,
        end: 1_053_333,
      },
      // April: E returns on a new subscription (+100000 reactivation); F cancels (−100000).
      {
        start: 1_053_333,
        new: 0,
        expansion: 0,
        contraction: 0,
        churned: -100_000,
        reactivation: 100_000,
        end: 1_053_333,
      },
      // May so far: nothing moves.
      { start: 1_053_333, new: 0, expansion: 0, contraction: 0, churned: 0, reactivation: 0, end: 1_053_333 },
    ]);
    for (const m of months) {
      const sum = ['start_mrr', 'new', 'expansion', 'contraction', 'churned', 'reactivation']
        .map((k) => m[k] as number)
        .reduce((a, b) => a + b, 0);
      expect(sum).toBe(m['end_mrr']);
    }
    expect(months.map((m) => m['complete'])).toEqual([true, true, true, true, false]);
    // Logo churn: customers churned / customers paying at the start. Feb: B of A, B, E. Mar: E of A, C, E, F.
    // Apr: F of A, B, C, F.
    expect(months.map((m) => [m['customers_start'], m['customers_churned'], m['logo_churn_rate']])).toEqual([
      [0, 0, null],
      [3, 1, 1 / 3],
      [4, 1, 1 / 4],
      [4, 1, 1 / 4],
      [4, 0, 0],
    ]);
    // Revenue churn (gross) = −(churned + contraction) / start; net also offsets expansion.
    expect(months[1]?.['revenue_churn_rate']).toBeCloseTo(303_333 / 1_003_333, 12);
    expect(months[1]?.['net_revenue_churn_rate']).toBeCloseTo((303_333 - 300_000) / 1_003_333, 12);
    expect(months[2]?.['revenue_churn_rate']).toBeCloseTo(550_000 / 1_300_000, 12);
    // Trials: C converted and D was cancelled, both in February.
    expect(months.map((m) => [m['trials_ended'], m['trials_converted']])).toEqual([
      [0, 0],
      [2, 1],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(res.body.trial_conversion).toEqual({ ended: 2, converted: 1, rate: 0.5 });
  });

  it('when asked for the summary → MRR, ARR, ARPU and LTV now and at a past instant', async () => {
    const now = await h.api('GET', '/v1/analytics/subscriptions/summary');
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({
      object: 'subscription_summary',
      at: '2026-05-10T04:30:00.000Z',
      currency: 'INR',
      // A 450000 + B 303333 + C 200000 + E 100000.
      mrr: 1_053_333,
      arr: 12_639_996,
      live_subscriptions: 4,
      trialing_subscriptions: 0,
      paused_subscriptions: 0,
      paying_customers: 4,
      // 1053333 / 4 = 263333.25 → 263333.
      arpu: 263_333,
      // May 2025 – April 2026: 3 + 4 + 4 customers paying at month starts, 3 churned.
      trailing_churn: { from: '2025-05', to: '2026-04', customers_start: 11, customers_churned: 3 },
      // 263333 / (3/11) = 965554.33 → 965554.
      ltv: 965_554,
    });
    expect(now.body.trailing_churn.logo_churn_rate).toBeCloseTo(3 / 11, 12);

    // 20 February: A 900000 + C 200000 + E 100000 + F 100000; B paused; no churn in the trailing months → no LTV.
    const feb = await h.api('GET', '/v1/analytics/subscriptions/summary?at=2026-02-20T00:00:00Z');
    expect(feb.body).toMatchObject({
      mrr: 1_300_000,
      arr: 15_600_000,
      paying_customers: 4,
      paused_subscriptions: 1,
      arpu: 325_000,
      trailing_churn: {
        from: '2025-02',
        to: '2026-01',
        customers_start: 0,
        customers_churned: 0,
        logo_churn_rate: null,
      },
      ltv: null,
    });
    // Just before the first subscription: nothing.
    const before = await h.api('GET', '/v1/analytics/subscriptions/summary?at=2026-01-01T00:00:00Z');
    expect(before.body).toMatchObject({ mrr: 0, arr: 0, paying_customers: 0, arpu: null, ltv: null });
  });

  it('when asked for cohorts → retention of subscriptions and cumulative MRR per customer by first-paid month', async () => {
    const res = await h.api('GET', '/v1/analytics/subscriptions/cohorts?from=2026-01&to=2026-04');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: '2026-01', to: '2026-04', observed_through: '2026-04' });
    const [jan, feb, mar, apr] = res.body.cohorts;
    // January's subscriptions: A, B, E1 (C and D were trialing). Live at month ends: Jan 3; Feb A, E1 (B paused);
    // Mar A, B (E1 cancelled); Apr A, B.
    expect(jan.subscriptions).toBe(3);
    expect(jan.retention).toEqual([
      { months_after_start: 0, live: 3, share: 1 },
      { months_after_start: 1, live: 2, share: 2 / 3 },
      { months_after_start: 2, live: 2, share: 2 / 3 },
      { months_after_start: 3, live: 2, share: 2 / 3 },
    ]);
    // January's customers A, B, E: month-end MRR 1003333, 1000000 (900000 + 0 + 100000), 753333 (450000 + 303333),
    // 853333 (E is back): cumulative 1003333, 2003333, 2756666, 3609999; per customer ÷ 3, half-even.
    expect(jan.customers).toBe(3);
    expect(jan.ltv).toEqual([
      { months_after_start: 0, cumulative_mrr: 1_003_333, per_customer: 334_444 },
      { months_after_start: 1, cumulative_mrr: 2_003_333, per_customer: 667_778 },
      { months_after_start: 2, cumulative_mrr: 2_756_666, per_customer: 918_889 },
      { months_after_start: 3, cumulative_mrr: 3_609_999, per_customer: 1_203_333 },
    ]);
    // February: C (converted) and F. F is gone by the end of April.
    expect(feb).toMatchObject({ month: '2026-02', subscriptions: 2, customers: 2 });
    expect(feb.retention.map((r: { live: number }) => r.live)).toEqual([2, 2, 1]);
    // C 200000 + F 100000 at the ends of Feb and Mar, C alone at the end of Apr.
    expect(feb.ltv.map((r: { per_customer: number }) => r.per_customer)).toEqual([150_000, 300_000, 400_000]);
    expect(mar).toEqual({ month: '2026-03', subscriptions: 0, retention: [], customers: 0, ltv: [] });
    // April: E's new subscription is its own subscription cohort; customer E belongs to January.
    expect(apr).toMatchObject({ subscriptions: 1, retention: [{ months_after_start: 0, live: 1, share: 1 }] });
    expect(apr).toMatchObject({ customers: 0, ltv: [] });
  });

  it('when asked per plan → subscribers, quantity, MRR and trials at `at`; trial conversion and churn over the range', async () => {
    const res = await h.api('GET', '/v1/analytics/subscriptions/plans?from=2026-01&to=2026-04');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      object: 'subscription_plan_analytics',
      at: '2026-05-10T04:30:00.000Z',
      from: '2026-01',
      to: '2026-04',
    });
    const rows = res.body.plans as Record<string, unknown>[];
    expect(rows).toHaveLength(6);
    const row = (key: string) => rows.find((r) => r['plan_id'] === plans[key]);
    const pick = (key: string) => {
      const r = row(key) ?? {};
      return [
        r['subscribers'],
        r['quantity'],
        r['mrr'],
        r['trialing'],
        r['trials_ended'],
        r['trials_converted'],
        r['trial_conversion'],
        r['churn_base'],
        r['churned'],
        r['moved_out'],
        r['churn_rate'],
      ];
    };
    expect(row('halfYear')).toMatchObject({
      name: 'Meals',
      status: 'active',
      interval: 'quarterly',
      interval_count: 2,
    });
    // State on 10 May: A on plus × 1 (450000), B weekly (303333, resumed), C converted on trial (200000), E2 yearly
    // (100000); D, E1 and F cancelled; basic has nobody left (A moved to plus).
    // Churn base per month start (counted subscriptions, by the plan they are on then) and month-end fate:
    //   Feb 1: A basic (→ counted on plus at Mar 1: moved out, not churn), B weekly (paused at Mar 1: churned),
    //          E1 yearly (still active at Mar 1). C and D are trialing: not in any base.
    //   Mar 1: A plus, C trial, E1 yearly (cancelled 10 Mar: churned), F half-year (B is paused: not in the base).
    //   Apr 1: A plus, B weekly, C trial, F half-year (cancelled 20 Apr: churned). E2 starts on 2 Apr.
    // Trials: both on the trial plan, both ended in February; C converted, D was cancelled.
    //                 subs qty  mrr      trialing ended conv rate  base churned moved rate
    expect(pick('basic')).toEqual([0, 0, 0, 0, 0, 0, null, 1, 0, 1, 0]);
    expect(pick('plus')).toEqual([1, 1, 450_000, 0, 0, 0, null, 2, 0, 0, 0]);
    expect(pick('weekly')).toEqual([1, 1, 303_333, 0, 0, 0, null, 2, 1, 0, 0.5]);
    expect(pick('yearly')).toEqual([1, 1, 100_000, 0, 0, 0, null, 2, 1, 0, 0.5]);
    expect(pick('halfYear')).toEqual([0, 0, 0, 0, 0, 0, null, 2, 1, 0, 0.5]);
    expect(pick('trial')).toEqual([1, 1, 200_000, 0, 2, 1, 0.5, 2, 0, 0, 0]);

    // 20 January, range January only: A on basic × 2 (600000), B weekly, E1 yearly; C and D trialing; nothing in
    // any base on 1 January (no subscription yet), no trial ended in January.
    const jan = await h.api('GET', '/v1/analytics/subscriptions/plans?at=2026-01-20T00:00:00Z&from=2026-01&to=2026-01');
    expect(jan.status).toBe(200);
    const janRow = (key: string) =>
      (jan.body.plans as Record<string, unknown>[]).find((r) => r['plan_id'] === plans[key]);
    expect(janRow('basic')).toMatchObject({ subscribers: 1, quantity: 2, mrr: 600_000, trialing: 0, churn_base: 0 });
    expect(janRow('trial')).toMatchObject({
      subscribers: 0,
      quantity: 0,
      mrr: 0,
      trialing: 2,
      trials_ended: 0,
      trial_conversion: null,
      churn_rate: null,
    });
    // Σ plan MRR = the summary's MRR at the same instant.
    const summary = await h.api('GET', '/v1/analytics/subscriptions/summary?at=2026-01-20T00:00:00Z');
    const total = (jan.body.plans as { mrr: number }[]).reduce((t, r) => t + r.mrr, 0);
    expect(total).toBe(summary.body.mrr);
  });

  it('when the range is bad or the key lacks analytics:read → 400 / 403', async () => {
    expect((await h.api('GET', '/v1/analytics/subscriptions/mrr-movements?from=2026-13')).status).toBe(400);
    expect((await h.api('GET', '/v1/analytics/subscriptions/cohorts?from=2026-05&to=2026-01')).status).toBe(422);
    expect((await h.api('GET', '/v1/analytics/subscriptions/summary?at=yesterday')).status).toBe(400);
    expect((await h.api('GET', '/v1/analytics/subscriptions/plans?from=2026-05&to=2026-01')).status).toBe(422);
    expect((await h.api('GET', '/v1/analytics/subscriptions/plans?at=yesterday')).status).toBe(400);
    const reader = await h.keyWith(['payments:read']);
    const forbidden = await h.api('GET', '/v1/analytics/subscriptions/summary', undefined, {
      authorization: `Bearer ${reader}`,
    });
    expect(forbidden.status).toBe(403);
    const analyst = await h.keyWith(['analytics:read']);
    const allowed = await h.api('GET', '/v1/analytics/subscriptions/summary', undefined, {
      authorization: `Bearer ${analyst}`,
    });
    expect(allowed.status).toBe(200);
  });
});

describe('plan analytics on events recorded before plan ids were in the trail', () => {
  it('when a created or plan_changed event lacks plan ids → the subscription counts on its current plan', async () => {
    const clock = fixedClock(ist('03-10'));
    const h = await startHarness({ clock });
    try {
      const plan = async (amount: number) =>
        (
          await h.api('POST', '/v1/subscription-plans', {
            name: `Meals ${amount}`,
            interval: 'monthly',
            amount,
            tax_category: 'gst_exempt_school_meals',
          })
        ).body.id as string;
      const small = await plan(100_000);
      const large = await plan(250_000);
      const { customerId } = await seedParent(h);
      const sub = (await h.api('POST', '/v1/subscriptions', { customer_id: customerId, plan_id: small })).body.id;
      clock.set(ist('03-12'));
      expect((await h.api('PATCH', `/v1/subscriptions/${sub}`, { plan_id: large })).status).toBe(200);
      // Strip the ids, as older events lack them: both events fall back to subscriptions.plan_id (large).
      await h.db.run(
        `UPDATE subscription_events SET data = (data::jsonb - ARRAY['plan_id', 'from_plan_id', 'to_plan_id'])::json
         WHERE subscription_id = $id`,
        { id: sub },
      );
      // 11 March: still on small by the amounts (100000), but without ids it is attributed to large.
      const res = await h.api('GET', '/v1/analytics/subscriptions/plans?at=2026-03-11T00:00:00Z');
      const rows = res.body.plans as { plan_id: string; subscribers: number; mrr: number }[];
      expect(rows.map((r) => [r.plan_id, r.subscribers, r.mrr])).toEqual(
        expect.arrayContaining([
          [small, 0, 0],
          [large, 1, 100_000],
        ]),
      );
    } finally {
      await h.close();
    }
  });
});
