import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDunningCase } from '../../../payments-core/dunning/open-dunning-case.js';
import { fixedClock } from '../../../platform/clock.js';
import { type Harness, startHarness } from '../../support/harness.js';
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

  it('when the update link is used → bad, foreign and expired links are refused as problems; a good one sets the method and plans a retry now', async () => {
    clock.set(RENEWAL_AT);
    const p = await subscribedParent(h, plan.id, HARD_CARD);
    const stranger = await subscribedParent(h, plan.id, SOFT_CARD);
    await billing(h, clock);
    await dunning(h, clock);
    const c = await caseOf(h, p.subscriptionId);
    const link = linkIn((await emailsOf(h, c.id))[0]?.text_body ?? '');
    const raw = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
      const res = await h.app.inject({
        method,
        url,
        ...(body === undefined
          ? {}
          : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      return { status: res.statusCode, type: String(res.headers['content-type']), text: res.body };
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

    const ok = await raw('POST', link, { payment_method_id: good.methodId });
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
});
