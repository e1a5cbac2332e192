import { Type } from '@sinclair/typebox';
import { listJobRuns } from '../../pipelines/find-job-runs.js';
import { JOBS } from '../../pipelines/jobs.js';
import { listJobs } from '../../pipelines/list-jobs.js';
import { createJobRuntime } from '../../pipelines/run-job.js';
import { resolveSchedules } from '../../pipelines/schedule.js';
import { triggerJob } from '../../pipelines/trigger-job.js';
import type { App, AppDeps } from '../app.js';
import { Nullable, PageQuery, pageOf, responses } from '../schemas.js';

const Timestamp = Type.Unsafe<Date | string>({ type: 'string', format: 'date-time' });
const JobName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' });

const JobRunSchema = Type.Object({
  object: Type.Literal('job_run'),
  id: Type.String(),
  job: Type.String(),
  trigger: Type.Union([Type.Literal('schedule'), Type.Literal('manual'), Type.Literal('catch_up')]),
  status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]),
  holder: Type.String({ description: 'The process that ran it (host:pid:id)' }),
  started_at: Timestamp,
  finished_at: Nullable(Timestamp),
  summary: Nullable(
    Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]), {
      description: 'Counts the job returned',
    }),
  ),
  error: Nullable(Type.String()),
});

const JobSchema = Type.Object({
  object: Type.Literal('job'),
  name: Type.String(),
  cron: Type.String({ description: 'node-cron expression, read in the timezone below' }),
  timezone: Type.String(),
  enabled: Type.Boolean({ description: 'False when the schedule is off; manual runs still work' }),
  running: Type.Boolean(),
  last_run: Nullable(JobRunSchema),
  next_run_at: Nullable(Timestamp),
});

/** Jobs: the list with schedules, each job's runs, and a manual run now (admin only). */
export function jobRoutes(app: App, deps: AppDeps): void {
  const runtime = deps.jobRuntime ?? createJobRuntime(resolveSchedules(JOBS, {}));
  const jobDeps = { ...deps, runtime };
  app.get(
    '/jobs',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'listJobs',
        summary: 'List scheduled jobs',
        tags: ['jobs'],
        response: responses({ 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(JobSchema) }) }),
      },
    },
    async () => ({ object: 'list' as const, data: await listJobs(jobDeps) }),
  );
  app.get(
    '/jobs/:name/runs',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'listJobRuns',
        summary: "List a job's runs",
        tags: ['jobs'],
        params: Type.Object({ name: JobName }),
        querystring: Type.Object(PageQuery),
        response: responses({ 200: pageOf(JobRunSchema) }),
      },
    },
    async (request) => listJobRuns(jobDeps, request.params.name, request.query),
  );
  app.post(
    '/jobs/:name/runs',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'runJob',
        summary: 'Run a job now',
        tags: ['jobs'],
        description: 'Runs the job now and answers with the finished run; 409 `job_running` while another run holds it',
        params: Type.Object({ name: JobName }),
        body: Type.Object({}, { additionalProperties: false }),
        response: responses({ 201: JobRunSchema }),
      },
    },
    async (request, reply) => reply.code(201).send(await triggerJob(jobDeps, request.params.name)),
  );
}
