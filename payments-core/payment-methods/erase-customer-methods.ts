import type { Sql } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';

/**
 * Erasure (payments-core/customers/erase-customer.ts): a customer's methods lose their display data (last4, expiry,
 * VPA mask, bank, wallet, an e-mandate's account last 4, IFSC and registration link) and are detached. The token stays in kosh's row (so a repeated erasure can delete it at the
 * gateway again: `deleteErasedTokens`); kosh does not delete the customer at Razorpay. Concurrency: one statement under
 * the customer's row lock, held by the caller.
 */
export async function eraseCustomerMethods(tx: Sql, customerId: string, at: Date): Promise<number> {
  return tx.run(
    `UPDATE payment_methods SET card_last4 = NULL, card_exp_month = NULL, card_exp_year = NULL, upi_vpa_masked = NULL,
       bank = NULL, wallet = NULL, bank_account_last4 = NULL, bank_ifsc = NULL, registration_url = NULL,
       nach_form_url = NULL, is_default = false, updated_at = $at, deleted_at = coalesce(deleted_at, $at)
     WHERE customer_id = $customer_id AND (deleted_at IS NULL OR card_last4 IS NOT NULL OR card_exp_month IS NOT NULL
       OR upi_vpa_masked IS NOT NULL OR bank IS NOT NULL OR wallet IS NOT NULL
       OR bank_account_last4 IS NOT NULL OR bank_ifsc IS NOT NULL OR registration_url IS NOT NULL
       OR nach_form_url IS NOT NULL)`,
    { customer_id: customerId, at },
  );
}

const ERASED_TOKENS = `
SELECT pm.gateway_token, c.gateway_customer_id FROM payment_methods pm JOIN customers c ON c.id = pm.customer_id
WHERE pm.customer_id = $customer_id AND pm.gateway_token IS NOT NULL AND position('@' in pm.gateway_token) = 0
  AND c.gateway_customer_id IS NOT NULL AND c.erased_at IS NOT NULL`;

/**
 * After an erasure commits: every token of the erased customer is deleted at the gateway (a UPI AutoPay mandate is
 * cancelled, a saved card forgotten), so nothing of them is left chargeable. A token the gateway no longer has counts
 * as deleted, so a repeated erasure retries what failed. Answers how many were deleted and how many are pending.
 */
export async function deleteErasedTokens(
  deps: { db: Sql; gateway: PaymentGateway; log?: Log | undefined },
  customerId: string,
): Promise<{ deleted: number; pending: number }> {
  const tokens = await deps.db.all<{ gateway_token: string; gateway_customer_id: string }>(ERASED_TOKENS, {
    customer_id: customerId,
  });
  let deleted = 0;
  for (const t of tokens) {
    try {
      await deps.gateway.deleteToken(t.gateway_customer_id, t.gateway_token);
      deleted++;
    } catch (err) {
      deps.log?.warn(
        { customer: customerId, err: err instanceof Error ? err.message : String(err) },
        'erased customer: a token was not deleted at the gateway; erase again to retry',
      );
    }
  }
  return { deleted, pending: tokens.length - deleted };
}
