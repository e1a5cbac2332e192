import type { Sql } from '../../platform/db.js';
import { AppError, conflict } from '../../platform/errors.js';
import { LINK_BY_HASH } from './repository.js';
import { hashToken } from './send-dunning-email.js';

export interface DunningLink {
  readonly id: string;
  readonly purpose: string;
  readonly case_id: string;
  readonly customer_id: string;
  readonly subscription_id: string;
  readonly expires_at: Date;
  readonly used_at: Date | null;
  readonly case_status: string;
  readonly amount: number;
  readonly currency: string;
  readonly last_decline_code: string | null;
  readonly customer_name: string;
  readonly plan_name: string | null;
  readonly payment_method_id: string | null;
  /** The renewal's payment link while it can be paid (see the billing record), else null. */
  readonly pay_url: string | null;
}

/** 32 random bytes, base64url. Anything else is not a link kosh sent. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The live update-method link for a token: unknown or malformed → 404; past its expiry → 409
 * `link_expired`; used already → 409 `link_used`; its case closed → 409 `dunning_case_closed`.
 */
export async function liveLink(sql: Sql, token: string, now: Date): Promise<DunningLink> {
  const link = TOKEN.test(token)
    ? await sql.one<DunningLink>(LINK_BY_HASH, { token_hash: hashToken(token) })
    : undefined;
  if (link === undefined || link.purpose !== 'update_payment_method') {
    throw new AppError(
      'not_found',
      'link_not_found',
      'This link is not valid. Use the latest email about your payment.',
    );
  }
  if (link.expires_at <= now)
    throw conflict('link_expired', 'This link has expired. A newer email carries a fresh one.');
  if (link.used_at !== null) throw conflict('link_used', 'This link has already been used to choose a payment method.');
  if (link.case_status !== 'open') {
    throw conflict('dunning_case_closed', 'This payment is no longer being collected through this link.');
  }
  return link;
}
