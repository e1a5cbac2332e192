import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { getTestClock } from './find-test-clocks.js';
import { INSERT_CLOCK } from './repository.js';
import type { TestClock } from './types.js';

/** A new clock, ready, frozen at the given time (which may be in the past or the future of the wall clock). */
export async function createTestClock(
  deps: { db: Sql; clock: Clock },
  input: { frozen_time: Date; name?: string | undefined },
): Promise<TestClock> {
  const id = newId('clock');
  await deps.db.run(INSERT_CLOCK, {
    id,
    name: input.name ?? null,
    frozen_time: input.frozen_time,
    at: deps.clock.now(),
  });
  return getTestClock(deps, id);
}
