import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import type { JobContext, JobSummary } from '../../platform/job.js';
import type { Log } from '../../platform/log.js';
import { type Mailer, MailSendError, messageIdFor, type OutgoingMail } from '../../platform/mail.js';
import type { ObjectStore } from '../../platform/objects.js';
import {
  CLAIM_DUE_EMAILS,
  CLAIMED_EMAILS,
  FAIL_STALE_CLAIMS,
  MARK_EMAIL_FAILED,
  MARK_EMAIL_RETRY,
  MARK_EMAIL_SENT,
  RENEW_CLAIM,
} from './repository.js';
import type { EmailAttachment } from './types.js';

export interface DeliveryPolicy {
  /** Attempts before a transiently failing email is failed for good. */
  readonly maxAttempts: number;
  /** Wait after attempt n: base · 2^(n−1), at most `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /**
   * A claim not renewed for this long belongs to a run that died; its email becomes `failed` (`interrupted`).
   * Each email's claim is renewed right before its send, so the lease only has to outlast one send.
   */
  readonly claimLeaseMs: number;
  /** Emails claimed at a time; a run claims batch after batch until none is due or `maxRunMs` has passed. */
  readonly batch: number;
  /** A run stops claiming after this long (wall time), so an hourly run ends before the next one. */
  readonly maxRunMs: number;
  /** Messages in flight at once. */
  readonly concurrency: number;
}

/**
 * Eight attempts over about a day (15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 12 h): long enough to outlast
 * greylisting and a mail server's maintenance window. The job runs hourly, so short waits round up to
 * the next run. The lease is far above nodemailer's timeouts (30 s connect, 60 s idle socket).
 */
export const DELIVERY_POLICY: DeliveryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 15 * 60_000,
  maxDelayMs: 12 * 3_600_000,
  claimLeaseMs: 15 * 60_000,
  batch: 500,
  maxRunMs: 45 * 60_000,
  concurrency: 4,
};

/** The wait after failed attempt `attempt` (1-based). */
export function retryDelayMs(attempt: number, policy: DeliveryPolicy = DELIVERY_POLICY): number {
  return Math.min(policy.baseDelayMs * 2 ** Math.max(0, attempt - 1), policy.maxDelayMs);
}

export type DeliverDeps = {
  readonly db: Db;
  readonly clock: Clock;
  readonly log: Log;
  readonly objects: ObjectStore;
  readonly mailer: Mailer;
};

interface ClaimedEmail {
  readonly id: string;
  readonly kind: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  readonly attachments: string;
  readonly attempts: number;
}

type Outcome = 'sent' | 'retrying' | 'failed' | 'lost';

/** A failure of one attempt, classified: `permanent` fails the email now, else it waits and retries. */
interface AttemptFailure {
  readonly code: string;
  readonly error: string;
  readonly permanent: boolean;
}

class MissingAttachment extends Error {}

async function compose(deps: DeliverDeps, email: ClaimedEmail): Promise<OutgoingMail> {
  const attachments: OutgoingMail['attachments'][number][] = [];
  for (const a of JSON.parse(email.attachments) as EmailAttachment[]) {
    const content = await deps.objects.get(a.bucket, a.key);
    if (content === null) throw new MissingAttachment(`no object ${a.bucket}/${a.key} for attachment ${a.filename}`);
    attachments.push({ filename: a.filename, contentType: a.contentType, content });
  }
  return {
    id: email.id,
    from: deps.mailer.from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    ...(email.html === null ? {} : { html: email.html }),
    messageId: messageIdFor(email.id, deps.mailer.from),
    date: deps.clock.now(),
    headers: { 'X-Kosh-Email-Id': email.id, 'X-Kosh-Email-Kind': email.kind },
    attachments,
  };
}

function classify(err: unknown): AttemptFailure {
  if (err instanceof MissingAttachment) return { code: 'attachment_missing', error: err.message, permanent: false };
  if (err instanceof MailSendError) {
    // Credentials are the transport's problem, not the message's: retried, never a permanent failure.
    if (err.code === 'EAUTH' || err.code === 'ENOAUTH') {
      return { code: 'smtp_auth', error: `${err.code}: ${err.message}`, permanent: false };
    }
    if (err.responseCode !== null) {
      return {
        code: err.permanent ? 'smtp_rejected' : 'smtp_deferred',
        error: `${err.code}: ${err.message}`,
        permanent: err.permanent,
      };
    }
    return {
      code: err.code === 'EFILE' ? 'file_write' : 'connection',
      error: `${err.code}: ${err.message}`,
      permanent: false,
    };
  }
  return { code: 'error', error: err instanceof Error ? err.message : String(err), permanent: false };
}

