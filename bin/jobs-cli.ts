import { parseArgs } from 'node:util';
import { createWebhookInbox } from '../payments-core/webhooks/webhook-inbox.js';
import { listJobRuns } from '../pipelines/find-job-runs.js';
import { JOBS } from '../pipelines/jobs.js';
import { listJobs } from '../pipelines/list-jobs.js';
import { createJobRuntime } from '../pipelines/run-job.js';
import { resolveSchedules } from '../pipelines/schedule.js';
import { triggerJob } from '../pipelines/trigger-job.js';
import { systemClock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { createLog } from '../platform/log.js';
import { openMailer } from '../platform/mail.js';
import { migrate } from '../platform/migrate.js';
import { openDatabase } from '../platform/open-database.js';
import { openObjectStore } from '../platform/open-object-store.js';
import type { Page } from '../platform/pagination.js';
import { openGateway } from '../serving/server.js';
import { connectToServer } from './server-client.js';
import { table } from './text-table.js';

type Stamp = Date | string;
interface RunLine {
  id: string;
  job: string;
  trigger: string;
  status: string;
  started_at: Stamp;
  finished_at: Stamp | null;
  summary: Record<string, unknown> | null;
  error: string | null;
}
interface JobLine {
  name: string;
  cron: string;
  timezone: string;
  enabled: boolean;
  running: boolean;
  last_run: RunLine | null;
  next_run_at: Stamp | null;
}

/** What `kosh jobs` needs, answered by the running server's API or by this process on the database. */
interface JobsBackend {
  list(): Promise<JobLine[]>;
  runs(name: string, query: { limit: number; starting_after?: string }): Promise<Page<RunLine>>;
  /** The finished run, or the reason there was none. */
  run(name: string): Promise<RunLine>;
  readonly where: string;
  close(): Promise<void>;
}

class JobsCliError extends Error {}

const iso = (s: Stamp | null): string => (s === null ? '—' : new Date(s).toISOString().replace('.000Z', 'Z'));
const took = (r: RunLine): string =>
  r.finished_at === null ? 'running' : `${new Date(r.finished_at).getTime() - new Date(r.started_at).getTime()} ms`;
const summaryText = (r: RunLine): string =>
  r.error ??
  Object.entries(r.summary ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

/** Uses the server named in the server file when its /healthz answers. */
async function serverBackend(config: Config): Promise<JobsBackend | null> {
  const server = await connectToServer(config, { fail: (message) => new JobsCliError(message) });
  if (server === null) return null;
  const { call } = server;
  return {
    where: `via the server at ${server.url}`,
    list: async () => (await call<{ data: JobLine[] }>('GET', '/jobs', 200)).data,
    runs: (name, query) => {
      const qs = new URLSearchParams({ limit: String(query.limit) });
      if (query.starting_after !== undefined) qs.set('starting_after', query.starting_after);
      return call<Page<RunLine>>('GET', `/jobs/${encodeURIComponent(name)}/runs?${qs}`, 200);
    },
    run: (name) => call<RunLine>('POST', `/jobs/${encodeURIComponent(name)}/runs`, 201),
    close: async () => undefined,
  };
}

/** No server: this process opens the database and runs the job itself. */
async function localBackend(config: Config): Promise<JobsBackend> {
  const clock = systemClock;
  const log = createLog({ level: config.logLevel, format: config.logFormat });
  const database = await openDatabase(config);
  const db = database.db;
  await migrate(db, clock);
  const runtime = createJobRuntime(resolveSchedules(JOBS, config.schedules));
  let closeGateway: () => Promise<void> = async () => undefined;
  const wrap = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (err) {
      if (err instanceof AppError) throw new JobsCliError(err.message);
      throw err;
    }
  };
  return {
    where: `in this process on ${db.location}`,
    list: () => listJobs({ db, clock, runtime }),
    runs: (name, query) => wrap(listJobRuns({ db, runtime }, name, query)),
    run: async (name) => {
      const { gateway, simulator } = await openGateway(config, log);
      closeGateway = async () => simulator?.close();
      const inbox = createWebhookInbox({ db, clock, log, gateway });
      const objects = openObjectStore(config);
      const mailer = openMailer(config);
      try {
        return await wrap(
          triggerJob(
            {
              db,
              clock,
              gateway,
              log,
              inbox,
              objects,
              mailer,
              alerting: config.alerting,
              dunning: config.dunning,
              billing: config.billing,
              runtime,
            },
            name,
          ),
        );
      } finally {
        await inbox.idle();
        await mailer.transport.close();
      }
    },
    close: async () => {
      await closeGateway();
      await database.close();
    },
  };
}

/** `kosh jobs list | run NAME | runs NAME [--limit N] [--starting-after ID]`; returns the exit code. */
export async function runJobsCli(argv: string[], config: Config, usage: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { limit: { type: 'string' }, 'starting-after': { type: 'string' } },
  });
  const [sub, name] = positionals;
  if (!(sub === 'list' || ((sub === 'run' || sub === 'runs') && name !== undefined))) {
    console.error(usage);
    return 1;
  }
  const backend = (await serverBackend(config)) ?? (await localBackend(config));
  try {
    if (sub === 'list') {
      const jobs = await backend.list();
      console.log(
        table(
          ['JOB', 'SCHEDULE', 'ENABLED', 'RUNNING', 'LAST RUN', 'NEXT RUN'],
          jobs.map((j) => [
            j.name,
            j.cron,
            j.enabled ? 'yes' : 'off',
            j.running ? 'yes' : 'no',
            j.last_run === null ? '—' : `${j.last_run.status} ${iso(j.last_run.started_at)} (${j.last_run.trigger})`,
            iso(j.next_run_at),
          ]),
        ),
      );
      console.log(`\nschedules are read in ${jobs[0]?.timezone ?? 'Asia/Kolkata'}; ${backend.where}`);
      return 0;
    }
    if (sub === 'run') {
      const run = await backend.run(name ?? '');
      console.log(`${run.job}: ${run.status} in ${took(run)} (run ${run.id}, ${backend.where})`);
      if (run.error !== null) console.log(`  error: ${run.error}`);
      for (const [k, v] of Object.entries(run.summary ?? {})) console.log(`  ${k}: ${String(v)}`);
      return run.status === 'succeeded' ? 0 : 1;
    }
    const limit = Number(values.limit ?? 10);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new JobsCliError('--limit must be 1 to 100');
    const page = await backend.runs(name ?? '', {
      limit,
      ...(values['starting-after'] === undefined ? {} : { starting_after: values['starting-after'] }),
    });
    console.log(
      table(
        ['RUN', 'TRIGGER', 'STATUS', 'STARTED', 'TOOK', 'SUMMARY'],
        page.data.map((r) => [r.id, r.trigger, r.status, iso(r.started_at), took(r), summaryText(r)]),
      ),
    );
    if (page.has_more) console.log(`\nmore: kosh jobs runs ${name} --starting-after ${page.data.at(-1)?.id ?? ''}`);
    return 0;
  } catch (err) {
    if (!(err instanceof JobsCliError)) throw err;
    console.error(err.message);
    return 1;
  } finally {
    await backend.close();
  }
}
