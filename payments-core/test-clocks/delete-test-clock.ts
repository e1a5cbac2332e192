import type { Sql } from '../../platform/db.js';
import { conflict } from '../../platform/errors.js';
import { getTestClock } from './find-test-clocks.js';
import { DELETE_CLOCK } from './repository.js';
import type { TestClock } from './types.js';

/**
 * Deletes a clock that has no customers and is not advancing. Stripe deletes a clock's objects with it; kosh never
 * deletes money records, so a clock with customers is refused (409) and stays.
 */
export async function deleteTestClock(deps: { db: Sql }, id: string): Promise<TestClock> {
  const clock = await getTestClock(deps, id);
  if (clock.customers > 0) {
    throw conflict(
      'test_clock_has_customers',
      `test clock ${id} has ${clock.customers} customers; it cannot be deleted`,
    );
  }
  if (clock.status === 'advancing') throw conflict('test_clock_advancing', `test clock ${id} is advancing`);
  if ((await deps.db.run(DELETE_CLOCK, { id })) === 0) {
    throw conflict('test_clock_in_use', `test clock ${id} changed meanwhile; it was not deleted`);
  }
  return clock;
}
