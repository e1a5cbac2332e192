import { afterEach, describe, expect, it } from 'vitest';
import { Crash, crashAt, KILL_POINTS } from '../../../payments-core/billing/faults.js';
import { runBilling } from '../../../payments-core/billing/run-billing.js';
import { getBalances } from '../../../payments-core/ledger/get-balances.js';
import { type BillingEnv, billingEnv } from './support.js';

const START = new Date('2026-10-31T19:00:00Z'); // 1 Nov 2026 00:30 IST
const AFTER_END = new Date('2026-11-30T19:00:00Z'); // 1 Dec 00:30 IST: period 0 has ended
const N = 24;
const CLAIM_TTL_MS = 60_000;

let env: BillingEnv;
afterEach(async () => env?.close());

/** Every subscription charged exactly once at the gateway, none skipped, books balanced, one invoice a period. */
async function expectExactlyOnce(e: BillingEnv, ids: readonly string[]) {
  const captured = e.capturedAtGateway();
  for (const id of ids) expect(captured.get(`bill_bil_${id}_0_0`), id).toBe(1);
  expect(captured.size).toBe(ids.length);
  const attempts = e.sim.payments().filter((p) => p.kosh_id !== null);
  expect(attempts).toHaveLength(ids.length); // not even a second authorisation
  const records = await e.db.all<{ status: string; n: number }>(
    'SELECT status, count(*)::INTEGER AS n FROM billing_records GROUP BY status',
  );
  expect(records).toEqual([{ status: 'paid', n: ids.length }]);
  const invoices = await e.db.one<{ n: number; periods: number }>(
    "SELECT count(*)::INTEGER AS n, count(DISTINCT source_ref)::INTEGER AS periods FROM invoices WHERE source = 'subscription_period'",
  );
  expect(invoices).toEqual({ n: ids.length, periods: ids.length });
  const subs = await e.db.one<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM subscriptions WHERE period_index = 1 AND status = 'active'",
  );
  expect(subs?.n).toBe(ids.length);
  const balances = await getBalances({ db: e.db });
  expect(balances.balanced).toBe(true);
  const captures = await e.db.one<{ n: number; lines: number }>(
    "SELECT count(DISTINCT e.id)::INTEGER AS n, count(*)::INTEGER AS lines FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id WHERE e.kind = 'capture'",
  );
  expect(captures?.n).toBe(ids.length);
  const events = await e.db.one<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM subscription_events WHERE type = 'period_changed'",
  );
  expect(events?.n).toBe(ids.length);
}

describe('crash safety of the billing run', () => {
  for (const point of KILL_POINTS) {
    it(`when the run is killed at ${point} → the rerun charges every subscription exactly once`, async () => {
      env = await billingEnv(START);
      const { ids } = await env.seed({ count: N, startAt: START });
      env.clock.set(AFTER_END);
      const faults = crashAt(point, point === 'mid_batch' ? 7 : 1);
      const options = { chunkSize: 10, concurrency: 4, claimTtlMs: CLAIM_TTL_MS };
      await expect(runBilling(env.deps({ faults, billing: options }), { now: env.clock.now() })).rejects.toBeInstanceOf(
        Crash,
      );
      expect(faults.fired).toBe(true);
      // The dead run's claims expire; the next hourly run resumes by key.
      env.clock.advance(CLAIM_TTL_MS + 1);
      const rerun = await runBilling(env.deps({ billing: options }), { now: env.clock.now() });
      expect(rerun.failed + rerun.unknown).toBe(0);
      await expectExactlyOnce(env, ids);
      const third = await runBilling(env.deps({ billing: options }), { now: env.clock.now() });
      expect(third).toMatchObject({ due: 0, charged: 0, records_created: 0 });
    });
  }

  it('when two runs start at once → the same result as one: each subscription charged once', async () => {
    env = await billingEnv(START);
    const { ids } = await env.seed({ count: 60, startAt: START });
    env.clock.set(AFTER_END);
    const options = { billing: { chunkSize: 20, concurrency: 4 } };
    const [a, b] = await Promise.all([
      runBilling(env.deps(options), { now: env.clock.now() }),
      runBilling(env.deps(options), { now: env.clock.now() }),
    ]);
    expect(a.records_created + b.records_created).toBe(60);
    expect(a.paid + b.paid).toBe(60);
    await expectExactlyOnce(env, ids);
  });
});
