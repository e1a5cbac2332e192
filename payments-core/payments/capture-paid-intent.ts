import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { KillPoints } from '../../platform/kill-points.js';
import type { Log } from '../../platform/log.js';
import type { PaymentGateway } from '../gateway/port.js';
import { capturePayment } from './capture-payment.js';
import { INTENT_TO_CAPTURE_AFTER_EVENT } from './repository.js';

/**
 * After a stored webhook event is applied: when it was the `payment.authorized` of an auto-capture UPI intent (the
 * parent paid in their app), kosh captures it now, as `createPayment` captures a card it charged (the capture is
 * kosh's, not the account setting's), and the capture reaches the ledger once through `applyGatewayPayment`. A
 * capture that fails is left to the resolver, which captures auto-capture payments still authorised past its grace.
 * Several processes may try the same payment: the gateway's "already captured" answer is a success
 * (razorpay-gateway.ts), and the payment row lock applies the capture once.
 */
export async function capturePaidIntent(
  deps: { db: Db; clock: Clock; gateway: PaymentGateway; log: Log; kill?: KillPoints | undefined },
  eventRowId: string,
): Promise<void> {
  const due = await deps.db.one<{ id: string }>(INTENT_TO_CAPTURE_AFTER_EVENT, { event_id: eventRowId });
  if (due === undefined) return;
  try {
    await capturePayment(deps, { payment_id: due.id });
  } catch (err) {
    deps.log.warn(
      {
        payment_id: due.id,
        err: err instanceof AppError ? err.code : err instanceof Error ? err.message : String(err),
      },
      'paid UPI intent not captured; the resolver will',
    );
  }
}
