import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { SET_LINK_STATUS, SETTLED_LINKS } from './repository.js';

/**
 * Cancels the payment links of records no longer waiting for the parent (paid another way: a retry, a new method;
 * or given up), so a link in an old email cannot take a second payment. A link the parent paid meanwhile comes back
 * `paid` and is left to its webhook. Returns how many were cancelled.
 */
export async function cancelSettledLinks(
  deps: { db: Db; gateway: PaymentGateway; clock: Clock; log: Log },
  testClock: string | null,
): Promise<number> {
  const links = await deps.db.all<{ payment_link_id: string }>(SETTLED_LINKS, { test_clock: testClock });
  let cancelled = 0;
  for (const { payment_link_id } of links) {
    try {
      const link = await deps.gateway.cancelPaymentLink(payment_link_id);
      if (link.status === 'paid') continue;
      await deps.db.run(SET_LINK_STATUS, { link_id: link.id, status: link.status, now: deps.clock.now() });
      if (link.status === 'cancelled') cancelled++;
    } catch (err) {
      deps.log.warn({ err, payment_link: payment_link_id }, 'billing: cancelling a settled record’s link failed');
    }
  }
  return cancelled;
}
