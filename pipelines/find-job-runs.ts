import type { Sql } from '../platform/db.js';
import { AppError } from '../platform/errors.js';
import type { JobSummary } from '../platform/job.js';
import { listPage, type Page, type PageQuery } from '../platform/pagination.js';
import { RUN_BY_ID, RUN_COLUMNS } from './repository.js';
import type { JobRun, JobRuntime } from './types.js';

type RunRow = Omit<JobRun, 'summary'> & { summary: string | null };

/** Rows keep the summary as JSON text. */
export function toJobRun(row: RunRow): JobRun {
  return { ...row, summary: row.summary === null ? null : (JSON.parse(row.summary) as JobSummary) };
}

export async function findJobRun(deps: { db: Sql }, id: string): Promise<JobRun | null> {
  const row = await deps.db.one<RunRow>(RUN_BY_ID, { id });
  return row === undefined ? null : toJobRun(row);
}

/** The runs of one job, newest first; an unknown job → not found. */
export async function listJobRuns(
  deps: { db: Sql; runtime: JobRuntime },
  job: string,
  query: PageQuery,
): Promise<Page<JobRun>> {
  if (!deps.runtime.schedules.some((s) => s.name === job)) throw jobNotFound(job);
  const page = await listPage<RunRow>(
    deps.db,
    {
      select: `${RUN_COLUMNS} {where}`,
      table: 'job_runs',
      timeColumn: 'started_at',
      resource: 'job_run',
      where: 't.job = $job',
      params: { job },
    },
    query,
  );
  return { ...page, data: page.data.map(toJobRun) };
}

export const jobNotFound = (name: string): AppError =>
  new AppError('not_found', 'job_not_found', `No job named ${name}`);
