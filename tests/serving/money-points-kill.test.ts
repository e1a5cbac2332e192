import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargeDueInstallments } from '../../payments-core/installments/charge-due-installments.js';
import { resolveUnknownPayments } from '../../payments-core/payments/resolve-unknown-payments.js';
import { signRazorpayBody } from '../../payments-core/webhooks/verify-signature.js';
import { fixedClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { seededRandom } from '../../platform/random.js';
import { billing, dunning, PLAN, RENEWAL_AT, subscribedParent } from '../payments-core/dunning/support.js';
import {
  type Harness,
  razorpayEvent,
  SUCCESS_CARD,
  seedParent,
  startHarness,
  WEBHOOK_SECRET,
} from '../support/harness.js';
import { type ChildApi, childApi, exited, SIM_AUTH, serveChild, serverUp } from '../support/kosh-child.js';

const ADMIN_KEY = 'kosh_test_admin_key_for_money_points';
const payer = { ip: '203.0.113.7', referer: 'https://pay.example.in/autopay', user_agent: 'Mozilla/5.0 (Android 14)' };

/**
 * kill -9 at the money points the other crash tests leave out, each followed by what Razorpay and kosh do next
 * (redelivery, the retried request, the billing run, the resolver). The state before each point is made in this
 * process through the harness (a fixed clock, the real SDK against the harness's simulator); the simulator stays
 * here, so the gateway's books outlive every `kosh serve` child, which runs on the same database, charges through the
 * same simulator and gets its webhooks. Points (platform/kill-points.ts):
 *  - a payment link's payment (`payment_link.paid`): `webhook_stored` (stored, not applied), `link_record_paid`
 *    (payment, capture entry and record written, follow-ups not yet, inside the event's one transaction);
 *  - a UPI AutoPay debit completed later by the gateway: `webhook_uncommitted.payment.captured`, and the resolver's
 *    `resolved_uncommitted` when its webhooks are lost;
 *  - an `always_invoice` change charged now: `payment_created` (before the gateway call), `gateway_charged` (charged,
 *    not recorded), `change_charged` (recorded, the invoice not yet paid).
 */
describe('kill -9 at the money points of links, UPI AutoPay debits and always_invoice changes', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kosh-money-kill-'));
  const clock = fixedClock(RENEWAL_AT);
  const log = createLog({ level: 'silent' });
  let h: Harness;
  let child: ChildProcess | null = null;
  const others = new Set<ChildProcess>();
  beforeAll(async () => {
    // UPI AutoPay debits wait until the test lets the gateway work.
    h = await startHarness({ clock, simulator: { upiDebitDelayMs: null } });
  });
  afterAll(async () => {
    for (const c of [child, ...others]) {
      c?.kill('SIGKILL');
      if (c !== null) await exited(c);
    }
    await h?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const simPost = async (p: string, body: unknown = {}) =>
    (await fetch(`${h.sim.url}${p}`, {
      method: 'POST',
      headers: { authorization: SIM_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json())) as any;
  const simGet = async (p: string) =>
    (await fetch(`${h.sim.url}${p}`, { headers: { authorization: SIM_AUTH } }).then((r) => r.json())) as any;

  const SETTINGS = { KOSH_ADMIN_KEY: ADMIN_KEY, KOSH_SCHEDULER: 'off' };
  /** A child that stays up; Razorpay's webhooks go to it. */
  const up = async (env: Record<string, string> = {}): Promise<{ api: ChildApi; url: string }> => {
    const started = serveChild(dataDir, h.databaseUrl, h.sim, { ...SETTINGS, ...env });
    child = started;
    const server = await serverUp(dataDir, started);
    h.sim.configure({ webhook: { url: `${server.url}/webhooks/razorpay`, secret: WEBHOOK_SECRET, retryDelayMs: 10 } });
    return { api: childApi({ url: server.url, key: ADMIN_KEY }), url: server.url };
  };
  /** Waits for the child to have SIGKILLed itself (at a point reached while starting, or by a request). */
  const died = async (what: string) => {
    const c = child as ChildProcess;
    await exited(c);
    expect(c.signalCode, what).toBe('SIGKILL');
    child = null;
  };
  /** A child whose inbox reaches `point` while it starts, applying what an earlier one stored. */
  const diesStarting = async (point: string) => {
    child = serveChild(dataDir, h.databaseUrl, h.sim, { ...SETTINGS, KOSH_KILL_AT: point });
    await died(point);
  };
  const deliver = (url: string, body: string, eventId: string) =>
    fetch(`${url}/webhooks/razorpay`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-razorpay-event-id': eventId,
        'x-razorpay-signature': signRazorpayBody(body, WEBHOOK_SECRET),
      },
      body,
    });
  /** Capture entries booked for a kosh payment, and the gross they owe the school. */
  const captureEntries = (paymentId: string) =>
    h.db.one<{ entries: number; gross: number }>(
      `SELECT count(DISTINCT e.id)::INTEGER AS entries, coalesce(-sum(l.amount_minor), 0)::BIGINT AS gross
       FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id AND l.account = 'school_payable'
       WHERE e.kind = 'capture' AND e.ref_id = $id`,
      { id: paymentId },
    );

  it('when kosh dies booking a link payment, applying a UPI AutoPay debit and charging an always_invoice change → after redelivery, the resolver, the retried request and a rerun each is booked and charged once, and the ledger equals the simulator', async () => {
    // ---- A payment link's payment: an ₹18,000 term fee above the auto-debit limit, paid by the parent on the link.
    const termFee = (await h.api('POST', '/v1/subscription-plans', { ...PLAN, name: 'Term fee', amount: 1_800_000 }))
      .body;
    const linkParent = await subscribedParent(h, termFee.id, SUCCESS_CARD);
    await billing(h, clock);
    await dunning(h, clock);
    const record = await h.db.one<{ id: string; payment_link_id: string; invoice_id: string }>(
      'SELECT id, payment_link_id, invoice_id FROM billing_records WHERE subscription_id = $s',
      { s: linkParent.subscriptionId },
    );
    expect(record?.payment_link_id).toMatch(/^plink_/);
    h.sim.configure({ webhook: null });
    const paid = await simPost(`/v1/sim/payment_links/${record?.payment_link_id}/pay`, { card_number: SUCCESS_CARD });
    expect(paid.payment_link.status).toBe('paid');
    const linkPayment = await simGet(`/v1/payments/${paid.payment.id}`);
    const linkOrder = await simGet(`/v1/orders/${paid.payment.order_id}`);
    const link = await simGet(`/v1/payment_links/${record?.payment_link_id}`);
    const linkEvents: [string, string][] = [
      ['evt_KillLinkCapt01', razorpayEvent('payment.captured', { payment: linkPayment })],
      [
        'evt_KillLinkPaid01',
        razorpayEvent('payment_link.paid', { payment_link: link, order: linkOrder, payment: linkPayment }),
      ],
    ];

    // payment.captured finds nothing yet (unmatched); payment_link.paid is stored and the process dies before applying.
    let server = await up({ KOSH_KILL_AT: 'webhook_stored:2' });
    expect((await deliver(server.url, linkEvents[0]?.[1] ?? '', linkEvents[0]?.[0] ?? '')).status).toBe(200);
    await deliver(server.url, linkEvents[1]?.[1] ?? '', linkEvents[1]?.[0] ?? '').catch(() => null);
    await died('webhook_stored');
    // The restart's inbox applies the stored event and dies inside its transaction: nothing of it is left.
    await diesStarting('link_record_paid');
    expect(await h.db.all('SELECT id FROM payments WHERE gateway_payment_id = $g', { g: linkPayment.id })).toEqual([]);

    // ---- A UPI AutoPay debit: registered and approved, an installment debited, the gateway completes it later.
    const upiParent = await seedParent(h);
    h.sim.configure({ webhook: { url: `${h.url}/webhooks/razorpay`, secret: WEBHOOK_SECRET } });
    const reg = await h.api(
      'POST',
      `/v1/customers/${upiParent.customerId}/payment-methods/upi-autopay`,
      { max_amount: 500_000, frequency: 'as_presented', ...payer },
      { 'idempotency-key': 'kill-upi-reg' },
    );
    expect(reg.status).toBe(201);
    const registration = new URL(String(reg.body.intent_url).replace('upi://', 'http://x/')).searchParams.get('tr');
    await simPost(`/v1/sim/upi-mandates/${registration}/approve`);
    await h.settle();
    expect(
      (
        await h.api('PATCH', `/v1/customers/${upiParent.customerId}/payment-methods/${reg.body.id}`, {
          is_default: true,
        })
      ).body,
    ).toMatchObject({ status: 'active', is_default: true });
    const installmentDeps = () => ({ db: h.db, clock, gateway: h.gateway, log, random: seededRandom(5) });
    /** An installment plan of two on a new order, its first installment falling due and debited now. */
    const firstInstallmentDebited = async () => {
      const order = await h.api('POST', '/v1/orders', { customer_id: upiParent.customerId, amount: 60_000 });
      const plan = (
        await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
          count: 2,
          first_due_at: new Date(clock.now().getTime() + 3_600_000).toISOString(),
        })
      ).body;
      clock.set(new Date(plan.installments[0].due_at));
      await chargeDueInstallments(installmentDeps(), { now: clock.now() });
      const [first] = (await h.api('GET', `/v1/installment-plans/${plan.id}`)).body.installments;
      return { planId: plan.id as string, debit: first.last_payment_id as string };
    };
    const firstDebit = await firstInstallmentDebited();

    // The gateway captures the first debit; kosh dies applying payment.captured. (Its inbox first finishes the link.)
    server = await up({ KOSH_KILL_AT: 'webhook_uncommitted.payment.captured' });
    await simPost('/v1/sim/upi-mandates/debits/process');
    await died('webhook_uncommitted.payment.captured');
    await h.sim.idle();
    expect(
      (await h.db.one<{ status: string }>('SELECT status FROM payments WHERE id = $id', { id: firstDebit.debit }))
        ?.status,
    ).not.toBe('captured');

    // The second debit is captured while its webhooks are lost; kosh dies while the resolver applies it.
    const secondDebit = await firstInstallmentDebited();
    server = await up({ KOSH_KILL_AT: 'resolved_uncommitted' });
    h.sim.configure({ webhook: { url: 'http://127.0.0.1:9/lost', secret: WEBHOOK_SECRET, maxAttempts: 1 } });
    await simPost('/v1/sim/upi-mandates/debits/process');
    await h.sim.idle();
    await server.api('POST', '/v1/jobs/resolve-unknown-payments/runs', {}).catch(() => null);
    await died('resolved_uncommitted');
    expect(
      (await h.db.one<{ status: string }>('SELECT status FROM payments WHERE id = $id', { id: secondDebit.debit }))
        ?.status,
    ).not.toBe('captured');

    // ---- always_invoice: 1 → 2 students of a month paid in advance, the difference charged now to the saved card.
    // The children bill on the wall clock: these subscriptions start an hour before it, so the change falls mid-period.
    clock.set(new Date(Date.now() - 3_600_000));
    const lunch = (
      await h.api('POST', '/v1/subscription-plans', {
        ...PLAN,
        name: 'Lunch',
        amount: 300_000,
        billing_timing: 'in_advance',
      })
    ).body;
    const changes = [];
    for (const point of ['payment_created', 'gateway_charged', 'change_charged']) {
      const parent = await seedParent(h);
      const sub = await h.api('POST', '/v1/subscriptions', {
        customer_id: parent.customerId,
        plan_id: lunch.id,
        quantity: 1,
        payment_method_id: parent.methodId,
      });
      expect(sub.status).toBe(201);
      changes.push({ point, subscriptionId: sub.body.id as string, key: `kill-change-${point}` });
    }
    await billing(h, clock);
    const change = { quantity: 2, proration_behavior: 'always_invoice' };
    // Three processes at once (each its own data dir, one kill point each): independent requests, one start's time.
    const wave = await Promise.all(
      changes.map(async (c) => {
        const dir = mkdtempSync(path.join(dataDir, 'change-'));
        const started = serveChild(dir, h.databaseUrl, h.sim, { ...SETTINGS, KOSH_KILL_AT: c.point });
        others.add(started);
        return { c, started, api: childApi({ url: (await serverUp(dir, started)).url, key: ADMIN_KEY }) };
      }),
    );
    await Promise.all(
      wave.map(async ({ c, started, api }) => {
        const answer = await api('PATCH', `/v1/subscriptions/${c.subscriptionId}`, change, {
          'idempotency-key': c.key,
        }).then(
          (r) => `answered ${r.status} ${JSON.stringify(r.body)}`,
          () => 'no answer',
        );
        expect(answer, c.point).toBe('no answer');
        await exited(started);
        expect(started.signalCode, c.point).toBe('SIGKILL');
      }),
    );

    // ---- What comes next, in a kosh process of this test on the same database (the harness: the same app, no kill
    // points): Razorpay redelivers everything, the inbox applies what the dead ones stored, the change requests are
    // retried with their keys, the billing run and the resolver run, the installments are settled.
    clock.set(new Date(Date.now()));
    h.sim.configure({ webhook: { url: `${h.url}/webhooks/razorpay`, secret: WEBHOOK_SECRET } });
    for (const [id, body] of linkEvents) expect((await h.deliver(body, id)).status).toBe(200);
    await simPost('/v1/sim/webhooks/replay', {});
    await h.settle();
    for (const c of changes) {
      const retry = await h.api('PATCH', `/v1/subscriptions/${c.subscriptionId}`, change, {
        'idempotency-key': c.key,
      });
      expect(retry.status, `${c.point}: ${JSON.stringify(retry.body)}`).toBe(200);
      expect(retry.body).toMatchObject({ quantity: 2 });
    }
    // Past the resolver's grace: it applies what the gateway did and fails what never reached it; then the billing run
    // bills what the changes left. (The killed resolver's job lease lapses in its own time: the resolver is called.)
    clock.advance(16 * 60_000);
    expect(await resolveUnknownPayments(installmentDeps(), { now: clock.now() })).toMatchObject({ errors: 0 });
    await h.settle();
    expect((await h.api('POST', '/v1/billing/runs')).status).toBe(200);
    await chargeDueInstallments(installmentDeps(), { now: clock.now() });

    // The link: one payment, one capture entry, the record and its invoice paid once, the case recovered.
    expect(
      await h.db.all('SELECT id, status FROM payments WHERE gateway_payment_id = $g', { g: linkPayment.id }),
    ).toEqual([{ id: `bill_${record?.id}_link`, status: 'captured' }]);
    expect(await captureEntries(`bill_${record?.id}_link`)).toEqual({ entries: 1, gross: 1_800_000 });
    expect(await h.db.one('SELECT status, payment_id FROM billing_records WHERE id = $id', { id: record?.id })).toEqual(
      { status: 'paid', payment_id: `bill_${record?.id}_link` },
    );
    expect(
      await h.db.all('SELECT payment_id, amount_minor FROM invoice_payments WHERE invoice_id = $id', {
        id: record?.invoice_id,
      }),
    ).toEqual([{ payment_id: `bill_${record?.id}_link`, amount_minor: 1_800_000 }]);
    const linkEventStatuses = await h.db.all<{ status: string }>(
      "SELECT status FROM webhook_events WHERE event_id IN ('evt_KillLinkCapt01', 'evt_KillLinkPaid01') ORDER BY status",
    );
    expect(linkEventStatuses.map((e) => e.status)).toEqual(['applied', 'applied', 'duplicate', 'duplicate']);

    // The UPI AutoPay debits: each captured once at the gateway and booked once, its installment paid.
    for (const { planId, debit } of [firstDebit, secondDebit]) {
      expect(
        h.sim
          .payments()
          .filter((p) => p.kosh_id === debit)
          .map((p) => p.status),
        debit,
      ).toEqual(['captured']);
      expect(await captureEntries(debit), debit).toEqual({ entries: 1, gross: 30_000 });
      expect((await h.api('GET', `/v1/installment-plans/${planId}`)).body.installments[0], debit).toMatchObject({
        status: 'paid',
        last_payment_id: debit,
      });
    }

    // The changes: one invoice each, paid, by one payment captured once at the gateway.
    for (const c of changes) {
      const invoices = await h.db.all<{ id: string; status: string; total_minor: number; amount_paid_minor: number }>(
        `SELECT id, status, total_minor, amount_paid_minor FROM invoices
         WHERE subscription_id = $id AND source = 'subscription_change'`,
        { id: c.subscriptionId },
      );
      expect(invoices, c.point).toHaveLength(1);
      expect(invoices[0]?.status, c.point).toBe('paid');
      expect(invoices[0]?.amount_paid_minor, c.point).toBe(invoices[0]?.total_minor);
      const payments = await h.db.all<{ id: string; status: string; error_code: string | null }>(
        `SELECT p.id, p.status, p.error_code FROM payments p JOIN invoices i ON p.order_id = 'ord_' || i.source_ref
         WHERE i.id = $id ORDER BY p.created_at`,
        { id: invoices[0]?.id },
      );
      // Killed before the gateway call: that attempt never reached it (the resolver says so) and the next one charged.
      expect(
        payments.map((p) => [p.status, p.error_code]),
        c.point,
      ).toEqual(
        c.point === 'payment_created'
          ? [
              ['failed', 'not_received_by_gateway'],
              ['captured', null],
            ]
          : [['captured', null]],
      );
      const atGateway = h.sim.payments().filter((p) => payments.some((k) => k.id === p.kosh_id));
      expect(
        atGateway.map((p) => p.status),
        c.point,
      ).toEqual(['captured']);
      expect(atGateway[0]?.amount, c.point).toBe(invoices[0]?.total_minor);
    }

    // The books: balanced, and what kosh owes the schools is what the gateway captured for kosh.
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
    // Every payment the gateway captured, the mandate's ₹1 authorisation payment included.
    const gatewayCaptured = h.sim
      .payments()
      .filter((p) => p.status === 'captured')
      .reduce((sum, p) => sum + p.amount, 0);
    expect(h.sim.payments().find((p) => p.id === registration)).toMatchObject({ status: 'captured', amount: 100 });
    const owed = await h.db.one<{ total: number }>(
      "SELECT (-sum(amount_minor))::BIGINT AS total FROM journal_lines WHERE account = 'school_payable'",
    );
    expect(owed?.total).toBe(gatewayCaptured);
  }, 420_000);

  it('when kosh dies between capturing a paid UPI intent at the gateway and recording the capture → the redelivered payment.captured books it once', async () => {
    const parent = await seedParent(h);
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 110_000 });
    const intent = await h.api('POST', '/v1/payments', { order_id: order.body.id, upi: { flow: 'intent' }, ...payer });
    expect(intent.body).toMatchObject({ status: 'created' });
    const gatewayId = String(intent.body.gateway_payment_id);

    // The parent pays in their app; the child applies payment.authorized, captures at the gateway and dies.
    await up({ KOSH_KILL_AT: 'gateway_captured' });
    const sentBefore = h.sim.deliveries.length;
    await simPost(`/v1/sim/upi-intents/${gatewayId}/pay`);
    await died('gateway_captured');
    expect((await simGet(`/v1/payments/${gatewayId}`)).status).toBe('captured');
    const paymentNow = () =>
      h.db.one<{ status: string }>('SELECT status FROM payments WHERE id = $id', { id: intent.body.id });
    expect((await paymentNow())?.status).toBe('authorized');
    expect(await captureEntries(intent.body.id)).toEqual({ entries: 0, gross: 0 });

    // A new process; Razorpay delivers again what the dead one never acknowledged (replayed here, so the test does not
    // wait out its retry schedule), and the authorisation it had applied arrives a second time too.
    await up();
    await simPost('/v1/sim/webhooks/enable');
    const since = [...new Set(h.sim.deliveries.slice(sentBefore).map((d) => d.eventId))];
    for (const eventId of since) await simPost('/v1/sim/webhooks/replay', { event_id: eventId });
    await h.sim.idle();
    for (let i = 0; i < 50 && (await paymentNow())?.status !== 'captured'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await paymentNow())?.status).toBe('captured');
    expect(await captureEntries(intent.body.id)).toEqual({ entries: 1, gross: 110_000 });
    expect(
      h.sim
        .payments()
        .filter((p) => p.id === gatewayId)
        .map((p) => p.status),
    ).toEqual(['captured']);
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
  }, 120_000);
});
