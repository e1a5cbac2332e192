import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import {
  createDraftInvoice,
  type DraftInvoiceInput,
  type DraftInvoiceLine,
} from '../../../payments-core/invoices/create-draft-invoice.js';
import { finalizeInvoice } from '../../../payments-core/invoices/finalize-invoice.js';
import { type Clock, fixedClock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db.js';
import { createLog } from '../../../platform/log.js';
import { migrate } from '../../../platform/migrate.js';
import { localObjectStore } from '../../../platform/objects.js';
import { openTestDb } from '../../support/db.js';

export const T0 = new Date('2026-05-10T06:30:00Z'); // 10 May 2026, 12:00 IST: financial year 26-27

/**
 * The real migration files up to `last` (011, the mailer's outbox), plus 023 (billing addresses) and 028 (units on
 * plans and lines): invoices depend on nothing else later, and a later helper's migration in progress must not break
 * these tests.
 */
const ALSO = [23, 28];
function migrationsUpTo(last: number): string {
  const source = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../platform/migrations');
  const dir = mkdtempSync(path.join(tmpdir(), 'kosh-inv-migrations-'));
  for (const f of readdirSync(source))
    if (/^\d{3}_.*\.sql$/.test(f) && (Number(f.slice(0, 3)) <= last || ALSO.includes(Number(f.slice(0, 3)))))
      copyFileSync(path.join(source, f), path.join(dir, f));
  return dir;
}

/**
 * An in-memory database with every migration, a school, and customers in Karnataka (intra) and Maharashtra (inter),
 * each with a billing address in their state.
 */
export async function invoiceDb(
  start = T0,
): Promise<{ db: Db; clock: Clock & { set(d: Date): void; advance(ms: number): void } }> {
  const db = await openTestDb();
  const clock = fixedClock(start);
  const migrations = migrationsUpTo(11);
  await migrate(db, clock, migrations);
  rmSync(migrations, { recursive: true, force: true });
  await db.run(
    `INSERT INTO schools VALUES ('sch_1', 'Green Valley School', 'Bengaluru', 'KA', NULL, $at),
    ('sch_2', 'Sea View School', 'Mumbai', 'MH', NULL, $at)`,
    { at: start },
  );
  await db.run(
    `INSERT INTO customers (id, school_id, name, email, phone, state_code, created_at) VALUES
      ('cus_ka', 'sch_1', 'Asha Rao', 'asha@example.com', '+919800000001', 'KA', $at),
      ('cus_mh', 'sch_2', 'Vikram Patil', 'vikram@example.com', '+919800000002', 'MH', $at)`,
    { at: start },
  );
  await db.run(
    `INSERT INTO customer_billing_addresses (customer_id, line1, line2, city, state_code, postal_code, updated_at) VALUES
      ('cus_ka', '12, 4th Cross, Indiranagar', NULL, 'Bengaluru', '29', '560038', $at),
      ('cus_mh', 'Flat 7, Sea Breeze, Carter Road', 'Bandra West', 'Mumbai', '27', '400050', $at)`,
    { at: start },
  );
  return { db, clock };
}

export const mealLine = (amountMinor: number, over: Partial<DraftInvoiceLine> = {}): DraftInvoiceLine => ({
  description: 'School lunch plan, May 2026',
  quantity: 1,
  unitAmountMinor: amountMinor,
  amountMinor,
  taxCategory: 'gst_exempt_school_meals',
  gstRateBp: null,
  ...over,
});

export const gstLine = (amountMinor: number, rateBp = 500, over: Partial<DraftInvoiceLine> = {}): DraftInvoiceLine => ({
  description: 'Snack add-on (taxable)',
  quantity: 1,
  unitAmountMinor: amountMinor,
  amountMinor,
  taxCategory: 'gst',
  gstRateBp: rateBp,
  ...over,
});

export const draft = (
  ref: string,
  lines: DraftInvoiceLine[],
  over: Partial<DraftInvoiceInput> = {},
): DraftInvoiceInput => ({
  source: 'subscription_period',
  sourceRef: ref,
  customerId: 'cus_ka',
  schoolId: 'sch_1',
  currency: 'INR',
  lines,
  ...over,
});

/**
 * The per-test setup of a file of invoice tests; call it once at the file's top level. Each call of the function it
 * returns opens a fresh `invoiceDb`, a temporary directory with an object store under `objects/`, and a silent log;
 * all are closed and removed after each test. `issue` drafts and finalises an invoice.
 */
export function invoiceTests(prefix: string) {
  let db: Db | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await db?.close();
    db = undefined;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return async (start = T0) => {
    const t = await invoiceDb(start);
    db = t.db;
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    dirs.push(dir);
    const objects = localObjectStore(path.join(dir, 'objects'));
    const log = createLog({ level: 'silent' });
    const deps = { db: t.db, clock: t.clock, objects, log };
    const issue = async (input: DraftInvoiceInput) =>
      finalizeInvoice(deps, (await createDraftInvoice(t.db, input, t.clock)).id);
    return { ...t, dir, objects, log, deps, issue };
  };
}

/** The text `pdftotext -layout` reads from a PDF (written into `dir` first). */
export function pdfText(dir: string, bytes: Uint8Array): string {
  const file = path.join(dir, `doc-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, bytes);
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}
