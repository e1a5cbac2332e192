import type { Sql } from '../../platform/db.js';
import { CANCEL_EMAILS_OF } from './repository.js';

/**
 * Withdraws every email about one record (e.g. a voided invoice) that has not left yet, inside the caller's
 * transaction: `queued` and `sending` rows become `cancelled`. A `sending` row's run then fails to renew its claim
 * and does not send. Returns how many were withdrawn; sent and failed emails stay as they are.
 */
export async function cancelEmailsOf(sql: Sql, ref: { refType: string; refId: string }, at: Date): Promise<number> {
  return sql.run(CANCEL_EMAILS_OF, { ref_type: ref.refType, ref_id: ref.refId, at });
}
