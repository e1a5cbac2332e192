import type { Sql } from '../../platform/db.js';

/**
 * Erasure: the emails kept for a customer lose their address and bodies (kind, subject line, dates and delivery
 * outcome stay, as a record that a notice was sent); a queued one is cancelled first, so it is never sent.
 */
export async function eraseCustomerEmails(tx: Sql, customerId: string, at: Date): Promise<number> {
  return tx.run(
    `UPDATE email_outbox SET to_address = 'erased', text_body = '(erased)', html_body = NULL, attachments = '[]',
       status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END,
       last_error_code = CASE WHEN status = 'queued' THEN 'customer_erased' ELSE last_error_code END,
       failed_at = CASE WHEN status = 'queued' THEN $at ELSE failed_at END, updated_at = $at
     WHERE customer_id = $customer_id AND to_address <> 'erased'`,
    { customer_id: customerId, at },
  );
}
