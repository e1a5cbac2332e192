import { type Clock, fixedClock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { CLOCK_TIME_OF_CUSTOMER, CLOCK_TIME_OF_PAYMENT, CLOCK_TIME_OF_REFUND } from './repository.js';

/** The clock a customer's objects take their timestamps from: their test clock's frozen time, else `clock`. */
export async function clockOfCustomer(deps: { db: Sql; clock: Clock }, customerId: string): Promise<Clock> {
  const row = await deps.db.one<{ frozen_time: Date }>(CLOCK_TIME_OF_CUSTOMER, { customer_id: customerId });
  return row === undefined ? deps.clock : fixedClock(row.frozen_time);
}

/**
 * The time a gateway event about a payment takes: its customer's test clock's frozen time, else `at`. A webhook about
 * a clock customer's payment is applied at the wall time otherwise, and the ledger entry it posts lands outside the
 * clock's month (whichever of the webhook and the billing run posts a capture first dates it).
 */
export async function timeOfPayment(db: Sql, paymentId: string, at: Date): Promise<Date> {
  const row = await db.one<{ frozen_time: Date }>(CLOCK_TIME_OF_PAYMENT, { payment_id: paymentId });
  return row?.frozen_time ?? at;
}

/** The same for a gateway event about a refund: the time of its payment's customer's test clock, else `at`. */
export async function timeOfRefund(db: Sql, refundId: string, at: Date): Promise<Date> {
  const row = await db.one<{ frozen_time: Date }>(CLOCK_TIME_OF_REFUND, { refund_id: refundId });
  return row?.frozen_time ?? at;
}
