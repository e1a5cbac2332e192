import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_SETTINGS } from '../../payments-core/monitoring/types.js';
import { JOBS } from '../../pipelines/jobs.js';
import { createJobRuntime, runJob } from '../../pipelines/run-job.js';
import { resolveSchedules } from '../../pipelines/schedule.js';
import type { RunJobDeps } from '../../pipelines/types.js';
import { fixedClock } from '../../platform/clock.js';
import { createLog } from '../../platform/log.js';
import { createMetrics } from '../../platform/metrics.js';
import { writeRequestLog } from '../../platform/request-counts.js';
import { type App, buildApp } from '../../serving/app.js';
import { type Harness, saveCard, seedParent, startHarness } from '../support/harness.js';

const DECLINED_CARD = '4000000000000002'; // the simulator's card_declined test card

/** A Slack-compatible incoming webhook on loopback that keeps every body it receives. */
async function startWebhookReceiver(): Promise<{ url: string; bodies: any[]; close(): Promise<void> }> {
  const bodies: any[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`,
    bodies,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('evaluate-alerts (real payments through the simulator, a webhook receiver on loopback)', () => {
  const clock = fixedClock(new Date('2026-11-27T10:00:00Z'));
  let h: Harness;
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let deps: RunJobDeps;
  let parent: Awaited<ReturnType<typeof seedParent>>;
  let declining: string;
  // A second app on the harness's database stands for a second kosh process: it shares nothing with the first but
  // PostgreSQL (its own metrics, request log and scheduler deps).
  let other: App;
  const otherMetrics = createMetrics();
  const job = resolveSchedules(JOBS, {}).find((j) => j.name === 'evaluate-alerts');

  beforeAll(async () => {
    h = await startHarness({ clock });
    hook = await startWebhookReceiver();
    parent = await seedParent(h);
    declining = (await saveCard(h, parent.customerId, DECLINED_CARD, { isDefault: false })).methodId;
    deps = {
      db: h.db,
      clock,
      gateway: h.gateway,
      log: createLog({ level: 'silent' }),
      inbox: h.inbox,
      metrics: h.metrics,
      alerting: { ...DEFAULT_ALERT_SETTINGS, webhookUrl: hook.url },
      runtime: createJobRuntime(resolveSchedules(JOBS, {})),
    };
    other = await buildApp({
      db: h.db,
      clock,
      gateway: h.gateway,
      log: createLog({ level: 'silent' }),
      inbox: h.inbox,
      metrics: otherMetrics,
      config: { webhookSecrets: [], webhookAllowCidrs: [], denyCidrs: [], rateLimitPerMinute: 1_000_000 },
    });
  });
  afterAll(async () => {
    await other?.close();
    await h.close();
    await hook.close();
  });

  const pay = async (methodId: string) => {
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 150_000 });
    const payment = await h.api('POST', '/v1/payments', { order_id: order.body.id, payment_method_id: methodId });
    expect(payment.status).toBe(201);
    return payment.body.status as string;
  };
  const evaluate = async () => {
    if (job === undefined) throw new Error('evaluate-alerts is not registered');
    const outcome = await runJob(deps, job, { trigger: 'manual' });
    if (outcome.status !== 'ran') throw new Error('skipped');
    expect(outcome.run.status).toBe('succeeded');
    return outcome.run.summary;
  };

  it('is registered to run every minute', () => {
    expect(job).toMatchObject({ name: 'evaluate-alerts', cron: '* * * * *', enabled: true });
  });

  it('when 1 of 21 payments is declined → critical payment_failure_rate, posted once; when only successes follow and the window passes → resolved and posted', async () => {
    for (let i = 0; i < 20; i++) expect(await pay(parent.methodId)).toBe('captured');
    expect(await pay(declining)).toBe('failed');

    expect(await evaluate()).toMatchObject({ opened: 1, open: 1, posted: 1 });
    const open = await h.api('GET', '/v1/alerts');
    expect(open.status).toBe(200);
    expect(open.body.data).toHaveLength(1);
    const alert = open.body.data[0];
    expect(alert).toMatchObject({
      object: 'alert',
      rule: 'payment_failure_rate',
      status: 'open',
      severity: 'critical',
      peak_severity: 'critical',
      threshold: 0.01,
      samples: 21,
      window_seconds: 300,
      resolved_at: null,
    });
    expect(alert.value).toBeCloseTo(1 / 21, 10);
    expect(alert.summary).toContain('1 of 21 payments failed');
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0].text).toMatch(/CRITICAL payment_failure_rate/);
    expect(hook.bodies[0].blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });

    // A minute later the failure is still in the window: the same alert stays open, nothing is posted again.
    clock.advance(60_000);
    expect(await evaluate()).toMatchObject({ opened: 0, resolved: 0, open: 1, posted: 0 });
    expect(hook.bodies).toHaveLength(1);

    // Five more minutes of successes only: the declined payment has left the window.
    clock.advance(5 * 60_000);
    for (let i = 0; i < 20; i++) expect(await pay(parent.methodId)).toBe('captured');
    expect(await evaluate()).toMatchObject({ resolved: 1, open: 0, posted: 1 });
    expect(hook.bodies).toHaveLength(2);
    expect(hook.bodies[1].text).toMatch(/RESOLVED payment_failure_rate \(was critical\)/);
    expect((await h.api('GET', '/v1/alerts')).body.data).toEqual([]);
    const resolved = await h.api('GET', '/v1/alerts?status=resolved');
    expect(resolved.body.data.map((a: { id: string }) => a.id)).toEqual([alert.id]);
    expect(resolved.body.data[0].resolved_at).toBe(clock.now().toISOString());
    const history = await h.api('GET', `/v1/alerts/${alert.id}`);
    expect(history.body.events.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'resolved']);
  });

  it('when 1 of 2 payments fails → below the minimum sample size, no alert', async () => {
    clock.advance(60 * 60_000);
    expect(await pay(parent.methodId)).toBe('captured');
    expect(await pay(declining)).toBe('failed');
    expect(await evaluate()).toMatchObject({ opened: 0, open: 0 });
  });

  it('when the API 5xx rate goes 0.5 % → 1 % → 0 → warning, escalated to critical (posted), resolved; p95 over 5 s → critical', async () => {
    clock.advance(60 * 60_000);
    const record = (n: number, status: number, seconds = 0.01) => {
      for (let i = 0; i < n; i++) h.metrics.requests.record({ atMs: clock.now().getTime(), seconds, status });
    };
    record(199, 200);
    record(1, 503); // 0.5 %: above the 0.1 % warning, not above the 0.5 % critical
    const before = hook.bodies.length;
    expect(await evaluate()).toMatchObject({ opened: 1 });
    let open = (await h.api('GET', '/v1/alerts')).body.data;
    expect(open).toMatchObject([{ rule: 'api_error_rate', severity: 'warning', threshold: 0.001, samples: 200 }]);

    record(1, 500); // 2 of 201
    expect(await evaluate()).toMatchObject({ escalated: 1, opened: 0 });
    open = (await h.api('GET', '/v1/alerts')).body.data;
    expect(open).toMatchObject([{ rule: 'api_error_rate', severity: 'critical', peak_severity: 'critical' }]);
    expect(hook.bodies.slice(before).map((b) => b.text)).toEqual([
      expect.stringMatching(/WARNING api_error_rate/),
      expect.stringMatching(/CRITICAL api_error_rate \(escalated\)/),
    ]);

    clock.advance(6 * 60_000);
    record(120, 200, 6); // clean but slow: the error alert resolves, the latency one opens
    expect(await evaluate()).toMatchObject({ opened: 1, resolved: 1 });
    open = (await h.api('GET', '/v1/alerts')).body.data;
    expect(open).toMatchObject([{ rule: 'api_latency_p95', severity: 'critical', value: 6, threshold: 5 }]);
    const errorAlert = (await h.api('GET', '/v1/alerts?status=resolved')).body.data.find(
      (a: { rule: string }) => a.rule === 'api_error_rate',
    );
    const events = (await h.api('GET', `/v1/alerts/${errorAlert.id}`)).body.events;
    expect(events.map((e: { kind: string; severity: string }) => `${e.kind}:${e.severity}`)).toEqual([
      'opened:warning',
      'escalated:critical',
      'resolved:critical',
    ]);
  });

  it('when the webhook is unreachable → alerts are still recorded (a second incident of a resolved rule opens anew), the run succeeds', async () => {
    clock.advance(60 * 60_000);
    const down = { ...deps, alerting: { ...DEFAULT_ALERT_SETTINGS, webhookUrl: 'http://127.0.0.1:9/hook' } };
    for (let i = 0; i < 200; i++) {
      h.metrics.requests.record({ atMs: clock.now().getTime(), seconds: 0.01, status: i < 2 ? 500 : 200 });
    }
    if (job === undefined) throw new Error('evaluate-alerts is not registered');
    // The latency alert resolves (its slow requests left the window); api_error_rate, resolved before, opens again.
    const outcome = await runJob(down, job, { trigger: 'manual' });
    expect(outcome.status === 'ran' && outcome.run.status).toBe('succeeded');
    expect(outcome.status === 'ran' && outcome.run.summary).toMatchObject({ opened: 1, resolved: 1, posted: 0 });
    const open = (await h.api('GET', '/v1/alerts')).body.data;
    expect(open).toMatchObject([{ rule: 'api_error_rate', severity: 'critical', samples: 200 }]);
    const errorAlerts = (await h.api('GET', '/v1/alerts?status=all')).body.data.filter(
      (a: { rule: string }) => a.rule === 'api_error_rate',
    );
    expect(errorAlerts.map((a: { status: string }) => a.status)).toEqual(['open', 'resolved']);
  });

  it('lists with a status filter and answers 404 for an unknown alert, 403 without the scope', async () => {
    const all = await h.api('GET', '/v1/alerts?status=all&limit=100');
    expect(all.body.data.length).toBe(4);
    expect((await h.api('GET', '/v1/alerts?status=closed')).status).toBe(400);
    expect((await h.api('GET', '/v1/alerts/alrt_nope')).status).toBe(404);
    const reader = await h.keyWith(['payments:read']);
    expect((await h.api('GET', '/v1/alerts', undefined, { authorization: `Bearer ${reader}` })).status).toBe(403);
  });

  it('when the 5xx of one incident are spread over two processes → the rule judges both (one alert, posted once), and the other process’s evaluation does not fire it again', async () => {
    clock.advance(60 * 60_000);
    expect(await evaluate()).toMatchObject({ resolved: 1, open: 0 }); // the earlier incident's requests left the window
    const posted = hook.bodies.length;
    // 61 requests through each process: fewer than the rule's 100 for either alone; 2 of 122 (1.6 %) answered 5xx.
    for (const [app, metrics] of [
      [h.app, h.metrics],
      [other, otherMetrics],
    ] as const) {
      for (let i = 0; i < 60; i++) {
        const res = await app.inject({ url: '/v1/alerts', headers: { authorization: `Bearer ${h.adminKey}` } });
        expect(res.statusCode).toBe(200);
      }
      metrics.requests.record({ atMs: clock.now().getTime(), seconds: 0.01, status: 503 });
    }
    await writeRequestLog(h.db, otherMetrics.requests); // the other process's once-a-second write
    expect(await evaluate()).toMatchObject({ opened: 1, open: 1, posted: 1 });
    const open = (await h.api('GET', '/v1/alerts')).body.data;
    expect(open).toMatchObject([{ rule: 'api_error_rate', severity: 'critical', samples: 122 }]);
    expect(hook.bodies.slice(posted).map((b) => b.text)).toEqual([expect.stringMatching(/CRITICAL api_error_rate/)]);

    // The next run lands on the other process (it took the lease): the same counts, the same open alert, no post.
    if (job === undefined) throw new Error('evaluate-alerts is not registered');
    const there = await runJob({ ...deps, metrics: otherMetrics }, job, { trigger: 'manual' });
    expect(there.status === 'ran' && there.run.summary).toMatchObject({ opened: 0, escalated: 0, open: 1, posted: 0 });
    expect((await h.api('GET', '/v1/alerts')).body.data).toMatchObject([{ id: open[0].id, severity: 'critical' }]);
    expect(hook.bodies.length).toBe(posted + 1);
  });
});
