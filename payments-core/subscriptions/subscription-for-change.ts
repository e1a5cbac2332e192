import type { Sql } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import { checkIfMatch } from '../../platform/etag.js';
import { getSubscription } from './find-subscriptions.js';
import { SUBSCRIPTION_BY_ID, SUBSCRIPTION_BY_ID_FOR_UPDATE } from './repository.js';
import type { Subscription } from './types.js';

/**
 * The subscription an API write changes. Razorpay-collected subscriptions are changed at Razorpay and
 * followed here through its webhooks, so kosh refuses to change them itself (409). `lock` takes the row lock that
 * orders a subscription's changes, pauses, resumes and cancels; `ifMatch` (an ETag from a read, checked under that
 * lock) refuses a subscription changed since with 412.
 */
export async function subscriptionForChange(
  tx: Sql,
  id: string,
  options: { lock?: boolean; ifMatch?: string | undefined } = {},
): Promise<Subscription> {
  const sub = await tx.one<Subscription>(options.lock === true ? SUBSCRIPTION_BY_ID_FOR_UPDATE : SUBSCRIPTION_BY_ID, {
    id,
  });
  if (sub === undefined) throw notFound('subscription', id);
  if (sub.collection === 'razorpay') {
    throw conflict(
      'subscription_collected_by_razorpay',
      `subscription ${id} is held at Razorpay (${sub.gateway_subscription_id}); change it there`,
    );
  }
  if (options.ifMatch !== undefined)
    checkIfMatch(options.ifMatch, await getSubscription({ db: tx }, id), 'subscription', id);
  return sub;
}
