import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDraftInvoice } from '../../../payments-core/invoices/create-draft-invoice.js';
import { finalizeInvoice } from '../../../payments-core/invoices/finalize-invoice.js';
import { deliverEmails } from '../../../payments-core/mailer/deliver-emails.js';
import { listEmails } from '../../../payments-core/mailer/find-emails.js';
import type { Clock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db.js';
import { createLog } from '../../../platform/log.js';
import { smtpTransport } from '../../../platform/mail.js';
import { localObjectStore, type ObjectStore } from '../../../platform/objects.js';
import { draft, gstLine, invoiceDb, mealLine } from '../invoices/support.js';
import { startSmtpServer, type TestSmtpServer } from './smtp-test-server.js';

/** End to end with the invoices module: finalising an invoice queues its email; the mailer sends the stored PDF. */
describe('invoice email', () => {
  let db: Db;
  let clock: Clock;
  let objects: ObjectStore;
  let dir: string;
  let smtp: TestSmtpServer;

  beforeEach(async () => {
    ({ db, clock } = await invoiceDb());
    dir = mkdtempSync(path.join(tmpdir(), 'kosh-mailer-inv-'));
    objects = localObjectStore(dir);
    smtp = await startSmtpServer();
  });
  afterEach(async () => {
    await smtp.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when an invoice is finalised → the parent receives one email whose PDF is byte-identical to the stored one', async () => {
    const { id: invoiceId } = await createDraftInvoice(
      db,
      draft('brec_1', [mealLine(250_000), gstLine(10_000)]),
      clock,
    );
    const invoice = await finalizeInvoice({ db, clock, objects }, invoiceId);

    const queued = await listEmails({ db }, { kind: 'invoice' });
    expect(queued.data).toHaveLength(1);
    const email = queued.data[0];
    expect(email).toMatchObject({ status: 'queued', to: 'asha@example.com', ref_type: 'invoice', ref_id: invoiceId });
    const attachment = email?.attachments[0];
    expect(attachment?.bucket).toBe('invoices');

    const transport = smtpTransport(smtp.url);
    const summary = await deliverEmails(
      {
        db,
        clock,
        log: createLog({ level: 'silent' }),
        objects,
        mailer: { transport, from: 'Kosh <billing@kosh.example>' },
      },
      { now: clock.now() },
    );
    await transport.close();

    expect(summary).toMatchObject({ claimed: 1, sent: 1 });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]?.parsed;
    expect(invoice.number).toMatch(/^INV\//);
    expect(mail?.subject).toContain(invoice.number);
    expect(mail?.messageId).toBe(`<${email?.id}@kosh.example>`);
    const stored = await objects.get('invoices', attachment?.key ?? '');
    expect(stored).not.toBeNull();
    expect(
      Buffer.from(stored ?? [])
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    expect(mail?.attachments).toHaveLength(1);
    expect(mail?.attachments[0]?.contentType).toBe('application/pdf');
    expect(mail?.attachments[0]?.filename).toBe(attachment?.filename);
    expect(Buffer.compare(mail?.attachments[0]?.content ?? Buffer.alloc(0), Buffer.from(stored ?? []))).toBe(0);
  });
});
