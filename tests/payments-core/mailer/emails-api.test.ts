import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmailToSend, enqueueEmail } from '../../../payments-core/mailer/enqueue-email.js';
import { fixedClock } from '../../../platform/clock.js';
import { smtpTransport } from '../../../platform/mail.js';
import { type Harness, startHarness } from '../../support/harness.js';
import { startSmtpServer, type TestSmtpServer } from './smtp-test-server.js';

const T0 = new Date('2026-04-01T04:30:00Z');

const email = (n: number, extra: Partial<EmailToSend> = {}): EmailToSend => ({
  kind: 'dunning',
  dedupeKey: `dunning:dc_${n}:step1`,
  to: `parent${n}@example.com`,
  subject: `Payment for your meal plan failed (${n})`,
  text: 'We could not charge your card. Please update your payment method.',
  customerId: `cus_${n % 2 === 0 ? 'even' : 'odd'}`,
  refType: 'dunning_case',
  refId: `dc_${n}`,
  ...extra,
});

/** The outbox over HTTP, and the `mailer` job run through the jobs API (what `kosh jobs run mailer` calls). */
describe('emails API and the mailer job', () => {
  let h: Harness;
  let smtp: TestSmtpServer;
  let closeMail: () => Promise<void> = async () => undefined;
  const clock = fixedClock(T0);
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // parent2@ is refused for good the first time (by a second server); everything else is accepted.
    let refusedOnce = false;
    smtp = await startSmtpServer();
    const refusing = await startSmtpServer({
      answer: () => {
        refusedOnce = true;
        return { code: 554, message: 'Transaction failed: spam suspected' };
      },
    });
    const good = smtpTransport(smtp.url);
    const bad = smtpTransport(refusing.url);
    // The app does not own the transport (server.ts closes its own at shutdown): the test closes it.
    closeMail = async () => {
      await good.close();
      await bad.close();
      await refusing.close();
    };
    // Routes the address parent2@ to the refusing server: one transport as the job sees it.
    h = await startHarness({
      clock,
      mailer: {
        from: 'kosh billing <billing@kosh.example>',
        transport: {
          kind: 'smtp',
          send: (mail) => (mail.to.startsWith('parent2@') && !refusedOnce ? bad : good).send(mail),
          close: () => closeMail(),
        },
      },
    });
    for (const n of [1, 2, 3]) ids[n] = (await enqueueEmail(h.db, email(n), clock)).id;
    ids[4] = (
      await enqueueEmail(h.db, email(4, { kind: 'pre_debit', sendAt: new Date(T0.getTime() + 86_400_000) }), clock)
    ).id;
  });
  afterAll(async () => {
    await h?.close();
    await closeMail();
    await smtp?.close();
  });

  it('when the mailer job is run through the jobs API → due emails go out and the run reports counts', async () => {
    const res = await h.api('POST', '/v1/jobs/mailer/runs');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      job: 'mailer',
      status: 'succeeded',
      summary: { transport: 'smtp', claimed: 3, sent: 2, failed: 1, retrying: 0, interrupted: 0 },
    });
    expect(smtp.received.map((m) => m.envelopeTo[0]).sort()).toEqual(['parent1@example.com', 'parent3@example.com']);
  });

  it('when listing with status=failed → the refused email, with the server’s answer', async () => {
    const res = await h.api('GET', '/v1/emails?status=failed');
    expect(res.status).toBe(200);
    expect(res.body.has_more).toBe(false);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({
      object: 'email',
      id: ids[2],
      status: 'failed',
      attempts: 1,
      last_error_code: 'smtp_rejected',
      failed_at: T0.toISOString(),
    });
    expect(res.body.data[0].last_error).toContain('554 Transaction failed: spam suspected');
  });

  it('when filtering by kind and customer, and paging → the matching emails, newest first', async () => {
    const preDebit = await h.api('GET', '/v1/emails?kind=pre_debit');
    expect(preDebit.body.data.map((e: { id: string }) => e.id)).toEqual([ids[4]]);
    expect(preDebit.body.data[0]).toMatchObject({ status: 'queued', attempts: 0, message_id: null });

    const odd = await h.api('GET', '/v1/emails?customer_id=cus_odd&status=sent');
    expect(odd.body.data.map((e: { id: string }) => e.id).sort()).toEqual([ids[1], ids[3]].sort());
    expect(odd.body.data[0]).toMatchObject({ transport: 'smtp', sent_at: T0.toISOString() });

    const first = await h.api('GET', '/v1/emails?limit=3');
    expect(first.body.data).toHaveLength(3);
    expect(first.body.has_more).toBe(true);
    const rest = await h.api('GET', `/v1/emails?limit=3&starting_after=${first.body.data[2].id}`);
    expect(rest.body.has_more).toBe(false);
    const all = [...first.body.data, ...rest.body.data].map((e: { id: string }) => e.id);
    expect(all.sort()).toEqual(Object.values(ids).sort());

    const bad = await h.api('GET', '/v1/emails?status=lost');
    expect(bad.status).toBe(400);
  });

  it('when one email is fetched → its full record; an unknown id → 404', async () => {
    const res = await h.api('GET', `/v1/emails/${ids[1]}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ids[1],
      kind: 'dunning',
      to: 'parent1@example.com',
      status: 'sent',
      message_id: `<${ids[1]}@kosh.example>`,
      attachments: [],
    });
    const missing = await h.api('GET', '/v1/emails/eml_doesnotexist00');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('email_not_found');
  });

  it('when retrying → a sent or queued email is 409, a failed one goes back to queued and the next run sends it', async () => {
    const sent = await h.api('POST', `/v1/emails/${ids[1]}/retry`);
    expect(sent.status).toBe(409);
    expect(sent.body).toMatchObject({ code: 'email_not_failed', email_status: 'sent' });
    expect((await h.api('POST', `/v1/emails/${ids[4]}/retry`)).status).toBe(409);

    const retried = await h.api('POST', `/v1/emails/${ids[2]}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: ids[2], status: 'queued', attempts: 0, failed_at: null });

    const run = await h.api('POST', '/v1/jobs/mailer/runs');
    expect(run.body.summary).toMatchObject({ claimed: 1, sent: 1 });
    expect((await h.api('GET', `/v1/emails/${ids[2]}`)).body.status).toBe('sent');
    expect(smtp.received.at(-1)?.parsed.messageId).toBe(`<${ids[2]}@kosh.example>`);
  });

  it('when a key lacks billing:admin → 403', async () => {
    const key = await h.keyWith(['payments:read']);
    const res = await h.api('GET', '/v1/emails', undefined, { authorization: `Bearer ${key}` });
    expect(res.status).toBe(403);
  });
});
