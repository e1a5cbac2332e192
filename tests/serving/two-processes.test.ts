import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';
import { getBalances } from '../../payments-core/ledger/get-balances.js';
import { type Db, openDb, type Params } from '../../platform/db.js';
import { dropTestDatabase } from '../support/db.js';
import { KEY_ID, KEY_SECRET } from '../support/harness.js';
import {
  billingDatabase,
  childApi,
  exited,
  SIM_AUTH,
  seedParentVia,
  serveChild,
  serverUp,
} from '../support/kosh-child.js';

const SUBSCRIPTIONS = 300;
const ORDERS = 20;
const REFUNDED = 10;
const ADMIN_KEY = 'kosh_test_admin_key_two_processes';

/**
 * Runs `fire` while the test's own transaction holds a row lock (`lockSql`), and lets go once two other sessions
 * are waiting on a lock: the two requests `fire` sends then meet at that row at the same moment.
 */
async function whileRowLocked<T>(db: Db, lockSql: string, params: Params, fire: () => Promise<T>): Promise<T> {
  let answers: Promise<T> | null = null;
  await db.transaction(async (tx) => {
    await tx.one(lockSql, params);
    answers = fire();
    answers.catch(() => {});
    for (let i = 0; i < 200; i++) {
      const waiting = await db.one<{ n: number }>(
        "SELECT count(*)::INTEGER AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
      );
      if ((waiting?.n ?? 0) >= 2) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the two requests never both waited on the row');
  });
  if (answers === null) throw new Error('not fired');
  return answers;
}

/**
 * Two `kosh serve` processes on one PostgreSQL database, each with its own data dir, pool and scheduler, and the
 * same simulator behind both. Everything that must hold once holds across processes: nothing here shares memory.
 */
describe('two kosh processes on one database', () => {
  const dirs = [mkdtempSync(path.join(tmpdir(), 'kosh-two-a-')), mkdtempSync(path.join(tmpdir(), 'kosh-two-b-'))];
  const children: ChildProcess[] = [];
  let sim: RazorpaySimulator | null = null;
  let databaseUrl: string | null = null;
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await sim?.close();
    if (databaseUrl !== null) await dropTestDatabase(databaseUrl);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('when both take payments, refunds and a billing run at once → no double charge, no over-refund, a ledger equal to the gateway', async () => {
    sim = await startRazorpaySimulator({ keyId: KEY_ID, keySecret: KEY_SECRET, seed: 11 });
    const url = await billingDatabase(sim, SUBSCRIPTIONS);
    databaseUrl = url;

    const env = { KOSH_ADMIN_KEY: ADMIN_KEY, KOSH_SCHEDULE_BILLING_RUN: 'off', KOSH_BILLING_CHUNK_SIZE: '50' };
    for (const dir of dirs) children.push(serveChild(dir, url, sim, env));
    const [a, b] = await Promise.all(
      children.map(async (child, i) =>
        childApi({ url: (await serverUp(dirs[i] as string, child)).url, key: ADMIN_KEY }),
      ),
    );
    if (a === undefined || b === undefined) throw new Error('two processes');

    // Orders to pay, and captured payments to refund, made through A before the race.
    const parent = await seedParentVia(a, sim);
    const orders: string[] = [];
    for (let i = 0; i < ORDERS; i++) {
      orders.push(
        String((await a('POST', '/v1/orders', { customer_id: parent.customerId, amount: 50_000 + i })).body['id']),
      );
    }
    const paid: { id: string; amount: number }[] = [];
    for (let i = 0; i < REFUNDED; i++) {
      const order = await a('POST', '/v1/orders', { customer_id: parent.customerId, amount: 80_000 + i });
      const payment = await a('POST', '/v1/payments', {
        order_id: order.body['id'],
        payment_method_id: parent.methodId,
      });
      expect(payment.body['status']).toBe('captured');
      paid.push({ id: String(payment.body['id']), amount: Number(payment.body['amount']) });
    }

    // The race: a billing run on each process, each order charged from both, each payment refunded 60 % from both.
    const [runA, runB, charges, refunds] = await Promise.all([
      a('POST', '/v1/billing/runs'),
      b('POST', '/v1/billing/runs'),
      Promise.all(
        orders.map((orderId) =>
          Promise.all(
            [a, b].map((api) => api('POST', '/v1/payments', { order_id: orderId, payment_method_id: parent.methodId })),
          ),
        ),
      ),
      Promise.all(
        paid.map((p) =>
          Promise.all(
            [a, b].map((api) => api('POST', '/v1/refunds', { payment_id: p.id, amount: Math.round(p.amount * 0.6) })),
          ),
        ),
      ),
    ]);
    expect(runA.status).toBe(200);
    expect(runB.status).toBe(200);
    const everyAnswer = [...charges.flat(), ...refunds.flat()];
    expect(everyAnswer.filter((r) => r.status >= 500).map((r) => r.body)).toEqual([]);
    // Each order: one charge went through, the other was told the order is taken.
    for (const pair of charges) {
      expect(pair.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(pair.find((r) => r.status === 409)?.body['code']).toMatch(/^(payment_in_progress|order_already_paid)$/);
    }
    // Each payment: one refund of 60 %, the other refused for exceeding what is left.
    for (const pair of refunds) {
      expect(pair.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(pair.find((r) => r.status === 409)?.body['code']).toBe('refund_exceeds_captured');
    }

    // Forced overlap: the test holds the row both requests need, releases it only once both are waiting on it,
    // so each pair truly races at the row, whatever the timing on this machine.
    const lockDb = await openDb(url);
    try {
      for (let i = 0; i < 3; i++) {
        const order = await a('POST', '/v1/orders', { customer_id: parent.customerId, amount: 90_000 + i });
        const orderId = String(order.body['id']);
        const pair = await whileRowLocked(
          lockDb,
          'SELECT 1 FROM orders WHERE id = $id FOR UPDATE',
          { id: orderId },
          () =>
            Promise.all(
              [a, b].map((api) =>
                api('POST', '/v1/payments', { order_id: orderId, payment_method_id: parent.methodId }),
              ),
            ),
        );
        expect(pair.map((r) => r.status).sort(), JSON.stringify(pair.map((r) => r.body))).toEqual([201, 409]);
        const captured = pair.find((r) => r.status === 201)?.body;
        paid.push({ id: String(captured?.['id']), amount: Number(captured?.['amount']) });
        const refundPair = await whileRowLocked(
          lockDb,
          'SELECT 1 FROM payments WHERE id = $id FOR UPDATE',
          { id: captured?.['id'] },
          () =>
            Promise.all(
              [a, b].map((api) =>
                api('POST', '/v1/refunds', {
                  payment_id: captured?.['id'],
                  amount: Math.round(Number(captured?.['amount']) * 0.6),
                }),
              ),
            ),
        );
        expect(refundPair.map((r) => r.status).sort(), JSON.stringify(refundPair.map((r) => r.body))).toEqual([
          201, 409,
        ]);
      }
    } finally {
      await lockDb.close();
    }

    // The gateway's books: every billing record, order and refund at most once.
    const atGateway = sim.payments().filter((p) => p.status === 'captured' || p.status === 'refunded');
    const perKoshId = new Map<string, number>();
    for (const p of atGateway) perKoshId.set(p.kosh_id ?? p.id, (perKoshId.get(p.kosh_id ?? p.id) ?? 0) + 1);
    expect([...perKoshId.values()].every((n) => n === 1)).toBe(true);
    const perOrder = new Map<string, number>();
    for (const p of atGateway) perOrder.set(p.order_id, (perOrder.get(p.order_id) ?? 0) + 1);
    expect([...perOrder.values()].every((n) => n === 1)).toBe(true);
    expect(atGateway.filter((p) => p.kosh_id?.startsWith('bill_'))).toHaveLength(SUBSCRIPTIONS);
    let gatewayRefunded = 0;
    for (const p of paid) {
      const gatewayId = atGateway.find((g) => g.kosh_id === p.id)?.id;
      const res = await fetch(`${sim.url}/v1/payments/${gatewayId}/refunds`, { headers: { authorization: SIM_AUTH } });
      const items = ((await res.json()) as { items: { amount: number }[] }).items;
      expect(items.map((r) => r.amount)).toEqual([Math.round(p.amount * 0.6)]);
      gatewayRefunded += items[0]?.amount ?? 0;
    }

    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map(exited));
    const db = await openDb(url);
    try {
      expect(await db.all('SELECT status, count(*)::INTEGER AS n FROM billing_records GROUP BY status')).toEqual([
        { status: 'paid', n: SUBSCRIPTIONS },
      ]);
      expect(await db.one('SELECT count(*)::INTEGER AS n FROM subscriptions WHERE period_index = 1')).toEqual({
        n: SUBSCRIPTIONS,
      });
      const capturedPerOrder = await db.all<{ n: number }>(
        "SELECT count(*)::INTEGER AS n FROM payments WHERE status = 'captured' GROUP BY order_id HAVING count(*) > 1",
      );
      expect(capturedPerOrder).toEqual([]);
      expect((await getBalances({ db })).balanced).toBe(true);
      const gatewayCaptured = atGateway.reduce((sum, p) => sum + p.amount, 0);
      const kosh = await db.one<{ captured: number; refunded: number }>(
        'SELECT sum(captured_minor)::BIGINT AS captured, sum(refunded_minor)::BIGINT AS refunded FROM payments',
      );
      expect(kosh).toEqual({ captured: gatewayCaptured, refunded: gatewayRefunded });
      const owedToSchools = await db.one<{ total: number }>(
        "SELECT (-sum(amount_minor))::BIGINT AS total FROM journal_lines WHERE account = 'school_payable'",
      );
      expect(owedToSchools?.total).toBe(gatewayCaptured - gatewayRefunded);
    } finally {
      await db.close();
    }
  }, 240_000);
});
