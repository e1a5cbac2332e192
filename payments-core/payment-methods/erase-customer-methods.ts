import type { Sql } from '../../platform/db.js';

/**
 * Erasure (payments-core/customers/erase-customer.ts): a customer's methods lose their display data (last4, expiry,
 * VPA mask, bank, wallet) and are detached. The token stays, useless without the gateway customer; kosh does not
 * delete the customer at Razorpay. Concurrency: one statement under the customer's row lock, held by the caller.
 */
export async function eraseCustomerMethods(tx: Sql, customerId: string, at: Date): Promise<number> {
  return tx.run(
    `UPDATE payment_methods SET card_last4 = NULL, card_exp_month = NULL, card_exp_year = NULL, upi_vpa_masked = NULL,
       bank = NULL, wallet = NULL, is_default = false, updated_at = $at, deleted_at = coalesce(deleted_at, $at)
     WHERE customer_id = $customer_id AND (deleted_at IS NULL OR card_last4 IS NOT NULL OR card_exp_month IS NOT NULL
       OR upi_vpa_masked IS NOT NULL OR bank IS NOT NULL OR wallet IS NOT NULL)`,
    { customer_id: customerId, at },
  );
}
