import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';

/** Writes the configured supplier of record (validated by loadConfig) into `invoice_supplier`, at start. */
export async function syncInvoiceSupplier(
  deps: { db: Db; clock: Clock },
  supplier: { gstin: string; legalName: string; address: string; email: string | null; stateCode: string },
): Promise<void> {
  await deps.db.run(
    `INSERT INTO invoice_supplier (id, gstin, legal_name, address, state_code, email, updated_at)
     VALUES (1, $gstin, $legal_name, $address, $state_code, $email, $at)
     ON CONFLICT (id) DO UPDATE SET gstin = excluded.gstin, legal_name = excluded.legal_name, address = excluded.address,
       state_code = excluded.state_code, email = excluded.email, updated_at = excluded.updated_at`,
    {
      gstin: supplier.gstin,
      legal_name: supplier.legalName,
      address: supplier.address,
      state_code: supplier.stateCode,
      email: supplier.email,
      at: deps.clock.now(),
    },
  );
}
