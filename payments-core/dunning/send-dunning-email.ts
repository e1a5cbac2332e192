import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { istDate } from '../../platform/ist.js';
import { formatIndianAmount, formatRupees } from '../../platform/money.js';
import { type EmailToSend, enqueueEmails, isEmailAddress } from '../mailer/enqueue-email.js';
import { DECLINE_CODES } from '../retries/declines.js';
import { INSERT_LINKS } from './repository.js';
import { LINK_TTL_MS } from './types.js';

/** Why a dunning email goes out; each case sends at most one per step, plus one when it closes. */
export type DunningEmailReason =
  | 'payment_failed'
  | 'retry_failed'
  | 'awaiting_method'
  | 'recovered'
  | 'cancelled'
  | 'marked_unpaid'
  | 'razorpay_retrying'
  | 'razorpay_halted'
  | 'razorpay_recovered';

export interface DunningEmailContext {
  readonly caseId: string;
  /** The step number, or `closed` for the email that ends the case. */
  readonly step: number | 'closed';
  readonly customerId: string;
  readonly subscriptionId: string;
  readonly to: string;
  readonly name: string;
  readonly planName: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly declineCode: string | null;
  readonly nextAttemptAt: Date | null;
  /**
   * Set on the email one step before the case's final action: what that action will be, so the parent is told
   * plainly that this is the last notice before it.
   */
  readonly finalNotice?: 'cancel' | 'mark_unpaid' | null;
  /**
   * The renewal's Razorpay payment link, when the parent must pay on-session (above ₹15,000, or after a hard
   * decline): the parent pays there with any card or UPI ID, authenticating as their bank asks.
   */
  readonly payUrl?: string | null;
}

/** The SHA-256 of a link token: all kosh keeps of it. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** An amount as the invoices print it: ₹1,234.50 from 123450 paise (another currency by its code). */
export const rupees = (paise: number, currency: string): string =>
  currency === 'INR' ? formatRupees(paise) : `${currency} ${formatIndianAmount(paise)}`;

const WITH_LINK: readonly DunningEmailReason[] = ['payment_failed', 'retry_failed', 'awaiting_method'];

/** The last-notice paragraph, when the next step is the last before the final action. */
function finalNotice(c: DunningEmailContext): string {
  if (c.finalNotice === undefined || c.finalNotice === null) return '';
  const when = c.nextAttemptAt === null ? 'at the next step' : `after ${istDate(c.nextAttemptAt)}`;
  const then =
    c.finalNotice === 'cancel'
      ? 'the meal plan will be cancelled'
      : 'the meal plan will be put on hold and the amount recorded as overdue';
  return `\n\nFINAL NOTICE: this is the last reminder. If the payment is not made ${when}, ${then}.`;
}

function body(
  reason: DunningEmailReason,
  c: DunningEmailContext,
  link: string | null,
): { subject: string; text: string } {
  const what = `${rupees(c.amount, c.currency)} for ${c.planName ?? 'your meal plan'}`;
  const why =
    c.declineCode === null ? '' : ` The bank said: ${DECLINE_CODES[c.declineCode]?.meaning ?? c.declineCode}.`;
  const next = c.nextAttemptAt === null ? '' : ` We will try again on ${istDate(c.nextAttemptAt)}.`;
  const update =
    link === null
      ? ''
      : `\n\nTo pay with another saved card, UPI or bank account, open this link (valid 7 days):\n${link}\n`;
  const pay =
    c.payUrl === undefined || c.payUrl === null || !WITH_LINK.includes(reason)
      ? ''
      : `\n\nTo pay now with any card or UPI ID (your bank may ask you to approve it), open:\n${c.payUrl}\n`;
  const hello = `Dear ${c.name},\n\n`;
  const final = finalNotice(c);
  switch (reason) {
    case 'payment_failed':
      return {
        subject: 'Your meal plan payment did not go through',
        text: `${hello}We could not collect ${what}.${why}${next}${final}${pay}${update}`,
      };
    case 'retry_failed':
      return {
        subject: 'We still could not collect your meal plan payment',
        text: `${hello}Another attempt to collect ${what} failed.${why}${next}${final}${pay}${update}`,
      };
    case 'awaiting_method':
      return {
        subject: 'Action needed: update your payment method',
        text: `${hello}Your saved payment method cannot be charged for ${what}.${why} We will not try it again: please choose another method.${final}${pay}${update}`,
      };
    case 'recovered':
      return {
        subject: 'Payment received, thank you',
        text: `${hello}We have received ${what}. Your meal plan continues as before.\n`,
      };
    case 'cancelled':
      return {
        subject: 'Your meal plan has been cancelled',
        text: `${hello}After several attempts we could not collect ${what}, so the subscription has been cancelled. Please contact the school to start again.\n`,
      };
    case 'marked_unpaid':
      return {
        subject: 'Your meal plan is on hold: payment overdue',
        text: `${hello}After several attempts we could not collect ${what}. The subscription is on hold until the payment is made; please contact the school.\n`,
      };
    case 'razorpay_retrying':
      return {
        subject: 'Your meal plan payment did not go through',
        text: `${hello}The automatic debit of ${what} failed.${why} Razorpay will retry it over the next days; please make sure your card, UPI or bank mandate can be charged.\n`,
      };
    case 'razorpay_halted':
      return {
        subject: 'Your meal plan is on hold: payment overdue',
        text: `${hello}The automatic debit of ${what} failed on every retry, so the subscription is on hold. Please update the payment method of your subscription mandate.\n`,
      };
    case 'razorpay_recovered':
      return {
        subject: 'Payment received, thank you',
        text: `${hello}We have received ${what}. Your meal plan continues as before.\n`,
      };
  }
}

