import { createDraftInvoices, type DraftInvoiceInput } from '../payments-core/invoices/create-draft-invoice.js';
import { finalizeDrafts } from '../payments-core/invoices/finalize-drafts.js';
import { recordInvoicePayment } from '../payments-core/invoices/record-invoice-payment.js';
import { evaluateAlerts } from '../payments-core/monitoring/evaluate-alerts.js';
import { DEFAULT_ALERT_SETTINGS } from '../payments-core/monitoring/types.js';
import { createSubscriptionPlan } from '../payments-core/subscription-plans/create-plan.js';
import { type BillingInterval, nthPeriod } from '../payments-core/subscriptions/billing-periods.js';
import { appendRows, type Columns } from '../platform/bulk.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db.js';
import { DAY_MS } from '../platform/ist.js';
import { createLog, type Log } from '../platform/log.js';
import { seededRandom } from '../platform/random.js';

/**
 * The rest of the business the leadership dashboard shows, on top of the demo payments (data/seed.ts), so every
 * panel of a fresh `npm start` has data: subscriptions with a year of changes (new, expansion, contraction,
 * cancellations, pauses and resumptions: MRR movements), GST invoices of their last five months (some unpaid:
 * invoice aging), fraud decisions and reviews for the last 120 days of payments, and one alert from the evaluator
 * run over the week before the latest payment. Demo only: the decisions and reviews are not what the live scorer would say,
 * and the invoices' payments reference demo payment ids, not gateway payments.
 */
export interface DashboardDemoSummary {
  readonly subscriptions: number;
  readonly subscriptionEvents: number;
  readonly invoices: number;
  readonly fraudDecisions: number;
  readonly fraudReviews: number;
  readonly alerts: number;
}

const PLANS: { name: string; interval: BillingInterval; amount: number }[] = [
  { name: 'Lunch (monthly)', interval: 'monthly', amount: 240_000 },
  { name: 'Lunch and snacks (monthly)', interval: 'monthly', amount: 320_000 },
  { name: 'Lunch (term)', interval: 'quarterly', amount: 690_000 },
];

/** Share of demo parents with a subscription, and how many of those get invoices (the rest are meal-pack payers). */
const SUBSCRIBER_SHARE = 0.35;
const INVOICED_SUBSCRIPTIONS = 150;

const SUBSCRIPTION_COLUMNS: Columns = {
  id: 'varchar',
  customer_id: 'varchar',
  school_id: 'varchar',
  plan_id: 'varchar',
  plan_price_version: 'integer',
  unit_amount_minor: 'bigint',
  currency: 'varchar',
  quantity: 'integer',
  interval_unit: 'varchar',
  interval_count: 'integer',
  setup_fee_minor: 'bigint',
  tax_category: 'varchar',
  gst_rate_bp: 'integer',
  payment_method_id: 'varchar',
  collection: 'varchar',
  gateway_subscription_id: 'varchar',
  status: 'varchar',
  start_at: 'timestamp',
  trial_end: 'timestamp',
  billing_anchor: 'timestamp',
  period_index: 'integer',
  current_period_start: 'timestamp',
  current_period_end: 'timestamp',
  cancel_at_period_end: 'boolean',
  paused_at: 'timestamp',
  cancelled_at: 'timestamp',
  ended_at: 'timestamp',
  event_seq: 'integer',
  created_at: 'timestamp',
  updated_at: 'timestamp',
  billing_timing: 'varchar',
  terms_from: 'timestamp',
};
const EVENT_COLUMNS: Columns = {
  id: 'varchar',
  subscription_id: 'varchar',
  seq: 'integer',
  type: 'varchar',
  from_status: 'varchar',
  to_status: 'varchar',
  source: 'varchar',
  data: 'varchar',
  created_at: 'timestamp',
};

/** A stable non-negative pseudo-random number from a text (PostgreSQL's `hashtext`), for demo variety only. */
const demoHash = (text: string): string => `abs(CAST(hashtext(${text}) AS BIGINT))`;

