import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, notFound } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { pseudonymiseCustomerInvoices } from '../invoices/pseudonymise-customer-invoices.js';
import { eraseCustomerEmails } from '../mailer/erase-customer-emails.js';
import { eraseCustomerOrders } from '../orders/erase-customer-orders.js';
import { deleteErasedTokens, eraseCustomerMethods } from '../payment-methods/erase-customer-methods.js';
import { eraseCustomerPayments } from '../payments/erase-customer-payments.js';
import {
  CUSTOMER_ERASED_AT,
  CUSTOMER_FOR_UPDATE,
  DELETE_CUSTOMER_ADDRESS,
  ERASE_CUSTOMER,
  ERASURE_BLOCKERS,
} from './repository.js';

export interface CustomerErasure {
  readonly object: 'customer_erasure';
  readonly customer_id: string;
  /** The name the customer now carries, here and on the invoices kept. */
  readonly pseudonym: string;
  readonly erased_at: Date;
  /** What changed in this call, per kind of record (all zero when repeated). */
  readonly erased: Readonly<Record<'payment_methods' | 'orders' | 'payments' | 'invoices' | 'emails', number>>;
  /** What is kept, and why. */
  readonly kept: string[];
  /** The customer's tokens deleted at the gateway in this call, and those it did not answer for (erase again). */
  readonly gateway_tokens?: { readonly deleted: number; readonly pending: number };
}

const KEPT = [
  'invoices and credit notes (amounts, numbers, GSTIN, place of supply), pseudonymised: CGST Act s. 36 and Rule 56(16) require them for 72 months from the due date of the year’s annual return',
  'the ledger and the amounts, statuses and gateway ids of orders, payments and refunds (accounts and reconciliation)',
  'the customer record at Razorpay (its saved cards and mandates are deleted): kosh does not delete gateway customers; ask Razorpay to',
];

/**
 * Erases a customer's personal data (GDPR Art. 17, DPDP Act 2023 s. 12): name, email, phone, notes, billing address,
 * payment method display data, payers' device data, email addresses and bodies. Tax documents and the ledger are kept,
 * pseudonymised as "erased customer <id>". Refused (409) while a subscription is live, a dunning case is open or money
 * is in flight. Idempotent: a second call changes nothing and answers the first erasure's time. Each table is changed
 * by its owner's function, in one transaction under the customer's row lock. Then, with a gateway, the customer's
 * saved cards and mandates are deleted at Razorpay (`gateway_tokens`).
 */
export async function eraseCustomer(
  deps: { db: Db; clock: Clock; gateway?: PaymentGateway | undefined; log?: Log | undefined },
  id: string,
): Promise<CustomerErasure> {
  const erasure = await eraseInDatabase(deps, id);
  if (deps.gateway === undefined) return erasure;
  // After the commit: a refused erasure never deletes a token, and a repeated one retries what the gateway missed.
  return { ...erasure, gateway_tokens: await deleteErasedTokens({ ...deps, gateway: deps.gateway }, id) };
}

async function eraseInDatabase(deps: { db: Db; clock: Clock }, id: string): Promise<CustomerErasure> {
  const pseudonym = `erased customer ${id}`;
  return deps.db.transaction(async (tx) => {
    // FOR UPDATE, not weaker: orders and subscriptions key-share-lock the row to see erased_at, and only this lock
    // makes them wait for the erasure to commit.
    if ((await tx.one(CUSTOMER_FOR_UPDATE, { id })) === undefined) throw notFound('customer', id);
    const blockers = (await tx.all<{ reason: string; n: number }>(ERASURE_BLOCKERS, { id })).filter((b) => b.n > 0);
    if (blockers.length > 0) {
      throw conflict(
        'customer_erasure_blocked',
        `customer ${id} cannot be erased yet: ${blockers.map((b) => `${b.n} ${b.reason}`).join(', ')}`,
        { blockers: blockers.map((b) => b.reason) },
      );
    }
    const at = deps.clock.now();
    await tx.run(ERASE_CUSTOMER, { id, name: pseudonym, email: `erased+${id}@invalid`, at });
    await tx.run(DELETE_CUSTOMER_ADDRESS, { id });
    const erased = {
      payment_methods: await eraseCustomerMethods(tx, id, at),
      orders: await eraseCustomerOrders(tx, id, at),
      payments: await eraseCustomerPayments(tx, id, at),
      invoices: await pseudonymiseCustomerInvoices(tx, id, pseudonym),
      emails: await eraseCustomerEmails(tx, id, at),
    };
    const row = await tx.one<{ erased_at: Date }>(CUSTOMER_ERASED_AT, { id });
    return {
      object: 'customer_erasure' as const,
      customer_id: id,
      pseudonym,
      erased_at: row?.erased_at ?? at,
      erased,
      kept: [...KEPT],
    };
  });
}
