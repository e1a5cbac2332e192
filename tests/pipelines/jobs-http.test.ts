import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '../../pipelines/jobs.js';
import { LEASE_MS } from '../../pipelines/run-job.js';
import { fixedClock } from '../../platform/clock.js';
import { buildApp } from '../../serving/app.js';
import { type Harness, startHarness } from '../support/harness.js';
import { gatedJob, jobDeps } from './support.js';

describe('jobs over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('when an admin lists jobs → every registered job with its schedule in Asia/Kolkata and its next run', async () => {
    const res = await h.api('GET', '/v1/jobs');
    expect(res.status).toBe(200);
    expect(res.body.data.map((j: { name: string }) => j.name)).toEqual(JOBS.map((j) => j.name));
    expect(res.body.data[0]).toMatchObject({
      object: 'job',
      name: 'webhook-retry',
      cron: '* * * * *',
      timezone: 'Asia/Kolkata',
      enabled: true,
      running: false,
      last_run: null,
    });
    expect(Date.parse(res.body.data[0].next_run_at)).toBeGreaterThan(Date.now());
  });

  it('when a failed webhook event is waiting → a manual webhook-retry run applies it and answers 201 with counts', async () => {
    await h.db.run(
      `INSERT INTO webhook_events (id, provider, event_id, event_type, payload, status, attempts, received_at)
       VALUES ('whe_retry1', 'razorpay', 'evt_retry1', 'subscription.activated', '{}', 'failed', 1, now()::TIMESTAMP)`,
    );
    const res = await h.api('POST', '/v1/jobs/webhook-retry/runs', {});
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      object: 'job_run',
      job: 'webhook-retry',
      trigger: 'manual',
      status: 'succeeded',
      summary: { pending: 1, unmatched: 1 },
      error: null,
    });
    const list = await h.api('GET', '/v1/jobs');
    expect(list.body.data[0].last_run.id).toBe(res.body.id);
  });

  it('when runs are listed → newest first, cursor-paginated', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await h.api('POST', '/v1/jobs/purge-expired-keys/runs')).body.id);
    const first = await h.api('GET', '/v1/jobs/purge-expired-keys/runs?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.has_more).toBe(true);
    const rest = await h.api('GET', `/v1/jobs/purge-expired-keys/runs?limit=2&starting_after=${first.body.data[1].id}`);
    expect(rest.body.has_more).toBe(false);
    expect([...first.body.data, ...rest.body.data].map((r: { id: string }) => r.id).sort()).toEqual(ids.sort());
    expect(first.body.data[0].summary).toEqual({
      idempotency_keys: 0,
      webhook_event_keys: 0,
      dashboard_sessions: 0,
      rate_windows: 0,
      api_request_counts: 0,
    });
  });

  it('when the job is unknown → 404 job_not_found; without the admin scope → 403', async () => {
    const unknown = await h.api('POST', '/v1/jobs/no-such-job/runs', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'job_not_found', status: 404 });
    expect((await h.api('GET', '/v1/jobs/no-such-job/runs')).status).toBe(404);
    const reader = await h.keyWith(['payments:read']);
    for (const [method, path] of [
      ['GET', '/v1/jobs'],
      ['GET', '/v1/jobs/webhook-retry/runs'],
      ['POST', '/v1/jobs/webhook-retry/runs'],
    ] as const) {
      const body = method === 'POST' ? {} : undefined;
      expect((await h.api(method, path, body, { authorization: `Bearer ${reader}` })).status).toBe(403);
    }
  });

  it('when another process holds the lease → 409 job_running naming its run, and listed as running', async () => {
    const now = new Date();
    await h.db.run(`INSERT INTO job_leases VALUES ('purge-expired-keys', 'other:2', 'jrun_elsewhere', $at, $expires)`, {
      at: now,
      expires: new Date(now.getTime() + LEASE_MS),
    });
    const res = await h.api('POST', '/v1/jobs/purge-expired-keys/runs', {});
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'job_running', run_id: 'jrun_elsewhere' });
    const list = await h.api('GET', '/v1/jobs');
    expect(list.body.data.find((j: { name: string }) => j.name === 'purge-expired-keys').running).toBe(true);
    await h.db.run(`DELETE FROM job_leases`);
  });
});

describe('two manual triggers of one job at once', () => {
  it('when a run is in progress → the second trigger gets 409 job_running and one run is recorded', async () => {
    const gated = gatedJob('slow-report');
    const deps = await jobDeps(fixedClock(new Date('2026-04-01T00:00:00Z')), [gated.job]);
    const app = await buildApp({
      ...deps,
      jobRuntime: deps.runtime,
      config: { webhookSecrets: ['whsec_x'], webhookAllowCidrs: [], denyCidrs: [], rateLimitPerMinute: 1000 },
    });
    const { createApiKey } = await import('../../payments-core/api-keys/create-api-key.js');
    const { secret } = await createApiKey(deps, { name: 'admin', scopes: ['admin'] });
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/v1/jobs/slow-report/runs',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        payload: '{}',
      });
    try {
      const first = post();
      await gated.running;
      const second = await post();
      expect(second.statusCode).toBe(409);
      expect(second.json()).toMatchObject({ code: 'job_running', status: 409 });
      gated.open();
      const done = await first;
      expect(done.statusCode).toBe(201);
      expect(done.json()).toMatchObject({ job: 'slow-report', status: 'succeeded', summary: { done: 1 } });
      expect(gated.calls()).toBe(1);
      expect(await deps.db.all('SELECT job, status FROM job_runs')).toEqual([
        { job: 'slow-report', status: 'succeeded' },
      ]);
    } finally {
      await app.close();
      await deps.db.close();
    }
  });
});