/** Decisions for the payments of the last 120 days: labelled fraud is held or blocked, about 3 % of the rest too. */
const INSERT_DECISIONS = `
INSERT INTO fraud_decisions (id, attempt_id, customer_id, school_id, amount_minor, source, score, decision, reasons,
  rule_hits, model_version, model_role, latency_us, budget_exceeded, created_at)
SELECT 'fdec_demo' || row_number() OVER (ORDER BY p.created_at, p.id), p.id, p.customer_id, p.school_id, p.amount_minor,
       'payment', x.score, x.decision, '[]', '[]', 'demo', 'champion', 600 + x.h % 900, false, p.created_at
FROM payments p,
LATERAL (SELECT ${demoHash('p.id || CAST($salt AS VARCHAR)')} % 1000 AS h) hh,
LATERAL (SELECT hh.h,
  CASE WHEN p.fraud_label IS NOT NULL THEN (CASE WHEN hh.h % 2 = 0 THEN 'block' ELSE 'review' END)
       WHEN hh.h < 25 THEN 'review' WHEN hh.h < 32 THEN 'block' ELSE 'allow' END AS decision,
  CASE WHEN p.fraud_label IS NOT NULL OR hh.h < 32 THEN 0.5 + (hh.h % 500) / 1000.0 ELSE (hh.h % 450) / 1000.0 END AS score) x
WHERE p.created_at >= $since
  AND NOT EXISTS (SELECT 1 FROM fraud_decisions d WHERE d.attempt_id = p.id)`;

/**
 * Every `review` decision is queued; those of the last week still wait, older ones were decided within hours. A
 * labelled fraud is declined as `fraud`; an ordinary payment is mostly approved, and one in five declined for an
 * operator's reason (the parent asked, a duplicate, other), which is not a fraud label: the dashboard's reviews never
 * turn ordinary payments into training frauds.
 */
const INSERT_REVIEWS = `
INSERT INTO fraud_reviews (id, payment_id, decision_id, customer_id, amount_minor, state, outcome, reason, reviewer,
  created_at, decided_at)
SELECT 'frv_demo' || row_number() OVER (ORDER BY d.created_at, d.id), d.attempt_id, d.id, d.customer_id, d.amount_minor,
       s.state, CASE WHEN s.state = 'pending' THEN NULL ELSE s.state END,
       CASE WHEN s.state <> 'declined' THEN NULL WHEN s.fraud THEN 'fraud'
            WHEN s.h % 3 = 0 THEN 'customer_request' WHEN s.h % 3 = 1 THEN 'duplicate' ELSE 'other' END,
       CASE WHEN s.state = 'pending' THEN NULL ELSE 'demo reviewer' END, d.created_at,
       CASE WHEN s.state = 'pending' THEN NULL ELSE d.created_at + INTERVAL '3 hours' END
FROM fraud_decisions d,
LATERAL (SELECT p.fraud_label IS NOT NULL AS fraud, ${demoHash('d.id')} AS h,
                CASE WHEN d.created_at >= $pending_since THEN 'pending'
                     WHEN p.fraud_label IS NOT NULL OR ${demoHash('d.id')} % 5 = 0 THEN 'declined' ELSE 'approved' END AS state
         FROM payments p WHERE p.id = d.attempt_id) s
WHERE d.decision = 'review' AND d.model_version = 'demo'
ON CONFLICT DO NOTHING`;

const LATEST_PAYMENT = 'SELECT max(created_at) AS at FROM payments';

const at = (t: number): Clock => ({ now: () => new Date(t) });

