import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, invalid } from '../../platform/errors.js';
import { checkIfMatch } from '../../platform/etag.js';
import { CLEAR_DEFAULT, SET_DEFAULT } from '../payment-methods/repository.js';
import { setSubscriptionPaymentMethod } from '../subscriptions/set-subscription-payment-method.js';
import { liveLink } from './dunning-link.js';
import { updateMethodChoice } from './get-update-method-page.js';
import { CLEAR_DECLINED_METHOD, INSERT_STEP, LOCK_LINK, NEXT_STEP_NUMBER, USE_LINK } from './repository.js';

const METHOD_OF_CUSTOMER = `
SELECT id FROM payment_methods WHERE id = $id AND customer_id = $customer_id AND deleted_at IS NULL AND status = 'active'`;
const DECLINED_METHOD = `SELECT declined_method_id FROM dunning_cases WHERE id = $id`;

export interface MethodUpdate {
  readonly object: 'dunning_method_update';
  readonly case_id: string;
  readonly subscription_id: string;
  readonly payment_method_id: string;
  /** When the dunning job will charge the new method (its next run picks the step up). */
  readonly retry_planned_at: Date;
}

/**
 * What the public link's form does: the chosen method must be one of the customer's live saved methods and not
 * the one that declined hard. In one transaction the link is spent (single use), the method becomes the
 * subscription's method and the customer's default, the case stops waiting for a method, and a retry step
 * (`method_updated`) is planned now, for the next dunning run to charge. With `ifMatch` (the page's ETag), a
 * choice made on a page that no longer shows what stands (another method saved or removed, the subscription's
 * method or the case changed) is refused with 412 and changes nothing.
 */
export async function updateMethodFromLink(
  deps: { db: Db; clock: Clock },
  token: string,
  input: { payment_method_id: string },
  ifMatch?: string | undefined,
): Promise<MethodUpdate> {
  const at = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const link = await liveLink(tx, token, at);
    if (ifMatch !== undefined) {
      // The page must still show what stands: checked under the link's lock (a second submit waits, then finds it used).
      await tx.one(LOCK_LINK, { id: link.id });
      checkIfMatch(ifMatch, await updateMethodChoice(tx, token, at), 'dunning_link', link.id);
    }
    const owned = await tx.one(METHOD_OF_CUSTOMER, { id: input.payment_method_id, customer_id: link.customer_id });
    if (owned === undefined) {
      throw invalid('payment_method_not_found', 'choose one of your own saved payment methods', [
        { field: '/payment_method_id', code: 'payment_method_not_found', message: 'not one of your saved methods' },
      ]);
    }
    const declined = await tx.one<{ declined_method_id: string | null }>(DECLINED_METHOD, { id: link.case_id });
    if (declined?.declined_method_id === input.payment_method_id) {
      throw invalid('payment_method_declined', 'this method was declined; choose another one', [
        { field: '/payment_method_id', code: 'payment_method_declined', message: 'this method was declined' },
      ]);
    }
    if ((await tx.run(USE_LINK, { id: link.id, at })) === 0) {
      throw conflict('link_used', 'This link has already been used to choose a payment method.');
    }
    await setSubscriptionPaymentMethod(tx, {
      subscriptionId: link.subscription_id,
      paymentMethodId: input.payment_method_id,
      source: 'system',
      at,
      data: { dunning_case: link.case_id },
    });
    await tx.run(CLEAR_DEFAULT, { customer_id: link.customer_id, id: input.payment_method_id, at });
    await tx.run(SET_DEFAULT, { id: input.payment_method_id, at });
    await tx.run(CLEAR_DECLINED_METHOD, { id: link.case_id, at });
    const step = (await tx.one<{ n: number }>(NEXT_STEP_NUMBER, { case_id: link.case_id }))?.n ?? 1;
    await tx.run(INSERT_STEP, {
      case_id: link.case_id,
      step,
      kind: 'method_updated',
      planned_at: at,
      done_at: null,
      outcome: null,
      payment_method_id: input.payment_method_id,
      payment_id: null,
      decline_code: null,
    });
    return {
      object: 'dunning_method_update' as const,
      case_id: link.case_id,
      subscription_id: link.subscription_id,
      payment_method_id: input.payment_method_id,
      retry_planned_at: at,
    };
  });
}
