import { createRazorpayGateway } from '../../payments-core/gateway/razorpay-gateway.js';
import { createWebhookInbox } from '../../payments-core/webhooks/webhook-inbox.js';
import { createJobRuntime } from '../../pipelines/run-job.js';
import { resolveSchedules } from '../../pipelines/schedule.js';
import type { Job, RunJobDeps } from '../../pipelines/types.js';
import type { Clock } from '../../platform/clock.js';
import { openDb } from '../../platform/db.js';
import { createLog } from '../../platform/log.js';
import { openTestDb } from '../support/db.js';

/** Real deps on a fresh migrated database (dropped by `db.close()`) or a given one; the gateway adapter is real but these jobs never call it. */
export async function jobDeps(
  clock: Clock,
  jobs: readonly Job[],
  options: { overrides?: Record<string, string>; databaseUrl?: string } = {},
): Promise<RunJobDeps> {
  // A given database is shared (another "process" on it): closing these deps closes only their pool.
  const db = options.databaseUrl === undefined ? await openTestDb() : await openDb(options.databaseUrl);
  const log = createLog({ level: 'silent' });
  const gateway = createRazorpayGateway({
    keyId: 'rzp_test_unused',
    keySecret: 'unused',
    apiUrl: 'http://127.0.0.1:9',
  });
  return {
    db,
    clock,
    log,
    gateway,
    inbox: createWebhookInbox({ db, clock, log, gateway }),
    runtime: createJobRuntime(resolveSchedules(jobs, options.overrides ?? {})),
  };
}

/** A job that runs until the test opens its gate, so a test can hold a run in progress. */
export function gatedJob(name: string, cron = '0 * * * *') {
  let open: () => void = () => undefined;
  let started: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  let calls = 0;
  const job: Job = {
    name,
    cron,
    run: async () => {
      calls++;
      started();
      await gate;
      return { done: calls };
    },
  };
  return { job, open, running, calls: () => calls };
}

/** A job that counts its runs and remembers the `now` each run got. */
export function countingJob(name: string, cron: string) {
  const nows: Date[] = [];
  const job: Job = {
    name,
    cron,
    run: async (_deps, { now }) => {
      nows.push(now);
      return { runs: nows.length };
    },
  };
  return { job, nows };
}