/** Seeds what the dashboard needs beyond payments; safe to call once after `seedDemoData` (skips when subscriptions exist). */
export async function seedDashboardDemo(
  deps: { db: Db; clock: Clock; log?: Log },
  options: { seed: number },
): Promise<DashboardDemoSummary> {
  const now = deps.clock.now().getTime();
  const existing = await deps.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM subscriptions');
  if ((existing?.n ?? 0) > 0) {
    return { subscriptions: 0, subscriptionEvents: 0, invoices: 0, fraudDecisions: 0, fraudReviews: 0, alerts: 0 };
  }
  const random = seededRandom(options.seed + 7919);
  const customers = await deps.db.all<{ id: string; school_id: string; created_at: Date }>(
    'SELECT id, school_id, created_at FROM customers ORDER BY id',
  );
  const plans = [];
  for (const p of PLANS) {
    plans.push(
      await createSubscriptionPlan(
        { db: deps.db, clock: at(now - 400 * DAY_MS) },
        {
          name: p.name,
          interval: p.interval,
          amount: p.amount,
          per_unit: true,
          unit_label: 'student',
          tax_category: 'gst_exempt_school_meals',
          // Billed at each period's end, so the current periods below are not due when the demo starts.
          billing_timing: 'in_arrears',
        },
      ),
    );
  }

  // ---- subscriptions and their event trail -------------------------------------------------------------------
  const subs: unknown[][] = [];
  const events: unknown[][] = [];
  const invoiced: { id: string; customerId: string; schoolId: string; unit: number; quantity: number; plan: string }[] =
    [];
  let n = 0;
  for (const c of customers) {
    if (random() >= SUBSCRIBER_SHARE) continue;
    const planIndex = random() < 0.55 ? 0 : random() < 0.7 ? 1 : 2;
    const plan = plans[planIndex];
    const spec = PLANS[planIndex];
    if (plan === undefined || spec === undefined) continue;
    const id = `sub_demo${String(n++).padStart(6, '0')}`;
    // Start within the last 11 months, at least 40 days ago; changes fall in the months after.
    const start = now - (40 + Math.floor(random() * 300)) * DAY_MS - Math.floor(random() * DAY_MS);
    const startQuantity = random() < 0.3 ? 2 : 1;
    let quantity = startQuantity;
    let status = 'active';
    let seq = 0;
    let pausedAt: Date | null = null;
    let cancelledAt: Date | null = null;
    const event = (type: string, t: number, from: string | null, to: string | null, data: unknown) => {
      seq++;
      events.push([`sev_demo${n}_${seq}`, id, seq, type, from, to, 'system', JSON.stringify(data), new Date(t)]);
    };
    const later = (lo: number) => lo + Math.floor(random() * (now - lo - DAY_MS));
    event('created', start, null, 'active', {
      plan_id: plan.id,
      plan_price_version: 1,
      quantity,
      unit_amount: spec.amount,
      collection: 'kosh',
    });
    let t = start;
    const change = random();
    if (change < 0.25 || (change < 0.4 && startQuantity === 2)) {
      t = later(t + 20 * DAY_MS);
      const to = change < 0.25 ? quantity + 1 : quantity - 1;
      event('quantity_changed', t, null, null, {
        from_plan_id: plan.id,
        to_plan_id: plan.id,
        from_quantity: quantity,
        to_quantity: to,
        from_amount: quantity * spec.amount,
        to_amount: to * spec.amount,
        proration_behavior: 'none',
      });
      quantity = to;
    }
    const end = random();
    if (end < 0.16) {
      t = later(t + 15 * DAY_MS);
      event('status_changed', t, 'active', 'cancelled', { reason: 'parent cancelled' });
      status = 'cancelled';
      cancelledAt = new Date(t);
    } else if (end < 0.28) {
      t = later(t + 15 * DAY_MS);
      event('status_changed', t, 'active', 'paused', { reason: 'school holidays' });
      status = 'paused';
      pausedAt = new Date(t);
      const resume = t + (20 + Math.floor(random() * 40)) * DAY_MS;
      if (resume < now - DAY_MS) {
        event('status_changed', resume, 'paused', 'active', { reason: 'resumed' });
        status = 'active';
        pausedAt = null;
        t = resume;
      }
    }
    // The current period is the one holding now, so the billing run finds nothing due from the demo.
    let index = 0;
    let period = nthPeriod(new Date(start), spec.interval, 1, 0);
    while (period.end.getTime() <= now) period = nthPeriod(new Date(start), spec.interval, 1, ++index);
    subs.push([
      id,
      c.id,
      c.school_id,
      plan.id,
      1,
      spec.amount,
      'INR',
      quantity,
      spec.interval,
      1,
      0,
      'gst_exempt_school_meals',
      null,
      null,
      'kosh',
      null,
      status,
      new Date(start),
      null,
      new Date(start),
      index,
      period.start,
      period.end,
      false,
      pausedAt,
      cancelledAt,
      cancelledAt,
      seq,
      new Date(start),
      new Date(t),
      'in_arrears',
      status === 'active' ? period.start : null,
    ]);
    if (status === 'active' && spec.interval === 'monthly' && invoiced.length < INVOICED_SUBSCRIPTIONS) {
      invoiced.push({ id, customerId: c.id, schoolId: c.school_id, unit: spec.amount, quantity, plan: spec.name });
    }
  }
  await deps.db.transaction(async (tx) => {
    await appendRows(tx, 'subscriptions', SUBSCRIPTION_COLUMNS, subs);
    await appendRows(tx, 'subscription_events', EVENT_COLUMNS, events);
  });

  // ---- invoices of the last five months, the older mostly paid ---------------------------------------------
  const UNPAID = [0.6, 0.2, 0.12, 0.08, 0.06];
  let invoices = 0;
  for (let k = 4; k >= 0; k--) {
    const issued = now - (k * 30 + 5) * DAY_MS;
    const inputs: DraftInvoiceInput[] = invoiced.map((s) => ({
      source: 'subscription_period',
      sourceRef: `demo_${s.id}_${k}`,
      customerId: s.customerId,
      schoolId: s.schoolId,
      currency: 'INR',
      subscriptionId: s.id,
      lines: [
        {
          description: `${s.plan}, ${new Date(issued).toISOString().slice(0, 7)}`,
          quantity: s.quantity,
          unitAmountMinor: s.unit,
          amountMinor: s.quantity * s.unit,
          taxCategory: 'gst_exempt_school_meals',
          gstRateBp: null,
        },
      ],
    }));
    await deps.db.transaction(async (tx) => {
      const drafts = await createDraftInvoices(tx, inputs, at(issued));
      await finalizeDrafts(
        tx,
        drafts.map((d) => d.id),
        new Date(issued),
        { dueDays: 15 },
      );
      for (const [i, d] of drafts.entries()) {
        if (random() < (UNPAID[k] ?? 0)) continue;
        const paidAt = issued + Math.floor(random() * 12 * DAY_MS);
        if (paidAt >= now) continue;
        await recordInvoicePayment(
          tx,
          { invoiceId: d.id, paymentId: `pay_demo_inv_${k}_${i}`, amountMinor: d.totalMinor, paidAt: new Date(paidAt) },
          at(paidAt),
        );
      }
      invoices += drafts.length;
    });
  }

  // ---- fraud decisions and reviews --------------------------------------------------------------------------
  const fraudDecisions = await deps.db.transaction((tx) =>
    tx.run(INSERT_DECISIONS, { since: new Date(now - 120 * DAY_MS), salt: String(options.seed) }),
  );
  const fraudReviews = await deps.db.transaction((tx) =>
    tx.run(INSERT_REVIEWS, { pending_since: new Date(now - 7 * DAY_MS) }),
  );

  // ---- one alert: the evaluator run at the latest payment over the week before it (the demo's few payments a
  // day are too few for the 5-minute window); the scheduler's next run, over 5 minutes, resolves it.
  const latest = await deps.db.one<{ at: Date | null }>(LATEST_PAYMENT);
  let alerts = 0;
  if (latest?.at != null) {
    const summary = await evaluateAlerts(
      {
        db: deps.db,
        clock: deps.clock,
        log: deps.log ?? createLog({ level: 'silent' }),
        alerting: { ...DEFAULT_ALERT_SETTINGS, windowMs: 7 * DAY_MS },
      },
      { now: new Date(new Date(latest.at).getTime() + 1000) },
    );
    alerts = Number(summary['opened'] ?? 0);
  }
  return {
    subscriptions: subs.length,
    subscriptionEvents: events.length,
    invoices,
    fraudDecisions,
    fraudReviews,
    alerts,
  };
}