/** One attempt at one claimed email; its outcome is stored only if this run still holds the claim. */
async function attempt(
  deps: DeliverDeps,
  email: ClaimedEmail,
  token: string,
  policy: DeliveryPolicy,
): Promise<Outcome> {
  let mail: OutgoingMail;
  let response: string;
  try {
    mail = await compose(deps, email);
    const held = await deps.db.run(RENEW_CLAIM, { id: email.id, token, at: deps.clock.now() });
    if (held !== 1) return 'lost';
    response = (await deps.mailer.transport.send(mail)).response;
  } catch (err) {
    return settleFailure(deps, email, token, policy, classify(err));
  }
  // Sent. Whatever happens from here, the email is never attempted again automatically: if this store
  // fails, the row stays `sending` and later becomes `interrupted`.
  const changed = await deps.db
    .run(MARK_EMAIL_SENT, {
      id: email.id,
      token,
      message_id: mail.messageId,
      transport: deps.mailer.transport.kind,
      at: deps.clock.now(),
    })
    .catch((err: unknown) => {
      deps.log.error(
        { email_id: email.id, err: err instanceof Error ? err.message : String(err) },
        'email sent but not recorded',
      );
      return 0;
    });
  if (changed === 1) return 'sent';
  deps.log.warn({ email_id: email.id, response }, 'email sent but its claim was gone');
  return 'lost';
}

async function settleFailure(
  deps: DeliverDeps,
  email: ClaimedEmail,
  token: string,
  policy: DeliveryPolicy,
  failure: AttemptFailure,
): Promise<Outcome> {
  const at = deps.clock.now();
  const giveUp = failure.permanent || email.attempts >= policy.maxAttempts;
  const changed = giveUp
    ? await deps.db.run(MARK_EMAIL_FAILED, {
        id: email.id,
        token,
        code: failure.permanent ? failure.code : 'max_attempts_reached',
        error: (failure.permanent
          ? failure.error
          : `gave up after ${email.attempts} attempts; last: ${failure.code}: ${failure.error}`
        ).slice(0, 2000),
        at,
      })
    : await deps.db.run(MARK_EMAIL_RETRY, {
        id: email.id,
        token,
        code: failure.code,
        error: failure.error.slice(0, 2000),
        next_attempt_at: new Date(at.getTime() + retryDelayMs(email.attempts, policy)),
        at,
      });
  deps.log.warn(
    { email_id: email.id, attempt: email.attempts, code: failure.code, permanent: failure.permanent, gave_up: giveUp },
    'email not delivered',
  );
  if (changed !== 1) return 'lost';
  return giveUp ? 'failed' : 'retrying';
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * The `mailer` job: delivers the outbox's due emails (send_at and next_attempt_at reached), batch after
 * batch until none is due or the run's time budget is spent.
 *
 * Delivery is at most once. A run first claims its batch (`queued` → `sending` under its own token, one
 * statement in one transaction), so two concurrent runs never hold the same email; it then sends each and
 * stores the outcome only under its token. If the process dies between the server's acceptance and that
 * store, the email stays `sending`; once its claim is older than the lease it becomes `failed` with code
 * `interrupted` and is never resent automatically. A parent who misses one email can be sent it again
 * (`POST /v1/emails/:id/retry`); a parent who receives a dunning notice twice cannot be un-sent one. Every
 * copy of a row's message carries the Message-ID `<email id@from domain>`, so a duplicate made by such a
 * retry is recognisable (and collapsed by most mail clients).
 *
 * Transient failures (SMTP 4xx, connection, a missing attachment) wait `retryDelayMs` and try again, up
 * to `maxAttempts`; an SMTP 5xx answer to the message fails it at once. Both record code and server answer.
 */
export async function deliverEmails(
  deps: DeliverDeps,
  ctx: JobContext & { readonly policy?: DeliveryPolicy },
): Promise<JobSummary> {
  const policy = ctx.policy ?? DELIVERY_POLICY;
  const started = performance.now();
  const tally: Record<Outcome, number> = { sent: 0, retrying: 0, failed: 0, lost: 0 };
  let claimedTotal = 0;
  let interruptedTotal = 0;
  for (;;) {
    const token = newId('clm');
    const { interrupted, claimed } = await deps.db.transaction(async (tx) => {
      const interrupted = await tx.run(FAIL_STALE_CLAIMS, {
        now: ctx.now,
        stale_before: new Date(ctx.now.getTime() - policy.claimLeaseMs),
        test_clock: ctx.testClock ?? null,
      });
      await tx.run(CLAIM_DUE_EMAILS, {
        token,
        now: ctx.now,
        limit: policy.batch,
        test_clock: ctx.testClock ?? null,
      });
      return { interrupted, claimed: await tx.all<ClaimedEmail>(CLAIMED_EMAILS, { token }) };
    });
    if (interrupted > 0) deps.log.error({ count: interrupted }, 'emails interrupted mid-delivery marked failed');
    interruptedTotal += interrupted;
    claimedTotal += claimed.length;
    const outcomes = await inParallel(claimed, policy.concurrency, (email) => attempt(deps, email, token, policy));
    for (const o of outcomes) tally[o]++;
    // A short batch means nothing else is due; a retried email is due later, so it is not picked again here.
    if (claimed.length < policy.batch || performance.now() - started > policy.maxRunMs) break;
  }
  return {
    transport: deps.mailer.transport.kind,
    claimed: claimedTotal,
    sent: tally.sent,
    retrying: tally.retrying,
    failed: tally.failed,
    lost_claims: tally.lost,
    interrupted: interruptedTotal,
  };
}