export interface DunningEmail {
  readonly reason: DunningEmailReason;
  readonly context: DunningEmailContext;
}

/**
 * Queues the emails of dunning steps (kind `dunning`, dedupe key `dunning:<case>:<step>`), inside the caller's
 * transaction. Emails that ask for a new method carry a single-purpose link: a random token whose SHA-256 alone
 * is stored, valid for LINK_TTL_MS, once, and only while the case is open. A batch takes a few statements whatever
 * its size (the links in one, the emails in two). Returns each email's id in input order, or null when the customer's address cannot take mail (the
 * step still counts; the outbox would refuse it).
 */
export async function sendDunningEmails(
  sql: Sql,
  emails: readonly DunningEmail[],
  deps: { clock: Clock; publicUrl: string | null },
): Promise<(string | null)[]> {
  const at = deps.clock.now();
  const links = emails.map((e) =>
    deps.publicUrl !== null && WITH_LINK.includes(e.reason) && isEmailAddress(e.context.to)
      ? randomBytes(32).toString('base64url')
      : null,
  );
  const linked = emails.flatMap((e, i) => {
    const token = links[i];
    return token === null || token === undefined ? [] : [{ e, token }];
  });
  if (linked.length > 0) {
    await sql.run(INSERT_LINKS, {
      ids: linked.map(() => newId('dnl')),
      hashes: linked.map((l) => hashToken(l.token)),
      case_ids: linked.map((l) => l.e.context.caseId),
      steps: linked.map((l) => (l.e.context.step === 'closed' ? -1 : l.e.context.step)),
      customer_ids: linked.map((l) => l.e.context.customerId),
      subscription_ids: linked.map((l) => l.e.context.subscriptionId),
      expires_at: new Date(at.getTime() + LINK_TTL_MS),
      at,
    });
  }
  const queued = emails.flatMap((e, i): EmailToSend[] => {
    if (!isEmailAddress(e.context.to)) return [];
    const token = links[i];
    const link = token === null || token === undefined ? null : `${deps.publicUrl}/billing/update-method/${token}`;
    const { subject, text } = body(e.reason, e.context, link);
    return [
      {
        kind: 'dunning',
        dedupeKey: `dunning:${e.context.caseId}:${e.context.step}`,
        to: e.context.to,
        subject,
        text,
        customerId: e.context.customerId,
        refType: 'dunning_case',
        refId: e.context.caseId,
      },
    ];
  });
  const ids = (await enqueueEmails(sql, queued, deps.clock)).map((r) => r.id);
  let next = 0;
  return emails.map((e) => (isEmailAddress(e.context.to) ? (ids[next++] ?? null) : null));
}

/** One step's email (see sendDunningEmails). */
export async function sendDunningEmail(
  sql: Sql,
  reason: DunningEmailReason,
  context: DunningEmailContext,
  deps: { clock: Clock; publicUrl: string | null },
): Promise<string | null> {
  return (await sendDunningEmails(sql, [{ reason, context }], deps))[0] ?? null;
}
