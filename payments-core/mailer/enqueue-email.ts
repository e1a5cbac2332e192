import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { type FieldError, invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { checkObjectKey } from '../../platform/objects.js';
import { EMAIL_ID_BY_DEDUPE_KEY, EMAIL_IDS_BY_DEDUPE_KEYS, INSERT_EMAIL, INSERT_EMAILS } from './repository.js';
import { EMAIL_KINDS, type EmailAttachment, type EmailKind } from './types.js';

export interface EmailToSend {
  kind: EmailKind;
  /** Unique; enqueueing the same key twice returns the first row (idempotent). */
  dedupeKey: string;
  /** A bare address (`parent@example.com`), no display name. */
  to: string;
  subject: string;
  text: string;
  html?: string;
  customerId?: string;
  /** E.g. 'invoice', 'dunning_case', 'billing_record'. */
  refType?: string;
  refId?: string;
  /** Bytes come from the object store at send time. */
  attachments?: EmailAttachment[];
  /** Not before this time; default now. */
  sendAt?: Date;
}

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * Whether `address` is a plain deliverable mailbox `local@domain`: a dot-atom local part of at most 64
 * characters, a domain of at least two DNS labels, 254 characters at most. Quoted local parts, IP literals
 * and display names are refused, and so is anything with whitespace or line breaks (header injection).
 */
export function isEmailAddress(address: string): boolean {
  if (address.length > 254) return false;
  const at = address.lastIndexOf('@');
  if (at < 1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !LOCAL.test(local)) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels.at(-1) ?? '');
}

const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;
const LINE_BREAK = /[\r\n]/;

function problems(email: EmailToSend): FieldError[] {
  const out: FieldError[] = [];
  const bad = (field: string, code: string, message: string) => out.push({ field, code, message });
  if (!EMAIL_KINDS.includes(email.kind)) bad('/kind', 'invalid_email_kind', `must be one of ${EMAIL_KINDS.join(', ')}`);
  if (typeof email.dedupeKey !== 'string' || email.dedupeKey.length < 1 || email.dedupeKey.length > 200) {
    bad('/dedupeKey', 'invalid_dedupe_key', 'must be 1 to 200 characters');
  }
  if (typeof email.to !== 'string' || !isEmailAddress(email.to)) {
    bad('/to', 'invalid_email_address', 'must be a plain email address like parent@example.com');
  }
  if (typeof email.subject !== 'string' || email.subject.trim() === '' || email.subject.length > 250) {
    bad('/subject', 'invalid_subject', 'must be 1 to 250 characters');
  } else if (LINE_BREAK.test(email.subject)) {
    bad('/subject', 'invalid_subject', 'must not contain line breaks');
  }
  if (typeof email.text !== 'string' || email.text.trim() === '') bad('/text', 'invalid_text', 'must not be empty');
  if (email.sendAt !== undefined && !(email.sendAt instanceof Date && Number.isFinite(email.sendAt.getTime()))) {
    bad('/sendAt', 'invalid_send_at', 'must be a valid Date');
  }
  (email.attachments ?? []).forEach((a, i) => {
    if (typeof a.filename !== 'string' || !/^[^/\\\r\n"\0]{1,200}$/.test(a.filename)) {
      bad(
        `/attachments/${i}/filename`,
        'invalid_filename',
        'must be 1 to 200 characters without / \\ " or line breaks',
      );
    }
    if (typeof a.contentType !== 'string' || !CONTENT_TYPE.test(a.contentType)) {
      bad(`/attachments/${i}/contentType`, 'invalid_content_type', 'must be a MIME type like application/pdf');
    }
    if (a.bucket !== 'invoices') bad(`/attachments/${i}/bucket`, 'invalid_bucket', 'must be "invoices"');
    try {
      checkObjectKey(a.key);
    } catch {
      bad(`/attachments/${i}/key`, 'invalid_object_key', 'must be a valid object key');
    }
  });
  return out;
}

const rowOf = (id: string, email: EmailToSend, at: Date) => ({
  id,
  kind: email.kind,
  dedupe_key: email.dedupeKey,
  to_address: email.to,
  subject: email.subject,
  text_body: email.text,
  html_body: email.html ?? null,
  customer_id: email.customerId ?? null,
  ref_type: email.refType ?? null,
  ref_id: email.refId ?? null,
  attachments: JSON.stringify(
    (email.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      bucket: a.bucket,
      key: a.key,
    })),
  ),
  send_at: email.sendAt ?? at,
});

/**
 * Puts an email in the outbox, inside the caller's transaction; the `mailer` job delivers it at or after
 * `sendAt`. Idempotent on `dedupeKey`: a second call returns the first row's id with `created: false`, even
 * if the other fields differ. An invalid address or field is refused with `invalid_email` naming the field.
 */
export async function enqueueEmail(
  sql: Sql,
  email: EmailToSend,
  clock: Clock,
): Promise<{ id: string; created: boolean }> {
  const errors = problems(email);
  if (errors.length > 0) {
    throw invalid(
      'invalid_email',
      `the email cannot be queued: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
      errors,
    );
  }
  const at = clock.now();
  const row = rowOf(newId('eml'), email, at);
  const inserted = await sql.run(INSERT_EMAIL, { ...row, at });
  if (inserted === 1) return { id: row.id, created: true };
  const first = await sql.one<{ id: string }>(EMAIL_ID_BY_DEDUPE_KEY, { dedupe_key: email.dedupeKey });
  if (first === undefined) throw new Error(`email with dedupe key ${email.dedupeKey} neither inserted nor found`);
  return { id: first.id, created: false };
}

/**
 * `enqueueEmail` for many at once, set-wise: two statements whatever the count. Results in input order; a
 * key repeated within the batch or already queued returns the first row with `created: false`. Nothing is
 * queued if any email is invalid (fields are named `/<index>/…`).
 */
export async function enqueueEmails(
  sql: Sql,
  emails: readonly EmailToSend[],
  clock: Clock,
): Promise<{ id: string; created: boolean }[]> {
  const errors = emails.flatMap((e, i) => problems(e).map((f) => ({ ...f, field: `/${i}${f.field}` })));
  if (errors.length > 0) {
    throw invalid(
      'invalid_email',
      `the emails cannot be queued: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
      errors,
    );
  }
  if (emails.length === 0) return [];
  const at = clock.now();
  const fresh = new Map<string, ReturnType<typeof rowOf>>();
  for (const email of emails) {
    if (!fresh.has(email.dedupeKey)) fresh.set(email.dedupeKey, rowOf(newId('eml'), email, at));
  }
  const rows = [...fresh.values()];
  // One JSON parameter of rows, read back typed by json_to_recordset.
  await sql.run(INSERT_EMAILS, { rows: JSON.stringify(rows), at });
  const found = await sql.all<{ id: string; dedupe_key: string }>(EMAIL_IDS_BY_DEDUPE_KEYS, {
    keys: [...fresh.keys()],
  });
  const idOf = new Map(found.map((r) => [r.dedupe_key, r.id]));
  const handedOut = new Set<string>();
  return emails.map((email) => {
    const id = idOf.get(email.dedupeKey);
    if (id === undefined) throw new Error(`email with dedupe key ${email.dedupeKey} neither inserted nor found`);
    const created = id === fresh.get(email.dedupeKey)?.id && !handedOut.has(id);
    handedOut.add(id);
    return { id, created };
  });
}
