import { newId } from '../../platform/ids.js';
import { inParallel } from '../../platform/in-parallel.js';
import type { JobContext, JobFn } from '../../platform/job.js';
import { rateLimitedGateway } from '../gateway/rate-limited-gateway.js';
import { createOrders } from '../orders/create-orders.js';
import { createPayments } from '../payments/create-payments.js';
import { AUTO_DEBIT_LIMIT_PAISE } from '../retries/india-rules.js';
import { advanceSubscriptionPeriods, type BilledPeriod } from '../subscriptions/advance-periods.js';
import { billPendingCharges } from '../subscriptions/bill-pending-charges.js';
import { lockSubscriptions } from '../subscriptions/lock-subscriptions.js';
import { chargeClaimed } from './charge-claimed.js';
import { createPeriodInvoices } from './create-period-invoices.js';
import type { KillPoint } from './faults.js';
import { invoiceChangesNow } from './invoice-changes-now.js';
import { checkDebits, sendPreDebitNotices } from './pre-debit-notices.js';
import {
  CLAIM,
  DEFER_RECORD,
  DUE_SUBSCRIPTIONS,
  INSERT_ORDERS,
  INSERT_PAYMENTS,
  INSERT_RECORDS,
  READY_TO_ADVANCE,
  RESOLVED_UNKNOWN,
  SKIP_ZERO,
} from './repository.js';
import { settleCancelCredits } from './settle-cancel-credits.js';
import { settleFollowUps } from './settle-follow-ups.js';
import type { BillingDeps, BillingOptions, BillingRunCounts, BillingRunSummary } from './types.js';

export const DEFAULT_BILLING_OPTIONS: BillingOptions = {
  chunkSize: 500,
  concurrency: 16,
  gatewayRatePerSecond: null,
  claimTtlMs: 10 * 60_000,
  maxPasses: 12,
  timeBudgetMs: null,
  chunkConcurrency: 2,
};

const REFUSED_RECORD = `
UPDATE billing_records SET status = 'failed', decline_code = 'authentication_required', updated_at = $now
WHERE id = ANY($ids::text[]) AND status = 'pending'`;

/**
 * The billing run (job `billing-run`, hourly): every kosh-collected subscription whose current period has
 * ended (Asia/Kolkata periods; active, trialing or pending) is billed for that period exactly once and moves
 * to the next one. Per chunk of subscriptions, a handful of set-wise statements: the billing records (UNIQUE
 * (subscription, period): a rerun or an overlapping run inserts nothing), their draft invoices, the claim,
 * the local orders and payments; then the gateway calls, concurrently and keyed by the records; then one
 * transaction storing the answers with the ledger and the follow-ups; then the periods advance. Every step
 * resumes what an earlier run left, so a crash anywhere neither charges twice nor skips anyone.
 */
