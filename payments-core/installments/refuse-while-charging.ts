import type { Sql } from '../../platform/db.js';
import { conflict } from '../../platform/errors.js';
import { CHARGE_IN_FLIGHT_FOR_PLAN } from './repository.js';
import type { Installment } from './types.js';

/** Payoff and cancel wait for any charge of the plan in flight (an installment's, or a retry attempt's): 409. */
export async function refuseWhileCharging(
  tx: Sql,
  planId: string,
  installments: readonly Installment[],
): Promise<void> {
  const busy =
    installments.find((i) => i.status === 'processing')?.id ??
    (await tx.one<{ id: string }>(CHARGE_IN_FLIGHT_FOR_PLAN, { plan_id: planId }))?.id;
  if (busy !== undefined) {
    throw conflict('payment_in_progress', `plan ${planId} has a charge in flight (${busy})`, { in_flight: busy });
  }
}
