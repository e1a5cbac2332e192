import type { Sql } from '../../platform/db.js';
import { ALL_GST_RATES } from './repository.js';
import type { GstRate, GstRateTable } from './types.js';

/** The table as it stands, for the lookups of one use case. */
export async function loadGstRates(sql: Sql): Promise<GstRateTable> {
  return gstRateTable(await sql.all<GstRate>(ALL_GST_RATES));
}

/** Lookups over rows already read (days compare as YYYY-MM-DD strings). */
export function gstRateTable(rows: readonly GstRate[]): GstRateTable {
  const slabs = rows.filter((r) => r.hsn_sac === null);
  const codes = rows
    .filter((r) => r.hsn_sac !== null)
    .sort(
      (a, b) => (b.hsn_sac ?? '').length - (a.hsn_sac ?? '').length || (a.effective_from < b.effective_from ? 1 : -1),
    );
  return {
    slabsOn: (day) =>
      [
        ...new Set(
          slabs
            .filter((r) => r.effective_from <= day && (r.effective_until === null || day < r.effective_until))
            .map((r) => r.rate_bp),
        ),
      ].sort((a, b) => a - b),
    rateFor: (hsnSac, day) => {
      // Longest code first, then the latest row that has started: a later row of the same code takes over.
      const row = codes.find((r) => hsnSac.startsWith(r.hsn_sac ?? '') && r.effective_from <= day);
      return row?.rate_bp ?? null;
    },
  };
}
