import type { Sql } from '../../platform/db.js';
import { notFound } from '../../platform/errors.js';
import { CLOCK_BY_ID } from './repository.js';
import type { TestClock } from './types.js';

/** One test clock by id. */
export async function getTestClock(deps: { db: Sql }, id: string): Promise<TestClock> {
  const clock = await deps.db.one<TestClock>(CLOCK_BY_ID, { id });
  if (clock === undefined) throw notFound('test_clock', id);
  return clock;
}
