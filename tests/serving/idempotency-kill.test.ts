import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';
import { getBalances } from '../../payments-core/ledger/get-balances.js';
import { openDb } from '../../platform/db.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';
import { KEY_ID, KEY_SECRET } from '../support/harness.js';
import { childApi, exited, SIM_AUTH, seedParentVia, serveChild, serverUp } from '../support/kosh-child.js';

const ADMIN_KEY = 'kosh_test_admin_key_for_crash_tests';

/**
 * Each case is one request under an Idempotency-Key, sent to a `kosh serve` that SIGKILLs itself at a named point
 * (platform/kill-points.ts) while handling it. Points named after what has just happened:
 *  - order_created / payment_created: the local row and the key's recovery point committed, gateway not yet called;
 *  - refund_created: the pending refund and its ledger entry committed, gateway not yet asked;
 *  - gateway_order_created / gateway_charged / gateway_refunded: the gateway acted, kosh has not recorded it;
 *  - before_response_stored: everything recorded but the key's stored answer.
 */
const CASES = [
  { kind: 'order', point: 'order_created' },
  { kind: 'order', point: 'gateway_order_created' },
  { kind: 'order', point: 'before_response_stored' },
  { kind: 'payment', point: 'payment_created' },
  { kind: 'payment', point: 'gateway_charged' },
  { kind: 'payment', point: 'before_response_stored' },
  { kind: 'refund', point: 'refund_created' },
  { kind: 'refund', point: 'gateway_refunded' },
  { kind: 'refund', point: 'before_response_stored' },
] as const;

