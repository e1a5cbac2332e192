import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeVector, Table, tableFromIPC, tableToIPC, Utf8, type Vector, vectorFromArray } from 'apache-arrow';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../data/seed.js';
import { FRAUD_FEATURES } from '../../features/fraud/feature-set.js';
import { offlineFraudFeatures } from '../../features/fraud/offline-features.js';
import { loadOnlineFraudFeatures } from '../../features/fraud/online-features.js';
import { createDecisionLog, type DecisionRow } from '../../models/fraud/decision-log.js';
import { REVIEW_MIN_SCORE } from '../../models/fraud/model.js';
import { createFraudScorer } from '../../models/fraud/scorer.js';
import { startCanary, stopCanary } from '../../models/registry/canary.js';
import { trainFraud } from '../../pipelines/train-fraud.js';
import { systemClock } from '../../platform/clock.js';
import { openDb } from '../../platform/db.js';
import { createLog } from '../../platform/log.js';
import { createMetrics, type Metrics } from '../../platform/metrics.js';
import { migrate } from '../../platform/migrate.js';
import { buildApp } from '../../serving/app.js';
import { createTestDatabase, dropTestDatabase } from '../support/db.js';
import { type Harness, seedParent, startHarness } from '../support/harness.js';
import { PAYER_BODY } from '../support/payer.js';

const ARROW = 'application/vnd.apache.arrow.stream';

let dir: string;
let h: Harness;
let version: string;
let databaseUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'kosh-fraud-'));
  databaseUrl = await createTestDatabase();
  const db = await openDb(databaseUrl);
  await migrate(db, systemClock);
  await seedDemoData({ db, clock: systemClock }, { seed: 7, payments: 6000, months: 3 });
  await db.close();
  h = await startHarness({ databaseUrl, fraudScoring: true });
}, 120_000);

afterAll(async () => {
  await h?.close();
  if (databaseUrl !== undefined) await dropTestDatabase(databaseUrl);
  rmSync(dir, { recursive: true, force: true });
});

const attempt = (customerId: string, over: Record<string, unknown> = {}) => ({
  customer_id: customerId,
  amount: 25_000,
  payment_method_id: 'pm_unknown0001',
  device_id: 'dev_test_1',
  ip: '203.0.113.9',
  ...over,
});

async function demoCustomer(): Promise<string> {
  const row = await h.db.one<{ customer_id: string }>(
    'SELECT customer_id FROM payments ORDER BY created_at DESC LIMIT 1',
  );
  return row?.customer_id ?? '';
}

async function newOrder(customerId: string, amount: number): Promise<string> {
  const order = await h.api('POST', '/v1/orders', { customer_id: customerId, amount });
  expect(order.status).toBe(201);
  return order.body.id;
}

