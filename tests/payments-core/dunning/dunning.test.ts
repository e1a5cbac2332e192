import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDunningCase } from '../../../payments-core/dunning/open-dunning-case.js';
import { fixedClock } from '../../../platform/clock.js';
import { type Harness, razorpayEvent, startHarness, WEBHOOK_SECRET } from '../../support/harness.js';
import {
  billing,
  caseOf,
  DAY,
  dunning,
  emailsOf,
  HARD_CARD,
  linkIn,
  PLAN,
  RENEWAL_AT,
  SOFT_CARD,
  saveCard,
  subscribedParent,
} from './support.js';

describe('dunning: cases, schedule, hard declines, links, final action', () => {
  const clock = fixedClock(RENEWAL_AT);
  let h: Harness;
  let plan: { id: string };
  beforeAll(async () => {
    h = await startHarness({ clock });
    plan = (await h.api('POST', '/v1/subscription-plans', PLAN)).body;
  });
  afterAll(async () => h.close());

  it('when a renewal fails → one case per billing record, step 0 the failure, the schedule planned +1/+3/+5/+7 days with an email', async () => {
    clock.set(RENEWAL_AT);
    const p = await subscribedParent(h, plan.id, SOFT_CARD);
    const run = await billing(h, clock);
    expect(run.failed).toBeGreaterThanOrEqual(1);
    const record = await h.db.one<{ id: string; amount_minor: number; decline_code: string }>(
      'SELECT id, amount_minor, decline_code FROM billing_records WHERE subscription_id = $id',
      { id: p.subscriptionId },
    );
    expect(record?.decline_code).toBe('insufficient_funds');
    let c = await caseOf(h, p.subscriptionId);
    expect(c).toMatchObject({
      status: 'open',
      collection: 'kosh',
      billing_record_id: record?.id,
      amount: record?.amount_minor,
      decline_code: 'insufficient_funds',
      decline_category: 'soft',
      awaiting_method: false,
      next_step_at: null,
    });
    // Idempotent per billing record: billing calling again returns the same case.
    const again = await h.db.transaction((tx) =>
      openDunningCase(
        tx,
        {
          subscriptionId: p.subscriptionId,
          billingRecordId: record?.id ?? '',
          customerId: p.customerId,
          amountMinor: 1,
          currency: 'INR',
          declineCode: 'card_declined',
          hard: true,
          failedAt: clock.now(),
        },
        clock,
      ),
    );
    expect(again).toEqual({ id: c.id, created: false });

    const summary = await dunning(h, clock);
    expect(summary).toMatchObject({ planned: 1, steps_due: 0 });
    c = await caseOf(h, p.subscriptionId);
    const failedAt = new Date(c.failed_at).getTime();
    expect(
      c.steps.map((s: { step: number; kind: string; planned_at: string; outcome: string | null }) => [
        s.step,
        s.kind,
        (new Date(s.planned_at).getTime() - failedAt) / DAY,
        s.outcome,
      ]),
    ).toEqual([
      [0, 'failure', 0, 'failed'],
      [1, 'scheduled', 1, null],
      [2, 'scheduled', 3, null],
      [3, 'scheduled', 5, null],
      [4, 'scheduled', 7, null],
    ]);
    expect(c.next_step_at).toBe(c.steps[1].planned_at);
    const emails = await emailsOf(h, c.id);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      kind: 'dunning',
      dedupe_key: `dunning:${c.id}:0`,
      to_address: 'asha@example.in',
    });
    expect(emails[0]?.text_body).toContain('₹3,000.00');
    expect(emails[0]?.text_body).toContain('https://pay.kosh.test/billing/update-method/');
    expect(c.steps[0].email_id).not.toBeNull();
    // A second run plans nothing and sends nothing.
    expect(await dunning(h, clock)).toMatchObject({ planned: 0, steps_due: 0 });
    expect(await emailsOf(h, c.id)).toHaveLength(1);
  });

  it('when the decline is hard → the card is never charged again; each step asks for a new method; after the last, the subscription is cancelled', async () => {
    clock.set(RENEWAL_AT);
    const p = await subscribedParent(h, plan.id, HARD_CARD);
    await billing(h, clock);
    await dunning(h, clock);
    let c = await caseOf(h, p.subscriptionId);
    expect(c).toMatchObject({ decline_code: 'card_declined', decline_category: 'hard', awaiting_method: true });
    const payments = async () =>
      (
        await h.db.one<{ n: number }>('SELECT count(*)::BIGINT AS n FROM payments WHERE customer_id = $c', {
          c: p.customerId,
        })
      )?.n;
    const before = await payments();
    for (const day of [1, 3, 5]) {
      clock.set(new Date(new Date(c.failed_at).getTime() + day * DAY));
      await dunning(h, clock);
    }
    expect(await payments()).toBe(before);
    c = await caseOf(h, p.subscriptionId);
    expect(c.status).toBe('open');
    clock.set(new Date(new Date(c.failed_at).getTime() + 7 * DAY));
    await dunning(h, clock);
    c = await caseOf(h, p.subscriptionId);
    expect(c).toMatchObject({ status: 'exhausted', final_action: 'cancel', next_step_at: null });
    expect(c.steps.map((s: { outcome: string }) => s.outcome)).toEqual([
      'failed',
      'awaiting_method',
      'awaiting_method',
      'awaiting_method',
      'awaiting_method',
    ]);
    expect((await h.api('GET', `/v1/subscriptions/${p.subscriptionId}`)).body.status).toBe('cancelled');
    const emails = await emailsOf(h, c.id);
    expect(emails.map((e) => e.dedupe_key)).toEqual([
      `dunning:${c.id}:0`,
      `dunning:${c.id}:1`,
      `dunning:${c.id}:2`,
      `dunning:${c.id}:3`,
      `dunning:${c.id}:4`,
      `dunning:${c.id}:closed`,
    ]);
    expect(emails[1]?.subject).toBe('Action needed: update your payment method');
    expect(emails[5]?.subject).toBe('Your meal plan has been cancelled');
    // The closed case does not move again.
    await dunning(h, clock);
    expect((await caseOf(h, p.subscriptionId)).steps).toEqual(c.steps);
    expect(await emailsOf(h, c.id)).toHaveLength(6);
  });

  it('when a dunning case is open → erasure is 409 customer_erasure_blocked naming open_dunning_case; once the case is closed it erases', async () => {
    clock.set(RENEWAL_AT);
    const p = await subscribedParent(h, plan.id, HARD_CARD);
    await billing(h, clock);
    await dunning(h, clock);
    expect((await caseOf(h, p.subscriptionId)).status).toBe('open');
    // Cancelled by the API, the subscription no longer blocks; the case stays open until the next dunning run.
    expect((await h.api('POST', `/v1/subscriptions/${p.subscriptionId}/cancel`, {})).status).toBe(200);
    const blocked = await h.api('POST', `/v1/customers/${p.customerId}/erase`);
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ code: 'customer_erasure_blocked', blockers: ['open_dunning_case'] });
    expect((await h.api('GET', `/v1/customers/${p.customerId}`)).body.name).not.toMatch(/^erased/);
    await dunning(h, clock);
    expect((await caseOf(h, p.subscriptionId)).status).toBe('cancelled');
    const erased = await h.api('POST', `/v1/customers/${p.customerId}/erase`);
    expect(erased.status).toBe(200);
    expect(erased.body.pseudonym).toBe(`erased customer ${p.customerId}`);
    // Nothing of theirs stays chargeable at Razorpay: the saved card's token is deleted there.
    const saved = await h.db.all<{ gateway_token: string; gateway_customer_id: string }>(
      `SELECT pm.gateway_token, c.gateway_customer_id FROM payment_methods pm JOIN customers c ON c.id = pm.customer_id
       WHERE pm.customer_id = $id`,
      { id: p.customerId },
    );
    expect(saved.length).toBeGreaterThan(0);
    expect(erased.body.gateway_tokens).toEqual({ deleted: saved.length, pending: 0 });
    for (const t of saved) {
      const atGateway = await fetch(`${h.sim.url}/v1/customers/${t.gateway_customer_id}/tokens/${t.gateway_token}`, {
        headers: { authorization: `Basic ${Buffer.from(`${h.sim.keyId}:${h.sim.keySecret}`).toString('base64')}` },
      });
      expect(atGateway.status).toBe(400);
    }
  });

  it("when the update link is used → bad, foreign and expired links are refused as problems; a page's stale ETag is 412 and changes nothing; a good one sets the method and plans a retry now", async () => {
    clock.set(RENEWAL_AT);
    const p = await subscribedParent(h, plan.id, HARD_CARD);
    const stranger = await subscribedParent(h, plan.id, SOFT_CARD);
    await billing(h, clock);
    await dunning(h, clock);
    const c = await caseOf(h, p.subscriptionId);
    const link = linkIn((await emailsOf(h, c.id))[0]?.text_body ?? '');
    const raw = async (method: 'GET' | 'POST', url: string, body?: unknown, ifMatch?: string) => {
      const res = await h.app.inject({
        method,
        url,
        ...(body === undefined
          ? {}
          : {
              payload: JSON.stringify(body),
              headers: {
                'content-type': 'application/json',
                ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
              },
            }),
      });
      const etag = String(res.headers['etag']);
      return { status: res.statusCode, type: String(res.headers['content-type']), text: res.body, etag };
    };

    const page = await raw('GET', link);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.text).toContain('₹3,000.00');
    expect(page.text).toContain('Visa ending 0002, expires 12/2030 (the one that failed)');

    const unknown = await raw('GET', '/billing/update-method/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
    expect(unknown.type).toContain('application/problem+json');
    expect(JSON.parse(unknown.text).code).toBe('link_not_found');
    const foreign = await raw('POST', link, { payment_method_id: stranger.methodId });
    expect(foreign.status).toBe(422);
    expect(JSON.parse(foreign.text).errors[0]).toMatchObject({
      field: '/payment_method_id',
      code: 'payment_method_not_found',
    });
    const declined = await raw('POST', link, { payment_method_id: p.methodId });
    expect(JSON.parse(declined.text).code).toBe('payment_method_declined');
    const shape = await raw('POST', link, { payment_method_id: 42 });
    expect(shape.status).toBe(400);
    expect(JSON.parse(shape.text).errors[0].field).toBe('/payment_method_id');

    const good = await saveCard(h, p.customerId);
    const later = new Date(clock.now().getTime() + 8 * DAY);
    clock.set(later);
    const expired = await raw('POST', link, { payment_method_id: good.methodId });
    expect(expired.status).toBe(409);
    expect(JSON.parse(expired.text).code).toBe('link_expired');
    clock.set(RENEWAL_AT);

    // The page was read before the card was saved: its ETag is stale, and the choice changes nothing.
    const stale = await raw('POST', link, { payment_method_id: good.methodId }, page.etag);
    expect(stale.status).toBe(412);
    expect(JSON.parse(stale.text)).toMatchObject({
      code: 'precondition_failed',
      errors: [{ field: '/headers/if-match' }],
    });
    expect((await h.api('GET', `/v1/subscriptions/${p.subscriptionId}`)).body.payment_method_id).toBe(p.methodId);
    expect((await caseOf(h, p.subscriptionId)).steps).toEqual(c.steps);
    // The page as it stands now: its form sends its ETag.
    const fresh = await raw('GET', link);
    expect(fresh.etag).not.toBe(page.etag);
    expect(fresh.text).toContain(`'if-match': ${JSON.stringify(fresh.etag)}`);

    const ok = await raw('POST', link, { payment_method_id: good.methodId }, fresh.etag);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({
      object: 'dunning_method_update',
      case_id: c.id,
      payment_method_id: good.methodId,
      retry_planned_at: RENEWAL_AT.toISOString(),
    });
    expect((await raw('POST', link, { payment_method_id: good.methodId })).status).toBe(409);
    const sub = (await h.api('GET', `/v1/subscriptions/${p.subscriptionId}`)).body;
    expect(sub.payment_method_id).toBe(good.methodId);
    const after = await caseOf(h, p.subscriptionId);
    expect(after.awaiting_method).toBe(false);
    expect(after.steps.find((s: { kind: string }) => s.kind === 'method_updated')).toMatchObject({
      step: 5,
      outcome: null,
      planned_at: RENEWAL_AT.toISOString(),
      payment_method_id: good.methodId,
    });
    expect(after.next_step_at).toBe(RENEWAL_AT.toISOString());
  });

  it('when input to the list and analytics is bad → 400/422 naming the field; a key is needed', async () => {
    expect((await h.api('GET', '/v1/dunning/cases?status=lost')).body.errors[0].field).toBe('/query/status');
    expect((await h.api('GET', '/v1/analytics/dunning?from=2026-13-01')).status).toBe(422);
    const noKey = await h.app.inject({ method: 'GET', url: '/v1/dunning/cases' });
    expect(noKey.statusCode).toBe(401);
    expect((await h.api('GET', '/v1/dunning/cases/dun_Missing0000001')).status).toBe(404);
  });

  it('when listed a page at a time → every case once, newest first; the job runs over HTTP and records its summary', async () => {
    const first = await h.api('GET', '/v1/dunning/cases?limit=2');
    expect(first.body).toMatchObject({ object: 'list', has_more: true });
    const rest = await h.api('GET', `/v1/dunning/cases?limit=100&starting_after=${first.body.data[1].id}`);
    const ids = [...first.body.data, ...rest.body.data].map((c: { id: string }) => c.id);
    const all = await h.db.all<{ id: string }>('SELECT id FROM dunning_cases ORDER BY created_at DESC, id DESC');
    expect(ids).toEqual(all.map((c) => c.id));
    expect((await h.api('GET', '/v1/dunning/cases?status=exhausted')).body.data.length).toBeGreaterThanOrEqual(1);

    const run = await h.api('POST', '/v1/jobs/dunning/runs');
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ job: 'dunning', status: 'succeeded', summary: { planned: 0 } });
  });

  /**
   * Issue 15 step 1 / issue 16 step 5: where kosh may not (above ₹15,000) or cannot (a hard decline) debit
   * off-session, the parent gets a Razorpay payment link, in the dunning email, on the update-method page and on the
   * billing record; paying it books the renewal once, whatever order its webhooks come in.
   */
  describe('an on-session payment link where the parent must act', () => {
    let termFee: { id: string };
    beforeAll(async () => {
      // ₹18,000 a term, exempt (school meals): the invoice total is the fee, above the ₹15,000 auto-debit limit.
      termFee = (await h.api('POST', '/v1/subscription-plans', { ...PLAN, name: 'Term fee', amount: 1_800_000 })).body;
    });

    const simCall = async (path: string, body: unknown) => {
      const res = await fetch(`${h.sim.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${h.sim.keyId}:${h.sim.keySecret}`).toString('base64')}`,
        },
        body: JSON.stringify(body),
      });
      return (await res.json()) as any;
    };
    const simGet = async (path: string) =>
      (await fetch(`${h.sim.url}${path}`, {
        headers: { authorization: `Basic ${Buffer.from(`${h.sim.keyId}:${h.sim.keySecret}`).toString('base64')}` },
      }).then((r) => r.json())) as any;
    const recordOf = async (subscriptionId: string) =>
      (await h.api('GET', `/v1/billing/records?subscription_id=${subscriptionId}`)).body.data[0];
    const page = async (path: string) => (await h.app.inject({ method: 'GET', url: path })).body;
    /** What the capture entries booked as the parent's gross (school payable, credit), and how many entries. */
    const ledgerCaptured = async (paymentIds: string[]) =>
      h.db.one<{ gross: number; entries: number }>(
        `SELECT coalesce(-sum(l.amount_minor), 0)::BIGINT AS gross, count(DISTINCT e.id)::BIGINT AS entries
         FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id AND l.account = 'school_payable'
         WHERE e.kind = 'capture' AND e.ref_id = ANY($ids::text[])`,
        { ids: paymentIds },
      );
    /** The invoice's recorded payments (a renewal's invoice is a draft until the invoice run finalises it, then paid). */
    const invoicePayments = (invoiceId: string) =>
      h.db.all<{ payment_id: string; amount_minor: number }>(
        'SELECT payment_id, amount_minor FROM invoice_payments WHERE invoice_id = $id',
        { id: invoiceId },
      );
    const paymentsOf = (customerId: string) =>
      h.db.all<{ id: string; status: string; gateway_payment_id: string | null }>(
        'SELECT id, status, gateway_payment_id FROM payments WHERE customer_id = $c ORDER BY id',
        { c: customerId },
      );

    it('when an ₹18,000 term fee is due → not debited off-session; a link in the email, on the page and the record; paid through the simulator → invoice paid once, case recovered, ledger = simulator captured', async () => {
      clock.set(RENEWAL_AT);
      const p = await subscribedParent(h, termFee.id, '4111111111111111');
      await billing(h, clock);
      expect(await recordOf(p.subscriptionId)).toMatchObject({
        status: 'failed',
        decline_code: 'authentication_required',
        requires_action: false,
        payment_link_id: null,
      });
      expect(h.sim.payments().filter((x) => x.kosh_id?.includes(p.subscriptionId))).toEqual([]);

      await dunning(h, clock);
      const record = await recordOf(p.subscriptionId);
      expect(record).toMatchObject({ status: 'failed', requires_action: true, payment_link_status: 'created' });
      expect(record.payment_link_id).toMatch(/^plink_/);
      const link = await simGet(`/v1/payment_links/${record.payment_link_id}`);
      expect(link).toMatchObject({ amount: 1_800_000, reference_id: record.id, short_url: record.payment_link_url });
      const c = await caseOf(h, p.subscriptionId);
      const [email] = await emailsOf(h, c.id);
      expect(email?.text_body).toContain(record.payment_link_url);
      expect(await page(linkIn(email?.text_body ?? ''))).toContain(`href="${record.payment_link_url}"`);
      // A second run makes no second link.
      await dunning(h, clock);
      expect((await recordOf(p.subscriptionId)).payment_link_id).toBe(record.payment_link_id);

      const paid = await simCall(`/v1/sim/payment_links/${record.payment_link_id}/pay`, {
        card_number: '4111111111111111',
      });
      expect(paid.payment_link.status).toBe('paid');
      await h.settle();

      const after = await recordOf(p.subscriptionId);
      expect(after).toMatchObject({
        status: 'paid',
        payment_id: `bill_${record.id}_link`,
        payment_link_status: 'paid',
        requires_action: false,
      });
      const invoice = (await h.api('GET', `/v1/invoices/${record.invoice_id}`)).body;
      expect(invoice).toMatchObject({ total: 1_800_000, amount_paid: 1_800_000 });
      expect(await invoicePayments(record.invoice_id)).toEqual([
        { payment_id: `bill_${record.id}_link`, amount_minor: 1_800_000 },
      ]);
      expect((await caseOf(h, p.subscriptionId)).status).toBe('recovered');
      expect((await h.api('GET', `/v1/subscriptions/${p.subscriptionId}`)).body.status).toBe('active');
      expect(await paymentsOf(p.customerId)).toEqual([
        { id: `bill_${record.id}_link`, status: 'captured', gateway_payment_id: paid.payment.id },
      ]);
      const simCaptured = h.sim
        .payments()
        .filter((x) => x.order_id === paid.payment.order_id && x.status === 'captured')
        .reduce((sum, x) => sum + x.amount, 0);
      expect(simCaptured).toBe(1_800_000);
      expect(await ledgerCaptured([`bill_${record.id}_link`])).toEqual({ gross: simCaptured, entries: 1 });

      // Everything again (Razorpay retries): nothing moves.
      await simCall('/v1/sim/webhooks/replay', {});
      await h.settle();
      await dunning(h, clock);
      expect(await ledgerCaptured([`bill_${record.id}_link`])).toEqual({ gross: simCaptured, entries: 1 });
      expect((await h.api('GET', `/v1/invoices/${record.invoice_id}`)).body.amount_paid).toBe(1_800_000);
      expect(await invoicePayments(record.invoice_id)).toHaveLength(1);
    });

    it('when payment.captured and order.paid come before payment_link.paid, and every event twice → one payment booked, every event applied', async () => {
      clock.set(RENEWAL_AT);
      const p = await subscribedParent(h, termFee.id, '4111111111111111');
      await billing(h, clock);
      await dunning(h, clock);
      const record = await recordOf(p.subscriptionId);
      h.sim.configure({ webhook: null });
      const paid = await simCall(`/v1/sim/payment_links/${record.payment_link_id}/pay`, {
        upi: { flow: 'intent', vpa: 'success@razorpay' },
      });
      const payment = await simGet(`/v1/payments/${paid.payment.id}`);
      const order = await simGet(`/v1/orders/${paid.payment.order_id}`);
      const link = await simGet(`/v1/payment_links/${record.payment_link_id}`);
      const events: [string, string][] = [
        ['evt_LinkCaptured01', razorpayEvent('payment.captured', { payment })],
        ['evt_LinkOrderPaid1', razorpayEvent('order.paid', { payment, order })],
        ['evt_LinkPaid000001', razorpayEvent('payment_link.paid', { payment_link: link, order, payment })],
      ];
      for (const [id, body] of [...events, ...events]) expect((await h.deliver(body, id)).status).toBe(200);
      // The same news under new event ids (a second delivery path): still one booking.
      for (const [id, body] of events) expect((await h.deliver(body, `${id}b`)).status).toBe(200);
      await h.settle();

      expect(await paymentsOf(p.customerId)).toEqual([
        { id: `bill_${record.id}_link`, status: 'captured', gateway_payment_id: paid.payment.id },
      ]);
      expect(await ledgerCaptured([`bill_${record.id}_link`])).toEqual({ gross: 1_800_000, entries: 1 });
      expect(await invoicePayments(record.invoice_id)).toEqual([
        { payment_id: `bill_${record.id}_link`, amount_minor: 1_800_000 },
      ]);
      const statuses = await h.db.all<{ status: string }>(
        'SELECT status FROM webhook_events WHERE entity_id = $g ORDER BY received_at',
        { g: paid.payment.id },
      );
      // Same event id again: stored as a duplicate; new ids: applied (the early ones again once the link booked).
      expect(statuses.map((s) => s.status).sort()).toEqual(
        [...Array(3).fill('duplicate'), ...Array(6).fill('applied')].sort(),
      );
      expect((await caseOf(h, p.subscriptionId)).status).toBe('recovered');
      h.sim.configure({ webhook: { url: `${h.url}/webhooks/razorpay`, secret: WEBHOOK_SECRET } });
    });

    it('when a card declines hard → the dunning page offers the link; once a new method pays the renewal, the link is cancelled', async () => {
      clock.set(RENEWAL_AT);
      const p = await subscribedParent(h, plan.id, HARD_CARD);
      await billing(h, clock);
      await dunning(h, clock);
      const record = await recordOf(p.subscriptionId);
      expect(record).toMatchObject({ status: 'failed', requires_action: true, payment_link_status: 'created' });
      const c = await caseOf(h, p.subscriptionId);
      const updateLink = linkIn((await emailsOf(h, c.id))[0]?.text_body ?? '');
      const html = await page(updateLink);
      expect(html).toContain(`href="${record.payment_link_url}"`);
      expect(html).toContain('Pay ₹3,000.00 now');

      const good = await saveCard(h, p.customerId);
      const chose = await h.app.inject({
        method: 'POST',
        url: updateLink,
        payload: JSON.stringify({ payment_method_id: good.methodId }),
        headers: { 'content-type': 'application/json' },
      });
      expect(chose.statusCode).toBe(200);
      await dunning(h, clock);
      expect(await recordOf(p.subscriptionId)).toMatchObject({ status: 'paid', requires_action: false });
      clock.set(new Date(RENEWAL_AT.getTime() + DAY));
      await dunning(h, clock);
      expect(await recordOf(p.subscriptionId)).toMatchObject({ payment_link_status: 'cancelled' });
      expect((await simGet(`/v1/payment_links/${record.payment_link_id}`)).status).toBe('cancelled');
    });
  });
});