describe('kill -9 between the idempotency phases of orders and payments, from outside', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kosh-idem-kill-'));
  let sim: RazorpaySimulator | null = null;
  let child: ChildProcess | null = null;
  let databaseUrl: string | null = null;
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (child !== null) await exited(child);
    await sim?.close();
    if (databaseUrl !== null) await dropTestDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('when kosh dies at each point → the retry with the same key answers with the same resource, the gateway charged once, the ledger matches it', async () => {
    sim = await startRazorpaySimulator({ keyId: KEY_ID, keySecret: KEY_SECRET, seed: 5 });
    const url = await createTestDatabase();
    databaseUrl = url;
    // Every process serves the same API key: idempotency keys belong to an API key.
    const settings = { KOSH_IDEMPOTENCY_LOCK_SECONDS: '1', KOSH_ADMIN_KEY: ADMIN_KEY };
    const start = async (env: Record<string, string>) => {
      const started = serveChild(dataDir, url, sim as RazorpaySimulator, { ...settings, ...env });
      child = started;
      return childApi({ url: (await serverUp(dataDir, started)).url, key: ADMIN_KEY });
    };

    // A parent with a saved card, and one unpaid order per payment case (no keys: these never hit a kill point).
    let api = await start({});
    const { customerId, methodId } = await seedParentVia(api, sim);
    const requests = [];
    for (const [i, c] of CASES.entries()) {
      if (c.kind === 'order') {
        requests.push({ ...c, url: '/v1/orders', body: { customer_id: customerId, amount: 10_000 + i } });
      } else if (c.kind === 'refund') {
        const order = await api('POST', '/v1/orders', { customer_id: customerId, amount: 30_000 + i });
        const paid = await api('POST', '/v1/payments', {
          order_id: order.body['id'],
          payment_method_id: methodId,
        });
        expect(paid.body['status']).toBe('captured');
        requests.push({ ...c, url: '/v1/refunds', body: { payment_id: paid.body['id'], amount: 1_000 + i } });
      } else {
        const order = await api('POST', '/v1/orders', { customer_id: customerId, amount: 20_000 + i });
        expect(order.status).toBe(201);
        requests.push({
          ...c,
          url: '/v1/payments',
          body: { order_id: order.body['id'], payment_method_id: methodId },
        });
      }
    }
    (child as ChildProcess | null)?.kill('SIGTERM');
    if (child !== null) await exited(child);

    // Each request meets a process that dies at its point: the client gets no answer.
    for (const [i, r] of requests.entries()) {
      api = await start({ KOSH_KILL_AT: r.point });
      const died = await api('POST', r.url, r.body, { 'idempotency-key': `crash-${i}` }).then(
        (res) => `answered ${res.status}`,
        () => 'no answer',
      );
      expect(died, `${r.kind} at ${r.point}`).toBe('no answer');
      if (child !== null) await exited(child);
      expect((child as ChildProcess | null)?.signalCode, `${r.kind} at ${r.point}`).toBe('SIGKILL');
    }

    // After the dead requests' locks lapse (1 s), each retry with its key resumes and answers with its resource.
    await new Promise((r) => setTimeout(r, 1_100));
    api = await start({});
    const answers = [];
    for (const [i, r] of requests.entries()) {
      const retry = await api('POST', r.url, r.body, { 'idempotency-key': `crash-${i}` });
      expect(retry.status, `${r.kind} at ${r.point}: ${JSON.stringify(retry.body)}`).toBe(201);
      const again = await api('POST', r.url, r.body, { 'idempotency-key': `crash-${i}` });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(retry.body);
      answers.push({ ...r, resource: retry.body });
    }

    // Orders: one kosh order and one gateway order per request.
    const db = await openDb(url);
    try {
      for (const a of answers.filter((x) => x.kind === 'order')) {
        const body = a.body as { amount: number };
        const rows = await db.all<{ id: string; gateway_order_id: string | null }>(
          'SELECT id, gateway_order_id FROM orders WHERE amount_minor = $amount',
          { amount: body.amount },
        );
        expect(rows, `order at ${a.point}`).toEqual([
          { id: a.resource['id'], gateway_order_id: a.resource['gateway_order_id'] },
        ]);
        const atGateway = await fetch(`${sim.url}/v1/orders?receipt=${rows[0]?.id}`, {
          headers: { authorization: SIM_AUTH },
        });
        const items = ((await atGateway.json()) as { items: { receipt: string }[] }).items;
        expect(
          items.filter((o) => o.receipt === rows[0]?.id),
          `gateway orders at ${a.point}`,
        ).toHaveLength(1);
      }
      // Payments: captured once at the gateway, captured once in kosh, with the same id the retry answered.
      for (const a of answers.filter((x) => x.kind === 'payment')) {
        expect(a.resource, `payment at ${a.point}`).toMatchObject({
          status: 'captured',
          amount_captured: a.resource['amount'],
        });
        const orderId = (a.body as { order_id: string }).order_id;
        const local = await db.all<{ id: string }>('SELECT id FROM payments WHERE order_id = $o', { o: orderId });
        expect(local, `payment at ${a.point}`).toEqual([{ id: a.resource['id'] }]);
        const atGateway = sim.payments().filter((p) => p.kosh_id === a.resource['id']);
        expect(
          atGateway.map((p) => p.status),
          `gateway payments at ${a.point}`,
        ).toEqual(['captured']);
      }
      // Refunds: one at the gateway and one in kosh per request, for the amount asked.
      let gatewayRefunded = 0;
      for (const a of answers.filter((x) => x.kind === 'refund')) {
        const paymentId = (a.body as { payment_id: string }).payment_id;
        const local = await db.all<{ id: string; gateway_refund_id: string }>(
          'SELECT id, gateway_refund_id FROM refunds WHERE payment_id = $p',
          { p: paymentId },
        );
        expect(local, `refund at ${a.point}`).toEqual([
          { id: a.resource['id'], gateway_refund_id: a.resource['gateway_refund_id'] },
        ]);
        const gatewayPayment = sim.payments().find((p) => p.kosh_id === paymentId);
        const res = await fetch(`${sim.url}/v1/payments/${gatewayPayment?.id}/refunds`, {
          headers: { authorization: SIM_AUTH },
        });
        const refunds = ((await res.json()) as { items: { id: string; amount: number; receipt: string }[] }).items;
        expect(
          refunds.map((r) => [r.id, r.receipt, r.amount]),
          `gateway refunds at ${a.point}`,
        ).toEqual([[a.resource['gateway_refund_id'], a.resource['id'], (a.body as { amount: number }).amount]]);
        gatewayRefunded += refunds[0]?.amount ?? 0;
      }
      // The ledger balances and owes the schools exactly what the gateway captured, less what it refunded.
      expect((await getBalances({ db })).balanced).toBe(true);
      const gatewayCaptured = sim
        .payments()
        .filter((p) => p.status === 'captured' || p.status === 'refunded')
        .reduce((sum, p) => sum + p.amount, 0);
      const owedToSchools = await db.one<{ total: number }>(
        "SELECT (-sum(amount_minor))::BIGINT AS total FROM journal_lines WHERE account = 'school_payable'",
      );
      const asked = answers
        .filter((x) => x.kind === 'refund')
        .reduce((sum, x) => sum + Number(x.resource['amount']), 0);
      expect(gatewayRefunded).toBe(asked);
      expect(owedToSchools?.total).toBe(gatewayCaptured - gatewayRefunded);
    } finally {
      await db.close();
    }
  }, 240_000);
});