describe('fraud scoring over HTTP', () => {
  it('when no model is registered → a rules-only decision with model null', async () => {
    const res = await h.api('POST', '/v1/fraud/score', attempt(await demoCustomer()));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      object: 'fraud_decision',
      decision: 'allow',
      score: null,
      model: null,
      rules_only_reason: 'no_model',
      budget_exceeded: false,
    });
    expect(Object.keys(res.body.features)).toEqual([...FRAUD_FEATURES]);
  });

  it('when a model is trained and promoted → decisions carry its score, reasons, version and feature values', async () => {
    const trained = await trainFraud(
      { db: h.db, objects: h.objects, clock: systemClock, log: createLog({ level: 'silent' }) },
      { inWorker: false },
    );
    expect(trained.became_champion).toBe(true);
    version = trained.model.id;
    await h.fraudModels.reload();
    const customer = await demoCustomer();
    const res = await h.api('POST', '/v1/fraud/score', attempt(customer, { school_id: undefined }));
    expect(res.status).toBe(200);
    expect(res.body.model).toEqual({ version, role: 'champion' });
    expect(res.body.score).toBeGreaterThanOrEqual(0);
    expect(res.body.score).toBeLessThanOrEqual(1);
    expect(res.body.reasons.length).toBeGreaterThan(0);
    expect(res.body.reasons.length).toBeLessThanOrEqual(3);
    expect(res.body.features.amount).toBe(25_000);
    expect(res.body.thresholds.block).toBeGreaterThanOrEqual(res.body.thresholds.review);
    expect(['allow', 'review', 'block']).toContain(res.body.decision);
    expect(res.body.id).toMatch(/^fdc_/);

    await h.fraudScorer?.decisions.flush();
    const logged = await h.db.one<Record<string, unknown>>('SELECT * FROM fraud_decisions WHERE id = $id', {
      id: res.body.id,
    });
    expect(logged).toMatchObject({
      customer_id: customer,
      model_version: version,
      model_role: 'champion',
      source: 'api',
    });
    const vector = JSON.parse(String(logged?.['features'])) as number[];
    expect(vector).toHaveLength(FRAUD_FEATURES.length);
    expect(vector[FRAUD_FEATURES.indexOf('amount')]).toBe(25_000);
    expect(logged?.['feature_set_version']).toBe('fraud-v1');

    // A new parent's first ordinary payment (no history, a new address) is let through, not held for a person.
    const parent = await seedParent(h);
    const first = await h.api('POST', '/v1/fraud/score', attempt(parent.customerId, { ip: '117.217.74.98' }));
    expect(first.body.score).toBeLessThan(REVIEW_MIN_SCORE);
    expect(first.body.decision).toBe('allow');
  });

  it('when a canary serves a customer → it scores, the champion shadow-scores after the answer, both are logged', async () => {
    const log = createLog({ level: 'silent' });
    const candidate = await trainFraud(
      { db: h.db, objects: h.objects, clock: systemClock, log },
      { inWorker: false, seed: 7 },
    );
    await startCanary(
      { db: h.db, objects: h.objects, clock: systemClock, log },
      { task: 'fraud', version: candidate.model.id, share: 1 },
    );
    await h.fraudModels.reload();
    const res = await h.api('POST', '/v1/fraud/score', attempt(await demoCustomer()));
    expect(res.body.model).toEqual({ version: candidate.model.id, role: 'canary' });
    await new Promise((resolve) => setImmediate(resolve));
    await h.fraudScorer?.decisions.flush();
    const row = await h.db.one<{ model_role: string; shadow_version: string; shadow_score: number }>(
      'SELECT model_role, shadow_version, shadow_score FROM fraud_decisions WHERE id = $id',
      { id: res.body.id },
    );
    expect(row).toMatchObject({ model_role: 'canary', shadow_version: version });
    expect(row?.shadow_score).toBeGreaterThanOrEqual(0);
    expect(h.fraudModels.status().canary?.calls).toBeGreaterThan(0);
    await stopCanary({ db: h.db, clock: systemClock, log }, { task: 'fraud' });
    await h.fraudModels.reload();
  });

  it('when the key only has checkout:score → it scores but cannot manage rules', async () => {
    const key = await h.keyWith(['checkout:score']);
    const headers = { authorization: `Bearer ${key}` };
    expect((await h.api('POST', '/v1/fraud/score', attempt(await demoCustomer()), headers)).status).toBe(200);
    expect((await h.api('GET', '/v1/fraud/rules', undefined, headers)).status).toBe(403);
    const payments = await h.keyWith(['payments:read']);
    expect(
      (await h.api('POST', '/v1/fraud/score', attempt(await demoCustomer()), { authorization: `Bearer ${payments}` }))
        .status,
    ).toBe(403);
  });

  it('when rules are created, changed and deleted → the list follows and bad text is refused naming field and position', async () => {
    const bad = await h.api('POST', '/v1/fraud/rules', { text: 'review if score > 0.6 and amout > 500000' });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'invalid_rule', position: 26 });
    expect(bad.body.errors).toEqual([
      { field: '/text', code: 'rule_syntax', message: 'at position 26: unknown name "amout"' },
    ]);
    const badShape = await h.api('POST', '/v1/fraud/rules', { kind: 'block_list', field: 'phone', value: 'x' });
    expect(badShape.status).toBe(400);
    expect(badShape.body.errors[0].field).toContain('/field');

    const created = await h.api('POST', '/v1/fraud/rules', {
      text: 'review if score > 0.6 and amount > 500000',
      description: 'big and risky',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'expression',
      action: 'review',
      enabled: true,
      description: 'big and risky',
    });
    const patched = await h.api('PATCH', `/v1/fraud/rules/${created.body.id}`, {
      text: 'block if score > 0.9 and amount > 500000',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.action).toBe('block');
    const badPatch = await h.api('PATCH', `/v1/fraud/rules/${created.body.id}`, { text: 'block if (score > 0.9' });
    expect(badPatch.status).toBe(422);
    expect(badPatch.body.errors[0]).toMatchObject({ field: '/text', code: 'rule_syntax' });
    // Optimistic concurrency: an edit made with an ETag read before another edit is 412, nothing changes.
    const read = await h.api('GET', `/v1/fraud/rules/${created.body.id}`);
    expect(read.headers['etag']).toBe(patched.headers['etag']);
    const stale = await h.api(
      'PATCH',
      `/v1/fraud/rules/${created.body.id}`,
      { description: 'stale' },
      { 'if-match': String(created.headers['etag']) },
    );
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'precondition_failed', errors: [{ field: '/headers/if-match' }] });
    const fresh = await h.api(
      'PATCH',
      `/v1/fraud/rules/${created.body.id}`,
      { description: 'checked' },
      { 'if-match': String(read.headers['etag']) },
    );
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ action: 'block', description: 'checked' });
    expect(fresh.headers['etag']).not.toBe(read.headers['etag']);
    const list = await h.api('GET', '/v1/fraud/rules');
    expect(list.body.data.map((r: { id: string }) => r.id)).toContain(created.body.id);
    expect((await h.api('DELETE', `/v1/fraud/rules/${created.body.id}`)).status).toBe(204);
    expect((await h.api('GET', `/v1/fraud/rules/${created.body.id}`)).status).toBe(404);
    expect((await h.api('DELETE', `/v1/fraud/rules/${created.body.id}`)).status).toBe(404);
  });

  it('when the device is on the block list → the payment is refused with 422 and nothing is charged', async () => {
    const { customerId, methodId } = await seedParent(h);
    const rule = await h.api('POST', '/v1/fraud/rules', {
      kind: 'block_list',
      field: 'device_id',
      value: 'dev_stolen',
    });
    expect(rule.status).toBe(201);
    const scored = await h.api('POST', '/v1/fraud/score', attempt(customerId, { device_id: 'dev_stolen' }));
    expect(scored.body.decision).toBe('block');
    expect(scored.body.rule_hits).toEqual([expect.objectContaining({ rule_id: rule.body.id, action: 'block' })]);

    const orderId = await newOrder(customerId, 30_000);
    const res = await h.api('POST', '/v1/payments', {
      order_id: orderId,
      payment_method_id: methodId,
      device_id: 'dev_stolen',
    });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'payment_blocked_by_risk', decision_id: expect.stringMatching(/^fdc_/) });
    expect(res.body.rule_hits[0].rule_id).toBe(rule.body.id);
    const payment = await h.api('GET', `/v1/payments/${res.body.payment_id}`);
    expect(payment.body).toMatchObject({
      status: 'failed',
      error_code: 'payment_blocked_by_risk',
      gateway_payment_id: null,
    });
    await h.fraudScorer?.decisions.flush();
    const logged = await h.db.one<{ decision: string; source: string }>(
      'SELECT decision, source FROM fraud_decisions WHERE id = $id',
      {
        id: res.body.decision_id,
      },
    );
    expect(logged).toEqual({ decision: 'block', source: 'payment' });
    await h.api('DELETE', `/v1/fraud/rules/${rule.body.id}`);
  });

  it('when a review rule holds a payment → it waits on_hold uncharged; approval charges it, decline fails it', async () => {
    const { customerId, methodId } = await seedParent(h);
    const rule = await h.api('POST', '/v1/fraud/rules', { text: 'review if amount > 400000' });
    const held = await h.api('POST', '/v1/payments', {
      order_id: await newOrder(customerId, 450_000),
      payment_method_id: methodId,
    });
    expect(held.status).toBe(201);
    expect(held.body).toMatchObject({ status: 'on_hold', gateway_payment_id: null, amount_captured: 0 });
    // A held payment is money in flight: the customer cannot be erased yet (docs/security.md).
    const erase = await h.api('POST', `/v1/customers/${customerId}/erase`);
    expect(erase.body).toMatchObject({ status: 409, blockers: ['payment_in_flight'] });
    const second = await h.api('POST', '/v1/payments', {
      order_id: await newOrder(customerId, 500_000),
      upi: { flow: 'intent' },
      ...PAYER_BODY,
    });
    expect(second.body).toMatchObject({ status: 'on_hold', upi_link: null });
    const third = await h.api('POST', '/v1/payments', {
      order_id: await newOrder(customerId, 550_000),
      upi: { flow: 'intent' },
      ...PAYER_BODY,
    });

    const pending = await h.api('GET', '/v1/fraud/reviews?state=pending&limit=100');
    expect(pending.status).toBe(200);
    const review = pending.body.data.find((r: { payment_id: string }) => r.payment_id === held.body.id);
    const review2 = pending.body.data.find((r: { payment_id: string }) => r.payment_id === second.body.id);
    expect(review).toMatchObject({ state: 'pending', amount: 450_000, customer_id: customerId });

    const reviewer = await h.keyWith(['payments:write']);
    const approved = await h.api(
      'POST',
      `/v1/fraud/reviews/${review.id}/approve`,
      { reviewer: 'asha@risk' },
      { authorization: `Bearer ${reviewer}` },
    );
    expect(approved.status).toBe(200);
    expect(approved.body.review).toMatchObject({ state: 'approved', reviewer: 'asha@risk' });
    expect(approved.body.payment).toMatchObject({ id: held.body.id, status: 'captured', amount_captured: 450_000 });
    expect((await h.api('POST', `/v1/fraud/reviews/${review.id}/approve`)).status).toBe(409);

    // A held UPI payment approved: its intent is made now, and the link is on the payment the checkout polls.
    const review3 = pending.body.data.find((r: { payment_id: string }) => r.payment_id === third.body.id);
    const released = await h.api('POST', `/v1/fraud/reviews/${review3.id}/approve`, { reviewer: 'asha@risk' });
    expect(released.body.payment).toMatchObject({ id: third.body.id, status: 'created', method: 'upi' });
    expect(released.body.payment.upi_link).toMatch(/^upi:\/\/pay\?/);
    expect((await h.api('GET', `/v1/payments/${third.body.id}`)).body.upi_link).toBe(released.body.payment.upi_link);

    const declined = await h.api('POST', `/v1/fraud/reviews/${review2.id}/decline`);
    expect(declined.status).toBe(200);
    expect(declined.body.payment).toMatchObject({
      status: 'failed',
      error_code: 'fraud_review_declined',
      gateway_payment_id: null,
    });
    const label = await h.db.one<{ outcome: string }>('SELECT outcome FROM fraud_reviews WHERE id = $id', {
      id: review2.id,
    });
    expect(label?.outcome).toBe('declined');
    await h.api('DELETE', `/v1/fraud/rules/${rule.body.id}`);
  });

  it('when nothing fires and the score is low → the payment is charged and recorded in the online features', async () => {
    const { customerId, methodId } = await seedParent(h);
    const before = await h.api(
      'POST',
      '/v1/fraud/score',
      attempt(customerId, { payment_method_id: methodId, device_id: 'dev_home' }),
    );
    const res = await h.api('POST', '/v1/payments', {
      order_id: await newOrder(customerId, 20_000),
      payment_method_id: methodId,
      device_id: 'dev_home',
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('captured');
    const after = await h.api(
      'POST',
      '/v1/fraud/score',
      attempt(customerId, { payment_method_id: methodId, device_id: 'dev_home' }),
    );
    expect(after.body.features.customer_count_1h).toBe(before.body.features.customer_count_1h + 1);
  });

  it('when the budget is exceeded → the decision is rules-only and flagged', async () => {
    const scorer = await createFraudScorer(
      {
        db: h.db,
        clock: systemClock,
        log: createLog({ level: 'silent' }),
        features: await loadOnlineFraudFeatures({ db: h.db }),
        models: h.fraudModels,
      },
      { budgetMs: 0 },
    );
    try {
      await scorer.rules.reload();
      const d = await scorer.score({ customer_id: await demoCustomer(), amount: 10_000, device_id: 'd' });
      expect(d).toMatchObject({
        budget_exceeded: true,
        rules_only_reason: 'budget_exceeded',
        score: null,
        model: null,
      });
      await scorer.decisions.flush();
      const row = await h.db.one<{ budget_exceeded: boolean }>(
        'SELECT budget_exceeded FROM fraud_decisions WHERE id = $id',
        { id: d.id },
      );
      expect(row?.budget_exceeded).toBe(true);
    } finally {
      await scorer.close();
    }
  });

  it('when a batch of feature columns goes in as Arrow → Arrow comes back with the model scores', async () => {
    const set = await offlineFraudFeatures({ db: h.db });
    const rows = set.rows.slice(0, 500);
    const ids = set.ids.slice(0, 500);
    const columns: Record<string, Vector> = { id: vectorFromArray(ids, new Utf8()) };
    FRAUD_FEATURES.forEach((name, f) => {
      columns[name] = makeVector(Float64Array.from(rows, (r) => r[f] ?? 0));
    });
    const body = Buffer.from(tableToIPC(new Table(columns), 'stream'));
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/fraud/score:batch',
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': ARROW },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain(ARROW);
    expect(res.headers['kosh-model-version']).toBe(version);
    const out = tableFromIPC(res.rawPayload);
    expect(out.numRows).toBe(500);
    const model = h.fraudScorer?.batchModel();
    const expected = model?.model.scoreMany(rows);
    const scores = out.getChild('score')?.toArray() as Float64Array;
    for (let i = 0; i < 500; i++) expect(scores[i]).toBeCloseTo(expected?.[i] ?? -1, 12);
    expect(out.getChild('id')?.get(3)).toBe(ids[3]);
    expect(['allow', 'review', 'block']).toContain(out.getChild('decision')?.get(0));

    // Idempotency on a binary body: the same batch replays byte for byte; another batch under the key is refused.
    const send = (payload: Buffer) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/fraud/score:batch',
        headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': ARROW, 'idempotency-key': 'batch-1' },
        payload,
      });
    const first = await send(body);
    const again = await send(body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toContain(ARROW);
    expect(Buffer.compare(again.rawPayload, first.rawPayload)).toBe(0);
    const smaller: Record<string, Vector> = { id: vectorFromArray(ids.slice(0, 3), new Utf8()) };
    FRAUD_FEATURES.forEach((name, f) => {
      smaller[name] = makeVector(Float64Array.from(rows.slice(0, 3), (r) => r[f] ?? 0));
    });
    const other = await send(Buffer.from(tableToIPC(new Table(smaller), 'stream')));
    expect(other.statusCode).toBe(422);
    expect(JSON.parse(other.body).code).toBe('idempotency_key_reused');

    // Only ids: the point-in-time features are computed offline, giving the same scores.
    const byId = await h.api('POST', '/v1/fraud/score:batch', { id: [ids[0], 'pay_doesnotexist', ids[1]] });
    expect(byId.status).toBe(200);
    expect(byId.body.rows).toBe(3);
    expect(byId.body.score[0]).toBeCloseTo(expected?.[0] ?? -1, 12);
    expect(byId.body.score[1]).toBeNull();
    expect(byId.body.decision[1]).toBeNull();
    expect(byId.body.score[2]).toBeCloseTo(expected?.[1] ?? -1, 12);

    const missing = await h.api('POST', '/v1/fraud/score:batch', { features: { amount: [1, 2] } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toMatch(/^\/features\//);
  });
});

describe('the lean score path', () => {
  const score = (key: string, body: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'POST',
      url: '/v1/fraud/score',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
    });
  const scorerFor = async (options: Parameters<typeof createFraudScorer>[1], metrics?: Metrics) =>
    createFraudScorer(
      {
        db: h.db,
        clock: systemClock,
        log: createLog({ level: 'silent' }),
        features: await loadOnlineFraudFeatures({ db: h.db }),
        models: h.fraudModels,
        metrics,
      },
      options,
    );

  it('when a score carries an Idempotency-Key → it is ignored: no idempotency row, each call decided afresh', async () => {
    const key = await h.keyWith(['checkout:score']);
    const body = attempt(await demoCustomer());
    const first = await score(key, body, { 'idempotency-key': 'score-lean-1' });
    const second = await score(key, body, { 'idempotency-key': 'score-lean-1' });
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.json().id).not.toBe(first.json().id);
    const rows = await h.db.one<{ n: number }>(
      'SELECT count(*)::int AS n FROM idempotency_keys WHERE idempotency_key = $key',
      {
        key: 'score-lean-1',
      },
    );
    expect(rows?.n).toBe(0);
  });

  it('when a score body carries a card number or CVV, or no key → refused as problem+json, nothing logged', async () => {
    const key = await h.keyWith(['checkout:score']);
    const customerId = await demoCustomer();
    await h.fraudScorer?.decisions.flush();
    const before = await h.db.one<{ n: number }>('SELECT count(*)::int AS n FROM fraud_decisions');
    const pan = await score(key, attempt(customerId, { device_id: '4111 1111 1111 1111' }));
    expect(pan.statusCode).toBe(422);
    expect(pan.headers['content-type']).toContain('application/problem+json');
    expect(pan.json()).toMatchObject({ code: 'card_data_not_accepted', errors: [{ field: '/device_id' }] });
    const cvv = await score(key, { ...attempt(customerId), cvv: '123' });
    expect(cvv.statusCode).toBe(422);
    expect(cvv.json()).toMatchObject({ code: 'card_data_not_accepted', errors: [{ field: '/cvv' }] });
    const anonymous = await h.app.inject({
      method: 'POST',
      url: '/v1/fraud/score',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(attempt(customerId)),
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toContain('application/problem+json');
    expect(anonymous.json()).toMatchObject({ status: 401, code: 'missing_api_key' });
    await h.fraudScorer?.decisions.flush();
    const after = await h.db.one<{ n: number }>('SELECT count(*)::int AS n FROM fraud_decisions');
    expect(after?.n).toBe(before?.n);
  });

  it('when the app closes → every decision it answered is in the decision log, without an explicit flush', async () => {
    // A flush interval far beyond the test: only the app's close can write these rows.
    const scorer = await scorerFor({ flushIntervalMs: 600_000 });
    const app = await buildApp({
      db: h.db,
      clock: systemClock,
      gateway: h.gateway,
      log: createLog({ level: 'silent' }),
      inbox: h.inbox,
      fraudScorer: scorer,
      config: { webhookSecrets: ['x'], webhookAllowCidrs: [], denyCidrs: [], rateLimitPerMinute: 100_000 },
    });
    try {
      const key = await h.keyWith(['checkout:score']);
      const customerId = await demoCustomer();
      for (let i = 0; i < 20; i++) {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/fraud/score',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          payload: JSON.stringify(attempt(customerId, { attempt_id: `close-${i}` })),
        });
        expect(res.statusCode).toBe(200);
      }
      const logged = () =>
        h.db.one<{ n: number }>("SELECT count(*)::int AS n FROM fraud_decisions WHERE attempt_id LIKE 'close-%'");
      expect((await logged())?.n).toBe(0);
      await app.close();
      expect((await logged())?.n).toBe(20);
    } finally {
      await app.close();
      await scorer.close();
    }
  });

  it('when 500 decisions arrive at once → all 500 are logged after a flush, none dropped', async () => {
    const scorer = await scorerFor({ flushRows: 100 });
    try {
      const customerId = await demoCustomer();
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          scorer.score({ id: `burst-${i}`, customer_id: customerId, amount: 10_000, device_id: 'dev_burst' }),
        ),
      );
      await scorer.decisions.flush();
      expect(scorer.decisions.dropped).toBe(0);
      const n = await h.db.one<{ n: number }>(
        "SELECT count(DISTINCT attempt_id)::int AS n FROM fraud_decisions WHERE attempt_id LIKE 'burst-%'",
      );
      expect(n?.n).toBe(500);
    } finally {
      await scorer.close();
    }
  });

  it('when one decision in a batch cannot be stored → only it is dropped and counted; the nine beside it are logged', async () => {
    const metrics = createMetrics();
    const log = createDecisionLog(
      { db: h.db, log: createLog({ level: 'silent' }), metrics },
      { intervalMs: 60_000, maxRows: 1_000 },
    );
    const row = (i: number, amount: number): DecisionRow => ({
      id: `fdbad_${i}`,
      attempt_id: `bad-row-${i}`,
      customer_id: 'cus_bad_row',
      school_id: null,
      amount,
      source: 'api',
      score: null,
      decision: 'allow',
      reasons: [],
      rule_hits: [],
      model_version: null,
      model_role: null,
      shadow_version: null,
      shadow_score: null,
      features: null,
      latency_us: 10,
      budget_exceeded: false,
      created_at: new Date('2026-11-02T05:00:00Z'),
    });
    // An amount PostgreSQL cannot hold (it reaches JSON as null, against NOT NULL) in the middle of the batch.
    for (let i = 0; i < 10; i++) log.push(row(i, i === 4 ? Number.POSITIVE_INFINITY : 10_000));
    await log.close();
    const stored = await h.db.all<{ attempt_id: string }>(
      "SELECT attempt_id FROM fraud_decisions WHERE attempt_id LIKE 'bad-row-%' ORDER BY attempt_id",
    );
    expect(stored.map((r) => r.attempt_id)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9].map((i) => `bad-row-${i}`));
    expect(log.dropped).toBe(1);
    const dropped = await metrics.registry.getSingleMetric('kosh_fraud_decision_log_dropped_total')?.get();
    expect(dropped?.values).toEqual([{ value: 1, labels: { reason: 'write_failed' } }]);
  });

  it('when the database stalls the log → scoring never waits, rows past the queue bound are dropped and counted in metrics', async () => {
    const metrics = createMetrics();
    const scorer = await scorerFor({ flushRows: 100, flushIntervalMs: 10, maxQueuedRows: 300 }, metrics);
    // A real stall: another session holds a lock every INSERT into fraud_decisions waits for.
    const blocker = new pg.Client({ connectionString: databaseUrl });
    await blocker.connect();
    let locked = true;
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE fraud_decisions IN EXCLUSIVE MODE');
      const customerId = await demoCustomer();
      for (let i = 0; i < 400; i++) {
        await scorer.score({ id: `stall-${i}`, customer_id: customerId, amount: 10_000, device_id: 'dev_stall' });
      }
      expect(scorer.decisions.queued).toBe(300);
      expect(scorer.decisions.dropped).toBe(100);
      const dropped = await metrics.registry.getSingleMetric('kosh_fraud_decision_log_dropped_total')?.get();
      expect(dropped?.values).toEqual([{ value: 100, labels: { reason: 'queue_full' } }]);
      await blocker.query('COMMIT');
      locked = false;
      await scorer.decisions.flush();
      const n = await h.db.one<{ n: number }>(
        "SELECT count(*)::int AS n FROM fraud_decisions WHERE attempt_id LIKE 'stall-%'",
      );
      expect(n?.n).toBe(300);
      expect(scorer.decisions.queued).toBe(0);
    } finally {
      if (locked) await blocker.query('ROLLBACK');
      await blocker.end();
      await scorer.close();
    }
  });
});
