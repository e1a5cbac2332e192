import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { INSERT_SCHOOL, SCHOOL_BY_ID } from './repository.js';
import { INDIAN_STATES } from './state-codes.js';
import type { School } from './types.js';

const GSTIN = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;

/** Registers a school (the merchant). Its GSTIN, when given, must belong to its state. */
export async function createSchool(
  deps: { db: Sql; clock: Clock },
  input: { name: string; city: string; state_code: string; gstin?: string | undefined },
): Promise<School> {
  const state = INDIAN_STATES[input.state_code];
  if (state === undefined) {
    throw invalid('invalid_state_code', `unknown Indian state code ${input.state_code}`, [
      { field: '/state_code', code: 'invalid_state_code', message: 'must be an ISO 3166-2:IN code such as KA' },
    ]);
  }
  if (input.gstin !== undefined && (!GSTIN.test(input.gstin) || !input.gstin.startsWith(state.gstCode))) {
    throw invalid('invalid_gstin', 'gstin is not a valid GSTIN for this state', [
      {
        field: '/gstin',
        code: 'invalid_gstin',
        message: `must be a 15-character GSTIN starting with ${state.gstCode}`,
      },
    ]);
  }
  const id = newId('sch');
  await deps.db.run(INSERT_SCHOOL, {
    id,
    name: input.name,
    city: input.city,
    state_code: input.state_code,
    gstin: input.gstin ?? null,
    at: deps.clock.now(),
  });
  const school = await deps.db.one<School>(SCHOOL_BY_ID, { id });
  if (school === undefined) throw new Error('school vanished after insert');
  return school;
}
