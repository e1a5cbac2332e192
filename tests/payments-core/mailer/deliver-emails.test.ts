import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import PDFDocument from 'pdfkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DELIVERY_POLICY,
  type DeliverDeps,
  type DeliveryPolicy,
  deliverEmails,
  retryDelayMs,
} from '../../../payments-core/mailer/deliver-emails.js';
import { type EmailToSend, enqueueEmail } from '../../../payments-core/mailer/enqueue-email.js';
import { getEmail } from '../../../payments-core/mailer/find-emails.js';
import { retryEmail } from '../../../payments-core/mailer/retry-email.js';
import { type Clock, fixedClock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db.js';
import { createLog } from '../../../platform/log.js';
import { emlTransport, type Mailer, type MailTransport, smtpTransport } from '../../../platform/mail.js';
import { listMigrations, migrate } from '../../../platform/migrate.js';
import { localObjectStore, type ObjectStore } from '../../../platform/objects.js';
import { openTestDb } from '../../support/db.js';
import { startSmtpServer, type TestSmtpServer } from './smtp-test-server.js';

/**
 * The real migrations up to and including the mailer's (011): the mailer depends on none of the later
 * ones, and this keeps its tests independent of them.
 */
async function migrateThroughMailer(db: Db, clock: Clock, dir: string): Promise<void> {
  const migrations = path.join(dir, 'migrations');
  mkdirSync(migrations);
  for (const m of listMigrations()) {
    if (m.version <= 11)
      writeFileSync(path.join(migrations, `${String(m.version).padStart(3, '0')}_${m.name}.sql`), m.sql);
  }
  await migrate(db, clock, migrations);
}

const FROM = 'kosh billing <billing@kosh.example>';
const T0 = new Date('2026-04-01T04:30:00Z');

/** A real PDF made by pdfkit: binary bytes with every value 0–255 somewhere in the stream. */
function renderPdf(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', info: { CreationDate: T0 } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(18).text('Tax invoice INV/26-27/000001');
    doc.fontSize(10).text('Total payable ₹ 1,234.00 (Rupees one thousand two hundred thirty-four only)');
    doc.end();
  });
}

const invoiceEmail = (n: number, extra: Partial<EmailToSend> = {}): EmailToSend => ({
  kind: 'invoice',
  dedupeKey: `invoice:inv_${n}:issued`,
  to: `parent${n}@example.com`,
  subject: `Your invoice INV/26-27/${String(n).padStart(6, '0')}`,
  text: `Dear parent, your invoice ${n} is attached.`,
  html: `<p>Dear parent, your invoice <b>${n}</b> is attached.</p>`,
  customerId: `cus_${n}`,
  refType: 'invoice',
  refId: `inv_${n}`,
  ...extra,
});

