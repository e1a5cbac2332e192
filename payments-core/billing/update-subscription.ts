import type { InvoiceDeps } from '../invoices/finalize-invoice.js';
import { changeSubscription, type SubscriptionChange } from '../subscriptions/change-subscription.js';
import { getSubscription } from '../subscriptions/find-subscriptions.js';
import type { Subscription } from '../subscriptions/types.js';
import { invoiceChangesNow } from './invoice-changes-now.js';
import type { BillingDeps } from './types.js';

/**
 * A plan or quantity change as the API asks for it (`changeSubscription`); under `proration_behavior:
 * always_invoice` its prorations are then billed now (`invoiceChangesNow`). A retry of the request changes nothing
 * more and bills only what an interrupted earlier attempt left, by the change's own keys. With `ifMatch` (an ETag
 * from a read), a subscription changed since is refused with 412.
 */
export async function updateSubscription(
  deps: BillingDeps & Pick<InvoiceDeps, 'objects' | 'settings'>,
  id: string,
  change: SubscriptionChange,
  ifMatch?: string | undefined,
): Promise<Subscription> {
  const changed = await changeSubscription(deps, id, change, ifMatch);
  if (change.proration_behavior !== 'always_invoice') return changed;
  await invoiceChangesNow(deps, id);
  return getSubscription(deps, id);
}
