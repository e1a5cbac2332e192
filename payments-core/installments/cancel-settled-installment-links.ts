import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { SET_INSTALLMENT_LINK_STATUS, SETTLED_INSTALLMENT_LINKS } from './repository.js';

/**
 * Cancels the payment links of installments no longer waiting for the parent (paid another way, superseded by a
 * payoff, cancelled with their plan), so an old link cannot take a second payment. A link the parent paid meanwhile
 * comes back `paid` and is left to its webhook. Returns how many were cancelled.
 */
export async function cancelSettledInstallmentLinks(
  deps: { db: Db; gateway: PaymentGateway; clock: Clock; log: Log },
  testClock: string | null,
): Promise<number> {
  const rows = await deps.db.all<{ id: string; payment_link_id: string }>(SETTLED_INSTALLMENT_LINKS, {
    test_clock: testClock,
  });
  let cancelled = 0;
  for (const row of rows) {
    try {
      const link = await deps.gateway.cancelPaymentLink(row.payment_link_id);
      if (link.status === 'paid') continue;
      await deps.db.run(SET_INSTALLMENT_LINK_STATUS, {
        id: row.id,
        link_id: link.id,
        status: link.status,
        now: deps.clock.now(),
      });
      if (link.status === 'cancelled') cancelled++;
    } catch (err) {
      deps.log.warn({ err, payment_link: row.payment_link_id }, 'installments: cancelling a settled link failed');
    }
  }
  return cancelled;
}
