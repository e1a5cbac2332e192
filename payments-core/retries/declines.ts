/**
 * The one table of decline codes (Razorpay `error.reason`, or kosh's own code when the gateway refused the
 * request or never answered). Hard declines are never retried: card networks fine repeated attempts on
 * them and the answer will not change. Soft ones are retried with backoff. A code not in the table is
 * treated as hard, so kosh never hammers a card on a decline it does not understand.
 */
export type DeclineClass = 'hard' | 'soft';

export const DECLINE_CODES: Readonly<Record<string, { readonly kind: DeclineClass; readonly meaning: string }>> = {
  card_declined: { kind: 'hard', meaning: 'do not honour: the issuer refused' },
  do_not_honour: { kind: 'hard', meaning: 'do not honour: the issuer refused' },
  lost_card: { kind: 'hard', meaning: 'card reported lost' },
  stolen_card: { kind: 'hard', meaning: 'card reported stolen' },
  card_expired: { kind: 'hard', meaning: 'card expired; the customer must update it' },
  invalid_account: { kind: 'hard', meaning: 'bank account or VPA does not exist' },
  account_closed: { kind: 'hard', meaning: 'bank account closed' },
  invalid_vpa: { kind: 'hard', meaning: 'UPI address does not exist' },
  mandate_revoked: { kind: 'hard', meaning: 'the customer revoked the e-mandate / AutoPay mandate' },
  mandate_expired: { kind: 'hard', meaning: 'the mandate has ended' },
  mandate_paused: { kind: 'soft', meaning: 'the parent paused the AutoPay mandate; charged again once resumed' },
  payment_mandate_not_active: {
    kind: 'soft',
    meaning: 'the mandate was paused or revoked after the pre-debit notice (a revoke then stops kosh itself)',
  },
  payer_required: { kind: 'hard', meaning: "a UPI payment without the payer's browser, so it was never sent" },
  upi_collect_unavailable: {
    kind: 'hard',
    meaning:
      'a saved plain UPI VPA: collect was withdrawn on 28 Feb 2026, so it was never sent; use an AutoPay mandate',
  },
  upi_intent_expired: { kind: 'soft', meaning: 'the parent did not pay the UPI intent before its link expired' },
  gateway_bad_request_error: { kind: 'hard', meaning: 'the gateway refused the request (bad token, bad input)' },
  insufficient_funds: { kind: 'soft', meaning: 'not enough balance now; likely after salary day' },
  payment_timed_out: { kind: 'soft', meaning: 'the customer or bank did not respond in time' },
  payment_failed: { kind: 'soft', meaning: 'generic UPI failure, usually transient' },
  gateway_technical_error: { kind: 'soft', meaning: 'bank or wallet gateway error' },
  bank_technical_error: { kind: 'soft', meaning: 'issuing bank down' },
  server_error: { kind: 'soft', meaning: 'gateway 5xx' },
  gateway_unavailable: { kind: 'soft', meaning: 'gateway did not answer' },
  not_received_by_gateway: { kind: 'soft', meaning: 'the attempt never reached the gateway' },
  no_default_payment_method: { kind: 'soft', meaning: 'the customer has no saved default method yet' },
};

/** Hard or soft for a failed payment's reason, falling back to its code (GATEWAY_ERROR and 5xx are soft). */
export function classifyDecline(reason: string | null, code: string | null): DeclineClass {
  const byReason = reason === null ? undefined : DECLINE_CODES[reason];
  if (byReason !== undefined) return byReason.kind;
  if (code === 'GATEWAY_ERROR' || code === 'SERVER_ERROR') return 'soft';
  const byCode = code === null ? undefined : DECLINE_CODES[code];
  return byCode?.kind ?? 'hard';
}
