import { type Clock, fixedClock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { CLOCK_TIME_OF_CUSTOMER } from './repository.js';

/** The clock a customer's objects take their timestamps from: their test clock's frozen time, else `clock`. */
export async function clockOfCustomer(deps: { db: Sql; clock: Clock }, customerId: string): Promise<Clock> {
  const row = await deps.db.one<{ frozen_time: Date }>(CLOCK_TIME_OF_CUSTOMER, { customer_id: customerId });
  return row === undefined ? deps.clock : fixedClock(row.frozen_time);
}
