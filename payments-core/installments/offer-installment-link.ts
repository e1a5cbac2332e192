import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { INSTALLMENT_FOR_LINK, STORE_INSTALLMENT_LINK } from './repository.js';

interface InstallmentForLink {
  id: string;
  status: string;
  amount: number;
  currency: string;
  seq: number;
  payment_link_id: string | null;
  payment_link_url: string | null;
  name: string;
  email: string;
  phone: string;
}

/**
 * Offers the parent an on-session Razorpay payment link for an installment refused off-session (above ₹15,000 the
 * customer must authenticate each debit), once: keyed by the installment id (Razorpay `reference_id`, unique, so a
 * retry finds the first link) and stored under `payment_link_id IS NULL`. Returns the link's page, or null when the
 * installment no longer waits for the parent.
 */
export async function offerInstallmentLink(
  deps: { db: Db; gateway: PaymentGateway; clock: Clock; log: Log },
  installmentId: string,
): Promise<string | null> {
  const i = await deps.db.one<InstallmentForLink>(INSTALLMENT_FOR_LINK, { id: installmentId });
  if (i === undefined) throw notFound('installment', installmentId);
  if (i.payment_link_url !== null) return i.payment_link_url;
  if (i.status !== 'requires_authentication') return null;
  const link = await deps.gateway.createPaymentLink({
    referenceId: i.id,
    amount: i.amount,
    currency: i.currency,
    description: `Installment ${i.seq}`,
    customer: { name: i.name, email: i.email, contact: i.phone },
    expireBy: null,
  });
  const stored = await deps.db.run(STORE_INSTALLMENT_LINK, {
    id: i.id,
    link_id: link.id,
    url: link.shortUrl,
    status: link.status,
    now: deps.clock.now(),
  });
  if (stored === 1) return link.shortUrl;
  try {
    await deps.gateway.cancelPaymentLink(link.id);
  } catch (err) {
    deps.log.warn({ err, payment_link: link.id }, 'installments: cancelling an unneeded payment link failed');
  }
  return null;
}