describe('mailer delivery', () => {
  let db: Db;
  let objects: ObjectStore;
  let dir: string;
  let smtp: TestSmtpServer | null;
  let transports: MailTransport[] = [];
  const clock = fixedClock(T0);
  const log = createLog({ level: 'silent' });

  beforeEach(async () => {
    clock.set(T0);
    db = await openTestDb();
    dir = mkdtempSync(path.join(tmpdir(), 'kosh-mailer-'));
    await migrateThroughMailer(db, clock, dir);
    objects = localObjectStore(path.join(dir, 'objects'));
    smtp = null;
    transports = [];
  });
  afterEach(async () => {
    for (const t of transports) await t.close();
    await smtp?.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deps = (transport: MailTransport): DeliverDeps => {
    transports.push(transport);
    const mailer: Mailer = { transport, from: FROM };
    return { db, clock, log, objects, mailer };
  };
  const run = (d: DeliverDeps, policy?: DeliveryPolicy) =>
    deliverEmails(d, { now: clock.now(), ...(policy === undefined ? {} : { policy }) });
  const enqueue = (e: EmailToSend) => db.transaction((tx) => enqueueEmail(tx, e, clock));

  it('when an invoice email is due → SMTP (with auth) receives it once, the PDF attachment byte-identical to the stored object', async () => {
    smtp = await startSmtpServer({ auth: { user: 'kosh', pass: 'p@ss:word/1' } });
    const pdf = await renderPdf();
    await objects.put('invoices', 'pdf/2026/inv_1.pdf', pdf, 'application/pdf');
    const { id } = await enqueue(
      invoiceEmail(1, {
        attachments: [
          {
            filename: 'INV-26-27-000001.pdf',
            contentType: 'application/pdf',
            bucket: 'invoices',
            key: 'pdf/2026/inv_1.pdf',
          },
        ],
      }),
    );

    const summary = await run(deps(smtpTransport(smtp.url)));

    expect(summary).toEqual({
      transport: 'smtp',
      claimed: 1,
      sent: 1,
      retrying: 0,
      failed: 0,
      lost_claims: 0,
      interrupted: 0,
    });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0];
    expect(mail?.user).toBe('kosh');
    expect(mail?.envelopeTo).toEqual(['parent1@example.com']);
    expect(mail?.parsed.messageId).toBe(`<${id}@kosh.example>`);
    expect(mail?.parsed.subject).toBe('Your invoice INV/26-27/000001');
    expect(mail?.parsed.from?.value[0]).toEqual({ address: 'billing@kosh.example', name: 'kosh billing' });
    expect(mail?.parsed.text?.trim()).toBe('Dear parent, your invoice 1 is attached.');
    expect(mail?.parsed.html).toContain('<b>1</b>');
    expect(mail?.parsed.headers.get('x-kosh-email-id')).toBe(id);
    const attachment = mail?.parsed.attachments[0];
    expect(attachment?.filename).toBe('INV-26-27-000001.pdf');
    expect(attachment?.contentType).toBe('application/pdf');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(Buffer.compare(attachment?.content ?? Buffer.alloc(0), pdf)).toBe(0);

    const email = await getEmail({ db }, id);
    expect(email).toMatchObject({
      status: 'sent',
      attempts: 1,
      message_id: `<${id}@kosh.example>`,
      transport: 'smtp',
      sent_at: T0,
      last_error_code: null,
    });
    // Nothing more to do on the next run.
    expect((await run(deps(smtpTransport(smtp.url)))).claimed).toBe(0);
    expect(smtp.received).toHaveLength(1);
  });

  it('when the server answers 4xx, then 2xx → the email waits the backoff, is retried, then sent; the error was recorded meanwhile', async () => {
    smtp = await startSmtpServer({
      answer: (n) => (n <= 2 ? { code: 451, message: 'Greylisted, try again later' } : 'accept'),
    });
    const { id } = await enqueue(invoiceEmail(1));
    const d = deps(smtpTransport(smtp.url));

    expect(await run(d)).toMatchObject({ claimed: 1, sent: 0, retrying: 1 });
    let email = await getEmail({ db }, id);
    expect(email).toMatchObject({ status: 'queued', attempts: 1, last_error_code: 'smtp_deferred' });
    expect(email.last_error).toContain('451');
    expect(email.next_attempt_at).toEqual(new Date(T0.getTime() + 15 * 60_000));

    // Not due before the backoff has passed.
    clock.advance(15 * 60_000 - 1);
    expect((await run(d)).claimed).toBe(0);
    clock.advance(1);
    expect(await run(d)).toMatchObject({ claimed: 1, retrying: 1 });
    email = await getEmail({ db }, id);
    expect(email).toMatchObject({ status: 'queued', attempts: 2 });
    expect(email.next_attempt_at).toEqual(new Date(clock.now().getTime() + 30 * 60_000));

    clock.advance(30 * 60_000);
    expect(await run(d)).toMatchObject({ claimed: 1, sent: 1 });
    email = await getEmail({ db }, id);
    expect(email).toMatchObject({ status: 'sent', attempts: 3, last_error_code: null, last_error: null });
    expect(smtp.offered()).toBe(3);
    expect(smtp.received).toHaveLength(1);
  });

  it('when the server answers 5xx → the email fails at once, permanently, with the answer recorded; no retry', async () => {
    smtp = await startSmtpServer({ answer: () => ({ code: 550, message: 'Mailbox unavailable' }) });
    const { id } = await enqueue(invoiceEmail(1));
    const d = deps(smtpTransport(smtp.url));

    expect(await run(d)).toMatchObject({ claimed: 1, failed: 1 });
    const email = await getEmail({ db }, id);
    expect(email).toMatchObject({ status: 'failed', attempts: 1, last_error_code: 'smtp_rejected', failed_at: T0 });
    expect(email.last_error).toContain('550');
    expect(email.last_error).toContain('Mailbox unavailable');

    clock.advance(48 * 3_600_000);
    expect((await run(d)).claimed).toBe(0);
    expect(smtp.offered()).toBe(1);
  });

  it('when every attempt is deferred → failed after maxAttempts with code max_attempts_reached', async () => {
    smtp = await startSmtpServer({ answer: () => ({ code: 421, message: 'Service not available' }) });
    const { id } = await enqueue(invoiceEmail(1));
    const d = deps(smtpTransport(smtp.url));
    const policy: DeliveryPolicy = { ...DELIVERY_POLICY, maxAttempts: 3 };
    for (let i = 0; i < 3; i++) {
      await run(d, policy);
      clock.advance(24 * 3_600_000);
    }
    const email = await getEmail({ db }, id);
    expect(email).toMatchObject({ status: 'failed', attempts: 3, last_error_code: 'max_attempts_reached' });
    expect(email.last_error).toMatch(/gave up after 3 attempts; last: smtp_deferred: .*421/);
    expect((await run(d, policy)).claimed).toBe(0);
  });

  it('when nothing listens on the SMTP port → a connection error is transient and retried', async () => {
    const probe = await startSmtpServer();
    const deadUrl = probe.url;
    await probe.close();
    const { id } = await enqueue(invoiceEmail(1));
    expect(await run(deps(smtpTransport(deadUrl, { timeoutMs: 2000 })))).toMatchObject({ claimed: 1, retrying: 1 });
    expect(await getEmail({ db }, id)).toMatchObject({ status: 'queued', last_error_code: 'connection' });
  });

  it('when the SMTP credentials are wrong → retried as smtp_auth, never failed for good on the first answer', async () => {
    smtp = await startSmtpServer({ auth: { user: 'kosh', pass: 'right' } });
    const { id } = await enqueue(invoiceEmail(1));
    const wrong = smtp.url.replace('kosh:right@', 'kosh:wrong@');
    expect(await run(deps(smtpTransport(wrong)))).toMatchObject({ claimed: 1, retrying: 1 });
    const email = await getEmail({ db }, id);
    expect(email).toMatchObject({ status: 'queued', last_error_code: 'smtp_auth' });
    expect(email.last_error).toContain('535');
  });

  it('when two delivery runs go at once → each email is sent exactly once', async () => {
    smtp = await startSmtpServer();
    const ids: string[] = [];
    for (let n = 1; n <= 30; n++) ids.push((await enqueue(invoiceEmail(n))).id);

    // Small batches, so the two runs' claims interleave with each other's sends.
    const policy: DeliveryPolicy = { ...DELIVERY_POLICY, batch: 4 };
    const worker = async () => {
      const d = deps(smtpTransport(smtp?.url ?? ''));
      let claimed = 0;
      let sent = 0;
      for (;;) {
        const summary = await run(d, policy);
        if (summary.claimed === 0) return { claimed, sent };
        claimed += Number(summary.claimed);
        sent += Number(summary.sent);
      }
    };
    const [a, b] = await Promise.all([worker(), worker()]);

    expect((a?.claimed ?? 0) + (b?.claimed ?? 0)).toBe(30);
    expect((a?.sent ?? 0) + (b?.sent ?? 0)).toBe(30);
    expect(a?.sent).toBeGreaterThan(0);
    expect(b?.sent).toBeGreaterThan(0);
    expect(smtp.received).toHaveLength(30);
    const messageIds = smtp.received.map((m) => m.parsed.messageId);
    expect(new Set(messageIds).size).toBe(30);
    expect(new Set(messageIds)).toEqual(new Set(ids.map((id) => `<${id}@kosh.example>`)));
    const counts = await db.all<{ status: string; n: number }>(
      'SELECT status, count(*)::INTEGER AS n FROM email_outbox GROUP BY status',
    );
    expect(counts).toEqual([{ status: 'sent', n: 30 }]);
  });

  it('when a run dies between the send and storing its outcome → never resent automatically; failed as interrupted; a manual retry resends with the same Message-ID', async () => {
    smtp = await startSmtpServer();
    const { id } = await enqueue(invoiceEmail(1));
    const real = smtpTransport(smtp.url);
    let sentOnce!: () => void;
    const sent = new Promise<void>((resolve) => {
      sentOnce = resolve;
    });
    // The message reaches the server; the process "dies" before it can record that (the promise never settles).
    const dying: MailTransport = {
      kind: 'smtp',
      send: async (mail) => {
        await real.send(mail);
        sentOnce();
        return new Promise(() => undefined);
      },
      close: () => real.close(),
    };
    void run(deps(dying));
    await sent;
    expect(await getEmail({ db }, id)).toMatchObject({ status: 'sending', attempts: 1 });

    // Within the lease a new run leaves the claim alone.
    clock.advance(DELIVERY_POLICY.claimLeaseMs);
    expect(await run(deps(smtpTransport(smtp.url)))).toMatchObject({ claimed: 0, interrupted: 0 });
    clock.advance(1);
    expect(await run(deps(smtpTransport(smtp.url)))).toMatchObject({ claimed: 0, interrupted: 1 });
    const email = await getEmail({ db }, id);
    expect(email).toMatchObject({ status: 'failed', last_error_code: 'interrupted' });
    expect(email.last_error).toContain('may or may not have been sent');
    clock.advance(48 * 3_600_000);
    expect((await run(deps(smtpTransport(smtp.url)))).claimed).toBe(0);
    expect(smtp.received).toHaveLength(1);

    // The operator decides to send it again: same Message-ID, so the copy is recognisable.
    await retryEmail({ db, clock }, id);
    expect(await run(deps(smtpTransport(smtp.url)))).toMatchObject({ sent: 1 });
    expect(smtp.received.map((m) => m.parsed.messageId)).toEqual([`<${id}@kosh.example>`, `<${id}@kosh.example>`]);
  });

  it('when more emails are due than one batch → one run claims batch after batch until none is due', async () => {
    smtp = await startSmtpServer();
    for (let n = 1; n <= 7; n++) await enqueue(invoiceEmail(n));
    const summary = await run(deps(smtpTransport(smtp.url)), { ...DELIVERY_POLICY, batch: 3 });
    expect(summary).toMatchObject({ claimed: 7, sent: 7 });
    expect(smtp.received).toHaveLength(7);
  });

  it('when a stalled run loses its claims to a later run → it sends nothing more and records nothing over them', async () => {
    smtp = await startSmtpServer();
    const first = await enqueue(invoiceEmail(1));
    const second = await enqueue(invoiceEmail(2));
    const real = smtpTransport(smtp.url);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let stalled!: () => void;
    const isStalled = new Promise<void>((resolve) => {
      stalled = resolve;
    });
    const slow: MailTransport = {
      kind: 'smtp',
      send: async (mail) => {
        const result = await real.send(mail);
        stalled();
        await released;
        return result;
      },
      close: () => real.close(),
    };
    const stalledRun = run(deps(slow), { ...DELIVERY_POLICY, concurrency: 1 });
    await isStalled;
    clock.advance(DELIVERY_POLICY.claimLeaseMs + 1);
    expect(await run(deps(smtpTransport(smtp.url)))).toMatchObject({ interrupted: 2, claimed: 0 });
    release();
    expect(await stalledRun).toMatchObject({ claimed: 2, sent: 0, lost_claims: 2 });
    expect(smtp.received).toHaveLength(1);
    for (const { id } of [first, second]) {
      expect(await getEmail({ db }, id)).toMatchObject({ status: 'failed', last_error_code: 'interrupted' });
    }
  });

  it('when send_at is in the future → not sent before it', async () => {
    smtp = await startSmtpServer();
    const { id } = await enqueue(invoiceEmail(1, { sendAt: new Date(T0.getTime() + 3_600_000) }));
    const d = deps(smtpTransport(smtp.url));
    expect((await run(d)).claimed).toBe(0);
    clock.advance(3_600_000);
    expect(await run(d)).toMatchObject({ sent: 1 });
    expect((await getEmail({ db }, id)).status).toBe('sent');
  });

  it('when an attachment is not in the object store yet → retried (attachment_missing), sent once it is there', async () => {
    smtp = await startSmtpServer();
    const attachments = [
      { filename: 'a.pdf', contentType: 'application/pdf', bucket: 'invoices' as const, key: 'pdf/inv_9.pdf' },
    ];
    const { id } = await enqueue(invoiceEmail(9, { attachments }));
    const d = deps(smtpTransport(smtp.url));
    expect(await run(d)).toMatchObject({ retrying: 1 });
    expect(await getEmail({ db }, id)).toMatchObject({ status: 'queued', last_error_code: 'attachment_missing' });
    expect(smtp.offered()).toBe(0);
    const pdf = await renderPdf();
    await objects.put('invoices', 'pdf/inv_9.pdf', pdf);
    clock.advance(retryDelayMs(1));
    expect(await run(d)).toMatchObject({ sent: 1 });
    expect(Buffer.compare(smtp.received[0]?.parsed.attachments[0]?.content ?? Buffer.alloc(0), pdf)).toBe(0);
  });

  it('when no SMTP is configured → the .eml default writes <outbox>/<id>.eml, parseable, attachment intact', async () => {
    const outbox = path.join(dir, 'outbox');
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    await objects.put('invoices', 'bin/blob.bin', bytes);
    const { id } = await enqueue(
      invoiceEmail(1, {
        attachments: [
          { filename: 'blob.bin', contentType: 'application/octet-stream', bucket: 'invoices', key: 'bin/blob.bin' },
        ],
      }),
    );

    expect(await run(deps(emlTransport(outbox)))).toMatchObject({ transport: 'eml', sent: 1 });

    expect(readdirSync(outbox)).toEqual([`${id}.eml`]);
    const raw = readFileSync(path.join(outbox, `${id}.eml`));
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe(`<${id}@kosh.example>`);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : null).toBe('parent1@example.com');
    expect(parsed.subject).toBe('Your invoice INV/26-27/000001');
    expect(parsed.date).toEqual(T0);
    expect(Buffer.compare(parsed.attachments[0]?.content ?? Buffer.alloc(0), bytes)).toBe(0);
    expect(await getEmail({ db }, id)).toMatchObject({ status: 'sent', transport: 'eml' });
  });
});
