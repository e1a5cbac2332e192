import type { Sql } from '../../platform/db.js';

/** Erasure: a customer's orders lose their free-form notes (amounts, descriptions and statuses stay for the ledger). */
export async function eraseCustomerOrders(tx: Sql, customerId: string, at: Date): Promise<number> {
  return tx.run(
    'UPDATE orders SET notes = NULL, updated_at = $at WHERE customer_id = $customer_id AND notes IS NOT NULL',
    { customer_id: customerId, at },
  );
}
