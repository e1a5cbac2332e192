import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import type { GatewayPaymentLink } from '../gateway/port.js';
import { SET_LINK_STATUS } from './repository.js';

/**
 * A link's news that moves no money (`payment_link.cancelled`, `payment_link.expired`, `partially_paid`), kept on the
 * record that owns the link. Returns false when no record has this link. A paid link stays paid.
 */
export async function noteLinkStatus(tx: Sql, link: GatewayPaymentLink, clock: Clock): Promise<boolean> {
  const changed = await tx.run(SET_LINK_STATUS, { link_id: link.id, status: link.status, now: clock.now() });
  if (changed > 0) return true;
  return (
    (await tx.one('SELECT 1 AS x FROM billing_records WHERE payment_link_id = $link_id', { link_id: link.id })) !==
    undefined
  );
}