export async function runBilling(deps: BillingDeps, ctx: JobContext): Promise<BillingRunSummary> {
  const started = performance.now();
  const options = { ...DEFAULT_BILLING_OPTIONS, ...deps.billing };
  const runId = newId('brun');
  const now = ctx.now;
  const testClock = ctx.testClock ?? null;
  const kill = (point: KillPoint) => deps.faults?.at(point);
  const gateway =
    options.gatewayRatePerSecond === null
      ? deps.gateway
      : rateLimitedGateway(deps.gateway, options.gatewayRatePerSecond);
  const chargeDeps = { ...deps, gateway, concurrency: options.concurrency, kill };
  const c: BillingRunCounts = {
    due: 0,
    records_created: 0,
    charged: 0,
    paid: 0,
    failed: 0,
    unknown: 0,
    skipped: 0,
    deferred: 0,
    recovered: 0,
    advanced: 0,
    cancelled: 0,
    notices: 0,
    cancel_credits: 0,
    change_invoices: 0,
    ledger_entries: 0,
    elapsed_ms: 0,
  };
  await deps.db.run("INSERT INTO billing_runs (id, started_at, status) VALUES ($id, $at, 'running')", {
    id: runId,
    at: deps.clock.now(),
  });
  try {
    // What the resolver settled since the last run (unknown → paid | failed) gets its follow-ups.
    await deps.db.transaction(async (tx) => {
      const resolved = await tx.all<{ id: string }>(RESOLVED_UNKNOWN, { now: deps.clock.now(), test_clock: testClock });
      const follow = await settleFollowUps(
        tx,
        resolved.map((r) => r.id),
        deps.clock,
      );
      c.paid += follow.paid;
      c.failed += follow.failed;
      c.notices += await sendPreDebitNotices(tx, now, deps.clock, testClock);
    });
    c.cancel_credits = (await settleCancelCredits(deps, 500, testClock)).credited;
    // always_invoice changes a crash (or a draft period invoice) left unbilled.
    const billedNow = await invoiceChangesNow(deps, null, { limit: 500, testClock });
    c.change_invoices = billedNow.invoiced + billedNow.credited;

    for (let pass = 0; pass < options.maxPasses; pass++) {
      let advancedThisPass = 0;
      // The pass's due list; each chunk's statements check again, under the rows' locks, what the list says.
      const due = (await deps.db.all<{ id: string }>(DUE_SUBSCRIPTIONS, { now, test_clock: testClock })).map(
        (s) => s.id,
      );
      const chunks: string[][] = [];
      for (let from = 0; from < due.length; from += options.chunkSize)
        chunks.push(due.slice(from, from + options.chunkSize));
      // Chunks are disjoint sets of subscriptions, each in its own transactions, so several may be in flight: a
      // chunk's statements run one after another on one connection, and a second chunk keeps a second backend busy.
      await inParallel(chunks, options.chunkConcurrency, async (ids) => {
        if (options.timeBudgetMs !== null && performance.now() - started > options.timeBudgetMs) return;
        if (pass === 0) c.due += ids.length;

        const prepared = await deps.db.transaction(async (tx) => {
          await lockSubscriptions(tx, ids);
          const at = deps.clock.now();
          const inserted = await tx.all<{
            id: string;
            subscription_id: string;
            plan_amount_minor: number;
            setup_fee_minor: number;
          }>(INSERT_RECORDS, {
            ids,
            now,
            run_id: runId,
          });
          const newIds = inserted.map((r) => r.id);
          let skipped = 0;
          if (newIds.length > 0) {
            await billPendingCharges(tx, inserted);
            await createPeriodInvoices(tx, newIds, deps.clock);
            skipped = await tx.run(SKIP_ZERO, { ids: newIds, now: at });
          }
          const verdicts = await checkDebits(tx, ids, now, AUTO_DEBIT_LIMIT_PAISE, deps.clock);
          for (const d of verdicts.deferred) await tx.run(DEFER_RECORD, { id: d.id, not_before: d.notBefore, now: at });
          if (verdicts.refused.length > 0) {
            await tx.run(REFUSED_RECORD, { ids: verdicts.refused, now: at });
            const follow = await settleFollowUps(tx, verdicts.refused, deps.clock);
            c.failed += follow.failed;
          }
          return { created: newIds.length, skipped, deferred: verdicts.deferred.length };
        });
        c.records_created += prepared.created;
        c.skipped += prepared.skipped;
        c.deferred += prepared.deferred;
        kill('after_billing_record_insert');

        const claimed = await deps.db.transaction(async (tx) => {
          const at = deps.clock.now();
          const rows = await tx.all<{ id: string }>(CLAIM, {
            ids,
            run_id: runId,
            now,
            expires: new Date(at.getTime() + options.claimTtlMs),
          });
          const claimedIds = rows.map((r) => r.id);
          if (claimedIds.length > 0) {
            await createOrders(tx, INSERT_ORDERS, { ids: claimedIds, now: at });
            await createPayments(tx, INSERT_PAYMENTS, { ids: claimedIds, now: at });
          }
          return claimedIds;
        });
        const charged = await chargeClaimed(chargeDeps, runId, claimed);
        c.charged += charged.charged;
        c.recovered += charged.recovered;
        c.paid += charged.paid;
        c.failed += charged.failed;
        c.unknown += charged.unknown;
        c.ledger_entries += charged.ledgerEntries;

        kill('before_period_advance');
        const moved = await advancePeriods(deps, ids, now);
        c.advanced += moved.advanced;
        c.cancelled += moved.cancelled;
        advancedThisPass += moved.advanced;
      });
      // A subscription more than one period behind (the service was down) advances once per pass.
      if (advancedThisPass === 0) break;
      if (options.timeBudgetMs !== null && performance.now() - started > options.timeBudgetMs) break;
    }
    c.elapsed_ms = Math.round(performance.now() - started);
    const summary: BillingRunSummary = { ...c, run_id: runId };
    await deps.db.run(
      "UPDATE billing_runs SET status = 'succeeded', finished_at = $at, summary = $summary WHERE id = $id",
      { id: runId, at: deps.clock.now(), summary: JSON.stringify(summary) },
    );
    deps.log.info(summary, 'billing run finished');
    return summary;
  } catch (err) {
    // A Crash from a kill point stands for a dead process: it records nothing on its way out.
    if (!(err instanceof Error && err.name === 'Crash')) {
      await deps.db
        .run("UPDATE billing_runs SET status = 'failed', finished_at = $at, error = $error WHERE id = $id", {
          id: runId,
          at: deps.clock.now(),
          error: err instanceof Error ? err.message : String(err),
        })
        .catch(() => undefined);
    }
    throw err;
  }
}

/**
 * Advances every subscription of the chunk whose current period's record is settled, through the subscriptions
 * module's set-based entry point (next period, trialing → active, or cancelled under cancel_at_period_end).
 */
async function advancePeriods(
  deps: BillingDeps,
  ids: readonly string[],
  now: Date,
): Promise<{ advanced: number; cancelled: number }> {
  return deps.db.transaction(async (tx) => {
    const rows = await tx.all<BilledPeriod>(READY_TO_ADVANCE, { ids: [...ids], now });
    return advanceSubscriptionPeriods(tx, rows, deps.clock);
  });
}

/** The `billing-run` job. */
export const billingRun: JobFn<BillingDeps> = (deps, ctx) => runBilling(deps, ctx);
