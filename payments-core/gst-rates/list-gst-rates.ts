import type { Sql } from '../../platform/db.js';
import { ALL_GST_RATES } from './repository.js';
import type { GstRate } from './types.js';

/** Every row of the GST rate table: slabs first, then codes, each by effective date. */
export async function listGstRates(deps: { db: Sql }): Promise<GstRate[]> {
  return deps.db.all<GstRate>(ALL_GST_RATES);
}
