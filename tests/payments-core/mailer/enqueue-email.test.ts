import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type EmailToSend,
  enqueueEmail,
  enqueueEmails,
  isEmailAddress,
} from '../../../payments-core/mailer/enqueue-email.js';
import { getEmail } from '../../../payments-core/mailer/find-emails.js';
import { fixedClock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db.js';
import { AppError } from '../../../platform/errors.js';
import { listMigrations, migrate } from '../../../platform/migrate.js';
import { openTestDb } from '../../support/db.js';

const T0 = new Date('2026-04-01T04:30:00Z');

const email = (extra: Partial<EmailToSend> = {}): EmailToSend => ({
  kind: 'pre_debit',
  dedupeKey: 'pre_debit:brec_1',
  to: 'parent@example.com',
  subject: 'Your meal plan will be debited on 5 April',
  text: '₹1,200.00 will be debited from your card ending 1111 on 5 April 2026.',
  customerId: 'cus_1',
  refType: 'billing_record',
  refId: 'brec_1',
  ...extra,
});

describe('isEmailAddress', () => {
  it.each([
    ['parent@example.com', true],
    ['first.last+meals@school.example.co.in', true],
    ["o'brien@example.com", true],
    ['UPPER@EXAMPLE.COM', true],
    ['no-at-sign', false],
    ['a@localhost', false],
    ['a b@example.com', false],
    ['a@example.com\r\nBcc: everyone@example.com', false],
    ['"quoted"@example.com', false],
    ['Parent <parent@example.com>', false],
    ['a..b@example.com', false],
    ['.a@example.com', false],
    ['a@-example.com', false],
    ['a@example..com', false],
    ['a@127.0.0.1', false],
    ['a@[127.0.0.1]', false],
    [`${'x'.repeat(65)}@example.com`, false],
    ['', false],
  ])('address %j is valid: %s', (address, valid) => {
    expect(isEmailAddress(address)).toBe(valid);
  });
});

describe('enqueueEmail', () => {
  let db: Db;
  let dir: string;
  const clock = fixedClock(T0);

  beforeEach(async () => {
    clock.set(T0);
    db = await openTestDb();
    // The real migrations through the mailer's own (011); later ones are not the mailer's concern.
    dir = mkdtempSync(path.join(tmpdir(), 'kosh-mailer-'));
    for (const m of listMigrations()) {
      if (m.version <= 11) writeFileSync(path.join(dir, `${String(m.version).padStart(3, '0')}_${m.name}.sql`), m.sql);
    }
    mkdirSync(dir, { recursive: true });
    await migrate(db, clock, dir);
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = async () => (await db.one<{ n: number }>('SELECT count(*)::INTEGER AS n FROM email_outbox'))?.n;

  it('when queued → one row, queued, due at send_at (default now), with every field kept', async () => {
    const attachments = [
      { filename: 'INV-1.pdf', contentType: 'application/pdf', bucket: 'invoices' as const, key: 'pdf/inv_1.pdf' },
    ];
    const { id, created } = await db.transaction((tx) =>
      enqueueEmail(tx, email({ html: '<p>hi</p>', attachments }), clock),
    );
    expect(created).toBe(true);
    expect(id).toMatch(/^eml_[A-Za-z0-9]{14}$/);
    expect(await getEmail({ db }, id)).toEqual({
      object: 'email',
      id,
      kind: 'pre_debit',
      dedupe_key: 'pre_debit:brec_1',
      to: 'parent@example.com',
      subject: 'Your meal plan will be debited on 5 April',
      text: '₹1,200.00 will be debited from your card ending 1111 on 5 April 2026.',
      html: '<p>hi</p>',
      customer_id: 'cus_1',
      ref_type: 'billing_record',
      ref_id: 'brec_1',
      attachments,
      send_at: T0,
      status: 'queued',
      attempts: 0,
      next_attempt_at: T0,
      last_error_code: null,
      last_error: null,
      message_id: null,
      transport: null,
      sent_at: null,
      failed_at: null,
      created_at: T0,
      updated_at: T0,
    });
  });

  it('when the same dedupe key is queued twice → the first row is returned, created false, nothing changed', async () => {
    const first = await db.transaction((tx) => enqueueEmail(tx, email(), clock));
    clock.advance(60_000);
    const second = await db.transaction((tx) =>
      enqueueEmail(tx, email({ subject: 'a different subject', to: 'other@example.com' }), clock),
    );
    expect(second).toEqual({ id: first.id, created: false });
    expect(await rows()).toBe(1);
    expect(await getEmail({ db }, first.id)).toMatchObject({
      subject: 'Your meal plan will be debited on 5 April',
      to: 'parent@example.com',
      created_at: T0,
    });
  });

  it('when the same key is queued concurrently from many transactions → one row, exactly one created', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => db.transaction((tx) => enqueueEmail(tx, email(), clock))),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await rows()).toBe(1);
  });

  it('when the caller’s transaction rolls back → no email is queued', async () => {
    await expect(
      db.transaction(async (tx) => {
        await enqueueEmail(tx, email(), clock);
        throw new Error('billing failed');
      }),
    ).rejects.toThrow('billing failed');
    expect(await rows()).toBe(0);
  });

  it('when the address is invalid → invalid_email naming /to, and nothing is queued', async () => {
    const err = await enqueueEmail(db, email({ to: 'parent@example.com\nBcc: x@example.com' }), clock).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      kind: 'invalid',
      code: 'invalid_email',
      fields: [{ field: '/to', code: 'invalid_email_address' }],
    });
    expect(await rows()).toBe(0);
  });

  it('when several fields are wrong → every one is named at once', async () => {
    const err = await enqueueEmail(
      db,
      email({
        kind: 'newsletter' as EmailToSend['kind'],
        dedupeKey: '',
        subject: 'line one\r\nX-Injected: yes',
        text: '  ',
        sendAt: new Date('nope'),
        attachments: [
          { filename: '../etc/passwd', contentType: 'pdf', bucket: 'models' as 'invoices', key: '../secrets' },
        ],
      }),
      clock,
    ).catch((e: unknown) => e);
    expect((err as AppError).fields.map((f) => f.field)).toEqual([
      '/kind',
      '/dedupeKey',
      '/subject',
      '/text',
      '/sendAt',
      '/attachments/0/filename',
      '/attachments/0/contentType',
      '/attachments/0/bucket',
      '/attachments/0/key',
    ]);
    expect(await rows()).toBe(0);
  });

  it('when many are queued at once → one row each, in input order; repeats within the batch and earlier keys are not created again', async () => {
    const earlier = await enqueueEmail(db, email({ dedupeKey: 'k2' }), clock);
    const sendAt = new Date('2026-04-03T00:00:00Z');
    const batch = [
      email({ dedupeKey: 'k1', to: 'one@example.com', html: '<b>1</b>' }),
      email({ dedupeKey: 'k2', to: 'two@example.com' }),
      email({
        dedupeKey: 'k3',
        sendAt,
        attachments: [{ filename: 'x.pdf', contentType: 'application/pdf', bucket: 'invoices', key: 'a/x.pdf' }],
      }),
      email({ dedupeKey: 'k1', to: 'again@example.com' }),
    ];
    const results = await db.transaction((tx) => enqueueEmails(tx, batch, clock));
    expect(results.map((r) => r.created)).toEqual([true, false, true, false]);
    expect(results[1]?.id).toBe(earlier.id);
    expect(results[3]?.id).toBe(results[0]?.id);
    expect(await rows()).toBe(3);
    expect(await getEmail({ db }, results[0]?.id ?? '')).toMatchObject({
      to: 'one@example.com',
      html: '<b>1</b>',
      status: 'queued',
      send_at: T0,
      next_attempt_at: T0,
      customer_id: 'cus_1',
      attempts: 0,
    });
    expect(await getEmail({ db }, results[2]?.id ?? '')).toMatchObject({
      send_at: sendAt,
      next_attempt_at: sendAt,
      html: null,
      attachments: [{ filename: 'x.pdf', contentType: 'application/pdf', bucket: 'invoices', key: 'a/x.pdf' }],
    });
    expect(await getEmail({ db }, earlier.id)).toMatchObject({ to: 'parent@example.com' });
    // Run again: nothing new.
    const again = await enqueueEmails(db, batch, clock);
    expect(again.map((r) => r.created)).toEqual([false, false, false, false]);
    expect(again.map((r) => r.id)).toEqual(results.map((r) => r.id));
  });

  it('when one of many is invalid → nothing is queued and the field names its index', async () => {
    const err = await enqueueEmails(
      db,
      [email({ dedupeKey: 'a' }), email({ dedupeKey: 'b', to: 'nope' })],
      clock,
    ).catch((e: unknown) => e);
    expect((err as AppError).fields.map((f) => f.field)).toEqual(['/1/to']);
    expect(await rows()).toBe(0);
  });

  it('when send_at is given → the email is due then, not before', async () => {
    const sendAt = new Date('2026-04-04T03:30:00Z');
    const { id } = await enqueueEmail(db, email({ sendAt }), clock);
    expect(await getEmail({ db }, id)).toMatchObject({ send_at: sendAt, next_attempt_at: sendAt });
  });
});
