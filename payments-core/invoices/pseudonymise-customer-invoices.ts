import type { Sql } from '../../platform/db.js';

/**
 * Erasure: GST invoices and credit notes are kept (CGST Act s. 36 and Rule 56(16): 72 months from the due date of
 * the year's annual return), their amounts, numbers, GSTIN and place of supply untouched, but the customer printed on
 * them becomes `name` with no email or address. Drafts are pseudonymised alike. The PDFs already stored are not
 * rewritten (see docs/security.md).
 */
export async function pseudonymiseCustomerInvoices(tx: Sql, customerId: string, name: string): Promise<number> {
  return tx.run(
    `UPDATE invoices SET snapshot = jsonb_set(
         jsonb_set(jsonb_set(snapshot::jsonb, '{customer,name}', to_jsonb($name::text)), '{customer,email}', 'null'),
         '{customer,billing_address}', 'null')::json
     WHERE customer_id = $customer_id AND snapshot IS NOT NULL AND snapshot::jsonb #>> '{customer,name}' IS DISTINCT FROM $name`,
    { customer_id: customerId, name },
  );
}
