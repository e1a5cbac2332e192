import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import type { JobContext, JobSummary } from '../../platform/job.js';
import type { Log } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/objects.js';
import { onTestClock } from '../customers/repository.js';
import { finalizeDrafts } from './finalize-drafts.js';
import { publishQuietly } from './finalize-invoice.js';
import { publishInvoices } from './publish-invoice.js';

/** Stripe finalises a subscription's draft invoice an hour after creating it; so does kosh by default. */
export const DEFAULT_FINALIZE_DELAY_MINUTES = 60;
const BATCH = 5000;
/** PDFs rendered per run at most, so one run stays bounded; the next run carries on. */
const PUBLISH_LIMIT = 20_000;
const PUBLISH_BATCH = 200;

export interface InvoiceJobDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly log: Log;
  readonly objects?: ObjectStore | undefined;
  readonly invoicing?: { readonly finalizeDelayMinutes: number; readonly dueDays: number } | undefined;
}

const DUE_DRAFTS = `
SELECT id FROM invoices WHERE status = 'draft' AND auto_finalize AND created_at <= $cutoff
  AND (kind = 'credit_note' OR total_minor > 0)
  AND (customer_gstin IS NULL OR EXISTS (SELECT 1 FROM customer_billing_addresses a WHERE a.customer_id = invoices.customer_id))
  AND ${onTestClock('invoices.customer_id')}
ORDER BY created_at, id LIMIT $limit`;
const UNPUBLISHED = `
SELECT id FROM invoices WHERE status <> 'draft' AND finalized_at IS NOT NULL AND pdf_key IS NULL
  AND ${onTestClock('invoices.customer_id')}
ORDER BY finalized_at, number LIMIT $limit`;

/**
 * The hourly `finalize-invoices` job: finalises every auto-finalising draft older than the delay, in creation
 * order and batches (one transaction each), then stores the PDF and queues the email of every finalised
 * document that has none yet (this run's and any an earlier crash left behind).
 */
export async function finalizeDueInvoices(deps: InvoiceJobDeps, ctx: JobContext): Promise<JobSummary> {
  const delay = deps.invoicing?.finalizeDelayMinutes ?? DEFAULT_FINALIZE_DELAY_MINUTES;
  const cutoff = new Date(ctx.now.getTime() - delay * 60_000);
  let finalized = 0;
  for (;;) {
    const ids = (
      await deps.db.all<{ id: string }>(DUE_DRAFTS, { cutoff, limit: BATCH, test_clock: ctx.testClock ?? null })
    ).map((r) => r.id);
    if (ids.length === 0) break;
    const done = await deps.db.transaction((tx) =>
      finalizeDrafts(tx, ids, ctx.now, deps.invoicing === undefined ? {} : { dueDays: deps.invoicing.dueDays }),
    );
    finalized += done.length;
    if (ids.length < BATCH || done.length === 0) break;
  }
  const published = await publishPending(deps, PUBLISH_LIMIT, ctx.testClock ?? null);
  return { finalized, ...published };
}

/** Renders, stores and mails finalised documents without a PDF, oldest first. */
export async function publishPending(
  deps: InvoiceJobDeps,
  limit: number,
  testClock: string | null = null,
): Promise<{ published: number; publish_failed: number }> {
  if (deps.objects === undefined) return { published: 0, publish_failed: 0 };
  const ids = (await deps.db.all<{ id: string }>(UNPUBLISHED, { limit, test_clock: testClock })).map((r) => r.id);
  let published = 0;
  let failed = 0;
  for (let start = 0; start < ids.length; start += PUBLISH_BATCH) {
    const batch = ids.slice(start, start + PUBLISH_BATCH);
    try {
      published += await publishInvoices({ db: deps.db, objects: deps.objects, clock: deps.clock }, batch);
    } catch (err) {
      // One bad document must not hold back the rest: retry this batch one by one.
      deps.log.warn({ err }, 'invoice publish batch failed; retrying one by one');
      for (const id of batch) {
        if (await publishQuietly(deps, id)) published++;
        else failed++;
      }
    }
  }
  return { published, publish_failed: failed };
}
