import type { Sql } from '../../platform/db.js';

/**
 * Erasure: a customer's payments lose what identifies the payer's device (IP, device id, browser, referer); amounts,
 * statuses and gateway ids stay for the ledger and reconciliation.
 */
export async function eraseCustomerPayments(tx: Sql, customerId: string, at: Date): Promise<number> {
  return tx.run(
    `UPDATE payments SET ip = NULL, device_id = NULL, user_agent = NULL, referer = NULL, updated_at = $at
     WHERE customer_id = $customer_id
       AND (ip IS NOT NULL OR device_id IS NOT NULL OR user_agent IS NOT NULL OR referer IS NOT NULL)`,
    { customer_id: customerId, at },
  );
}
