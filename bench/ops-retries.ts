import { performance } from 'node:perf_hooks';
import { chargeDueInstallments } from '../payments-core/installments/charge-due-installments.js';
import { drainRetries } from '../payments-core/retries/drain-retries.js';
import { fixedClock } from '../platform/clock.js';
import { createLog } from '../platform/log.js';
import { seededRandom } from '../platform/random.js';
import { gatewayCustomerOf, SUCCESS_CARD, saveCard, seedParent, startHarness } from '../tests/support/harness.js';

export interface RetriesBenchResult {
  readonly items: number;
  /** The same gateway work a successful retry does (create, fetch, capture through the SDK adapter), bare. */
  readonly gatewaySeconds: number;
  /** kosh draining the queue: due items, India's rules, the charge, payment + ledger + retry + installment state. */
  readonly drainSeconds: number;
  readonly succeeded: number;
}

const INSUFFICIENT_FUNDS = '4000000000009995';
const DAY_MS = 86_400_000;

/**
 * `items` installments fail on insufficient funds and land on the retry queue; the parent then saves a
 * working card, time moves past every scheduled attempt, and `drainRetries` runs in batches of 50 until the
 * queue is empty. The baseline, in the same run and against the same simulator, charges as many fresh gateway
 * orders straight through the adapter, with no kosh bookkeeping.
 */
export async function benchOpsRetries(options: { items: number; databaseUrl: string }): Promise<RetriesBenchResult> {
  const clock = fixedClock(new Date('2026-11-02T04:30:00Z')); // 10:00 IST on a Monday, early in the month
  const h = await startHarness({ databaseUrl: options.databaseUrl, clock });
  const deps = { db: h.db, clock, gateway: h.gateway, log: createLog({ level: 'silent' }), random: seededRandom(3) };
  try {
    const parent = await seedParent(h, INSUFFICIENT_FUNDS);
    for (let i = 0; i < options.items; i++) {
      const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 40_000 });
      const plan = await h.api('POST', `/v1/orders/${order.body.id}/installments`, {
        count: 2,
        first_due_at: clock.now().toISOString(),
      });
      if (plan.status !== 201) throw new Error(`installment plan: ${JSON.stringify(plan.body)}`);
    }
    for (;;) {
      const summary = await chargeDueInstallments(deps, { now: clock.now() });
      if (Object.values(summary).every((v) => v === 0 || typeof v !== 'number')) break;
    }
    const queued = (await h.db.one<{ n: number }>("SELECT count(*) AS n FROM retry_items WHERE state = 'scheduled'"))
      ?.n;
    if (queued !== options.items) throw new Error(`expected ${options.items} queued retries, found ${queued}`);

    const card = await saveCard(h, parent.customerId, SUCCESS_CARD, { isDefault: true });
    clock.advance(4 * DAY_MS);

    // Baseline: the bare gateway calls of a successful retry, on orders made beforehand (not timed).
    const gatewayOrders: string[] = [];
    for (let i = 0; i < options.items; i++) {
      const o = await h.gateway.createOrder({ amount: 20_000, currency: 'INR', receipt: `bench_${i}` });
      gatewayOrders.push(o.id);
    }
    let started = performance.now();
    for (const [i, orderId] of gatewayOrders.entries()) {
      await h.gateway.createPayment({
        orderId,
        amount: 20_000,
        currency: 'INR',
        idempotencyKey: `bench_pay_${i}`,
        email: 'bench@example.in',
        contact: '+919876543210',
        instrument: { kind: 'token', token: card.token, customerId: await gatewayCustomerOf(h, parent.customerId) },
        capture: 'auto',
      });
    }
    const gatewaySeconds = (performance.now() - started) / 1000;

    let succeeded = 0;
    started = performance.now();
    for (;;) {
      const summary = await drainRetries(deps, { now: clock.now(), limit: 50 });
      succeeded += Number(summary['succeeded'] ?? 0);
      if (summary['scanned'] === 0) break;
    }
    const drainSeconds = (performance.now() - started) / 1000;
    if (succeeded !== options.items) throw new Error(`drained ${succeeded} of ${options.items}`);
    return { items: options.items, gatewaySeconds, drainSeconds, succeeded };
  } finally {
    await h.close();
  }
}
