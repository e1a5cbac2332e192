import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { getCustomer } from './find-customers.js';
import { EXPORT_QUERIES } from './repository.js';
import type { Customer } from './types.js';

type Records = Record<string, unknown>[];
export type CustomerExport = {
  readonly object: 'customer_export';
  readonly exported_at: Date;
  readonly customer: Customer;
} & Readonly<Record<keyof typeof EXPORT_QUERIES, Records>>;

/** Plain JSON of rows: instants as ISO strings, bigints as numbers when safe (else strings). */
function plain(rows: Record<string, unknown>[]): Records {
  return JSON.parse(
    JSON.stringify(rows, (_k, v: unknown) =>
      typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v,
    ),
  ) as Records;
}

/**
 * Everything kosh holds about a customer (GDPR Art. 15 and 20, DPDP Act 2023 s. 11), as JSON: profile and address,
 * payment methods' display data (never tokens), orders, payments, refunds, subscriptions, invoices and credit notes,
 * and the emails sent.
 */
export async function exportCustomer(deps: { db: Sql; clock: Clock }, id: string): Promise<CustomerExport> {
  const customer = await getCustomer(deps, id); // 404 for an unknown customer
  const parts = {} as Record<keyof typeof EXPORT_QUERIES, Records>;
  for (const [part, sql] of Object.entries(EXPORT_QUERIES) as [keyof typeof EXPORT_QUERIES, string][]) {
    parts[part] = plain(await deps.db.all<Record<string, unknown>>(sql, { id }));
  }
  // A document's snapshot (supplier, customer and school as printed) is JSON text in its row: shown as JSON.
  parts.invoices = parts.invoices.map((d) =>
    typeof d['snapshot'] === 'string' ? { ...d, snapshot: JSON.parse(d['snapshot']) as unknown } : d,
  );
  return { object: 'customer_export', exported_at: deps.clock.now(), customer, ...parts };
}
