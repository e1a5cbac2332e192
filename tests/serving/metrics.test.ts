import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRuntime, runJob } from '../../pipelines/run-job.js';
import { resolveSchedules } from '../../pipelines/schedule.js';
import type { Job, RunJobDeps } from '../../pipelines/types.js';
import { systemClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { buildApp } from '../../serving/app.js';
import { type Harness, saveCard, seedParent, startHarness } from '../support/harness.js';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The Prometheus text exposition format: `# HELP`/`# TYPE` lines, then `name{label="value",…} number`. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (name !== undefined && type !== undefined) types.set(name, type);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not exposition format: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k as string] = v as string;
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('GET /metrics after real traffic (real PostgreSQL, HTTP, simulator)', () => {
  let h: Harness;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  let paymentId: string;
  beforeAll(async () => {
    h = await startHarness({ fraudScoring: true });
    parent = await seedParent(h);
    const declining = (await saveCard(h, parent.customerId, '4000000000000002', { isDefault: false })).methodId;
    for (const method of [parent.methodId, parent.methodId, declining]) {
      const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 90_000 });
      const payment = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: method });
      expect(payment.status).toBe(201);
      paymentId = payment.body.id;
    }
    expect((await h.api('GET', `/v1/payments/${paymentId}`)).status).toBe(200);
    expect((await h.api('GET', '/v1/payments/pay_doesnotexist')).status).toBe(404);
    await h.settle();

    const now = Date.now();
    await h.db.run(
      `INSERT INTO retry_items (id, source_type, source_id, origin_key, order_id, customer_id, payment_method_id,
         amount_minor, currency, state, attempts, max_attempts, next_attempt_at, created_at, updated_at)
       VALUES ('rty_gauge1', 'installment', 'ins_x', 'pay_x', 'ord_x', $customer, NULL, 100, 'INR', 'scheduled', 0, 4,
         $at, $at, $at)`,
      { customer: parent.customerId, at: new Date(now) },
    );
    await h.db.run(
      `INSERT INTO webhook_events (id, provider, event_id, event_type, entity_id, payload, status, received_at)
       VALUES ('whe_lagging', 'razorpay', 'evt_lagging', 'payment.captured', NULL, '{}', 'received', $at)`,
      { at: new Date(now - 90_000) },
    );

    const jobs: Job[] = [
      { name: 'quick', cron: '0 * * * *', run: async () => ({ done: 1 }) },
      {
        name: 'explodes',
        cron: '0 * * * *',
        run: async () => {
          throw new Error('boom');
        },
      },
    ];
    const deps: RunJobDeps = {
      db: h.db,
      clock: systemClock,
      gateway: h.gateway,
      log: createLog({ level: 'silent' }),
      inbox: h.inbox,
      metrics: h.metrics,
      runtime: createJobRuntime(resolveSchedules(jobs, {})),
    };
    for (const schedule of deps.runtime.schedules) await runJob(deps, schedule, { trigger: 'manual' });
  });
  afterAll(async () => h.close());

  const scrape = async () => {
    const res = await fetch(`${h.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };

  it('when payments succeed and fail → attempts, successes and failures by method', async () => {
    const { samples, types } = await scrape();
    expect(types.get('kosh_payment_attempts_total')).toBe('counter');
    expect(value(samples, 'kosh_payment_attempts_total', { method: 'card' })).toBe(3);
    expect(value(samples, 'kosh_payment_successes_total', { method: 'card' })).toBe(2);
    expect(value(samples, 'kosh_payment_failures_total', { method: 'card', reason: 'declined' })).toBe(1);
  });

  it('when requests are served → latency histograms by route pattern (never the raw URL) and status class', async () => {
    const { samples, types } = await scrape();
    expect(types.get('kosh_http_request_duration_seconds')).toBe('histogram');
    const count = (route: string, status_class: string, method = 'GET') =>
      value(samples, 'kosh_http_request_duration_seconds_count', { route, status_class, method });
    expect(count('/v1/payments', '2xx', 'POST')).toBe(3);
    expect(count('/v1/payments/:id', '2xx')).toBe(1);
    expect(count('/v1/payments/:id', '4xx')).toBe(1);
    expect(samples.some((s) => (s.labels['route'] ?? '').includes(paymentId))).toBe(false);
    // Buckets at the alert thresholds (2 s warning, 5 s critical) exist.
    const les = samples
      .filter((s) => s.name === 'kosh_http_request_duration_seconds_bucket' && s.labels['route'] === '/v1/payments')
      .map((s) => s.labels['le']);
    expect(les).toEqual(expect.arrayContaining(['2', '5', '+Inf']));
  });

  it('when payments are screened → fraud decisions by outcome and a scoring latency histogram', async () => {
    const { samples } = await scrape();
    expect(value(samples, 'kosh_fraud_decisions_total', { decision: 'allow', source: 'payment' })).toBe(3);
    expect(value(samples, 'kosh_fraud_scoring_duration_seconds_count')).toBe(3);
  });

  it('when jobs run → durations by job and status, failures by job', async () => {
    const { samples } = await scrape();
    expect(value(samples, 'kosh_job_duration_seconds_count', { job: 'quick', status: 'succeeded' })).toBe(1);
    expect(value(samples, 'kosh_job_duration_seconds_count', { job: 'explodes', status: 'failed' })).toBe(1);
    expect(value(samples, 'kosh_job_failures_total', { job: 'explodes' })).toBe(1);
    expect(value(samples, 'kosh_job_failures_total', { job: 'quick' })).toBeUndefined();
  });

  it('when read at scrape time → retry-queue depth, open dunning cases, webhook lag from the database', async () => {
    const { samples, types } = await scrape();
    expect(types.get('kosh_retry_queue_depth')).toBe('gauge');
    expect(value(samples, 'kosh_retry_queue_depth', { state: 'scheduled' })).toBe(1);
    expect(value(samples, 'kosh_retry_queue_depth', { state: 'processing' })).toBe(0);
    expect(value(samples, 'kosh_dunning_open_cases')).toBe(0);
    expect(value(samples, 'kosh_webhook_events_unprocessed')).toBe(1);
    const lag = value(samples, 'kosh_webhook_lag_seconds') ?? 0;
    expect(lag).toBeGreaterThanOrEqual(90);
    expect(lag).toBeLessThan(120);
    await h.db.run(`UPDATE webhook_events SET status = 'applied' WHERE id = 'whe_lagging'`);
    expect(value((await scrape()).samples, 'kosh_webhook_lag_seconds')).toBe(0);
    for (const [id, status] of [
      ['dun_open1', 'open'],
      ['dun_open2', 'open'],
      ['dun_done', 'recovered'],
    ]) {
      await h.db.run(
        `INSERT INTO dunning_cases (id, case_key, collection, subscription_id, customer_id, amount_minor, currency,
           status, decline_category, failed_at, created_at, updated_at)
         VALUES ($id, $id, 'kosh', 'sub_x', $customer, 100, 'INR', $status, 'soft', $at, $at, $at)`,
        { id, status, customer: parent.customerId, at: new Date() },
      );
    }
    expect(value((await scrape()).samples, 'kosh_dunning_open_cases')).toBe(2);
  });

  it('when a client is not on loopback and no token is configured → 403 problem', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'metrics_loopback_only' });
  });

  it('when KOSH_METRICS_TOKEN is set → the bearer token is needed; each app has its own registry', async () => {
    const token = 'metrics-token-0123456789';
    const other = await buildApp({
      db: h.db,
      clock: systemClock,
      gateway: h.gateway,
      log: createLog({ level: 'silent' }),
      inbox: h.inbox,
      config: {
        webhookSecrets: ['x'],
        webhookAllowCidrs: [],
        denyCidrs: [],
        rateLimitPerMinute: 1000,
        metricsToken: token,
      },
    });
    try {
      expect((await other.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const wrong = await other.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } });
      expect(wrong.statusCode).toBe(401);
      const ok = await other.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '10.1.2.3',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.statusCode).toBe(200);
      const { samples } = parseExposition(ok.body);
      // A fresh registry: none of the harness app's payments are counted here.
      expect(value(samples, 'kosh_payment_attempts_total', { method: 'card' })).toBeUndefined();
      expect(value(samples, 'kosh_retry_queue_depth', { state: 'scheduled' })).toBe(1);
    } finally {
      await other.close();
    }
  });
});
