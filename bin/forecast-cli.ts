import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { parseLongCsv, parseM3Wide, parseTourismWide, toLongCsv } from '../models/forecast/datasets.js';
import { type EvaluateForecastResult, evaluateForecasts } from '../models/forecast/evaluate.js';
import { ALL_METHOD_NAMES, METHOD_NAMES, type MethodName } from '../models/forecast/methods.js';
import { refreshRevenueForecasts } from '../pipelines/refresh-revenue-forecasts.js';
import { systemClock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { migrate } from '../platform/migrate.js';
import { openDatabase } from '../platform/open-database.js';
import { connectToServer } from './server-client.js';

export const FORECAST_USAGE = `usage:
  kosh forecast evaluate --train FILE.csv --test FILE.csv --horizon H --season S
                         [--methods ets,damped,theta,combination,snaive,select] [--select-by mape|smape|mase]
                         [--workers N] [--json]
      forecasts every series of the training CSV (long: series,t,value) H steps ahead and scores them on the
      test CSV as the M3 competition does: sMAPE, MASE and MAPE averaged over the series at each horizon,
      then over horizons 1..H; plus fit milliseconds per series. --workers spreads the series over threads
      (default: min(2, CPUs)). select: the candidate (ETS, damped, Theta, their means) with the lowest
      --select-by error (default mase) on validation origins inside the training histories, pooled over the series.
  kosh forecast convert --format m3|tourism --in WIDE.csv --out LONG.csv
      turns ../shared/datasets' wide files (M3 rows, tourism columns) into the long CSV evaluate takes.
`;

const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '—');

function table(r: EvaluateForecastResult): string {
  const lines = [
    `${r.series} series, horizon ${r.horizon}, season ${r.season}, ${r.workers} worker(s), ${(r.wallMs / 1000).toFixed(1)} s`,
    '',
    'method        sMAPE    MASE    MAPE   fit ms/series (mean / median / p95)',
  ];
  for (const m of r.methods)
    lines.push(
      `${m.method.padEnd(12)} ${fmt(m.smape, 2).padStart(6)}  ${fmt(m.mase, 3).padStart(6)}  ${fmt(m.mape, 2).padStart(6)}   ${fmt(m.fitMsPerSeries.mean, 1)} / ${fmt(m.fitMsPerSeries.median, 1)} / ${fmt(m.fitMsPerSeries.p95, 1)}`,
    );
  if (r.selection !== undefined)
    lines.push(
      '',
      `select: ${r.selection.choice} (lowest validation ${r.selection.by}: ${Object.entries(r.selection.validation)
        .map(([c, v]) => `${c} ${fmt(v, 3)}`)
        .join(', ')})`,
    );
  return lines.join('\n');
}

/** `kosh forecast evaluate …` and `kosh forecast convert …`. */
export async function runForecastCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      train: { type: 'string' },
      test: { type: 'string' },
      horizon: { type: 'string' },
      season: { type: 'string' },
      methods: { type: 'string' },
      workers: { type: 'string' },
      'select-by': { type: 'string' },
      json: { type: 'boolean', default: false },
      format: { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (sub === 'convert') {
    if (values.in === undefined || values.out === undefined || !['m3', 'tourism'].includes(values.format ?? '')) {
      console.error(FORECAST_USAGE);
      return 1;
    }
    const text = readFileSync(values.in, 'utf8');
    const series = values.format === 'm3' ? parseM3Wide(text) : parseTourismWide(text, 3);
    writeFileSync(values.out, toLongCsv(series));
    console.error(`wrote ${series.length} series to ${values.out}`);
    return 0;
  }
  if (sub !== 'evaluate' || values.train === undefined || values.test === undefined) {
    console.error(FORECAST_USAGE);
    return 1;
  }
  const horizon = Number(values.horizon);
  const season = Number(values.season ?? '1');
  const methods = (values.methods ?? METHOD_NAMES.join(',')).split(',').map((m) => m.trim()) as MethodName[];
  const unknown = methods.filter((m) => !ALL_METHOD_NAMES.includes(m));
  if (unknown.length > 0) {
    console.error(`unknown method(s) ${unknown.join(', ')}; known: ${ALL_METHOD_NAMES.join(', ')}`);
    return 1;
  }
  const workers = values.workers === undefined ? Math.min(2, os.availableParallelism()) : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) {
    console.error('--workers must be a positive integer');
    return 1;
  }
  const selectBy = values['select-by'] ?? 'mase';
  if (selectBy !== 'mape' && selectBy !== 'smape' && selectBy !== 'mase') {
    console.error('--select-by must be mape, smape or mase');
    return 1;
  }
  try {
    const train = parseLongCsv(readFileSync(values.train, 'utf8'), values.train);
    const test = parseLongCsv(readFileSync(values.test, 'utf8'), values.test);
    const bar = new cliProgress.SingleBar(
      { format: 'forecasting [{bar}] {value}/{total} series  {duration}s', stream: process.stderr, noTTYOutput: false },
      cliProgress.Presets.legacy,
    );
    if (process.stderr.isTTY) bar.start(test.length, 0);
    const result = await evaluateForecasts(train, test, {
      horizon,
      season,
      methods,
      workers,
      selectBy,
      onProgress: (done) => {
        if (process.stderr.isTTY) bar.update(done);
      },
    });
    if (process.stderr.isTTY) bar.stop();
    console.log(values.json ? JSON.stringify(result, null, 2) : table(result));
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}

/**
 * `kosh train forecast`: refreshes every segment's revenue forecast now, with a progress bar. With a server
 * running (it holds the database), the `forecast-refresh` job runs there instead and this waits for it.
 */
export async function runTrainForecastCli(config: Config): Promise<number> {
  const server = await connectToServer(config, { fail: (m) => new Error(m), timeoutMs: 600_000 });
  if (server !== null) {
    console.error(`refreshing on the server (${server.url}); this waits until it is done…`);
    const run = await server.call<{ status: string; summary: Record<string, unknown> | null; error: string | null }>(
      'POST',
      '/jobs/forecast-refresh/runs',
      201,
    );
    console.log(JSON.stringify(run.summary ?? run, null, 2));
    return run.status === 'succeeded' ? 0 : 1;
  }
  const database = await openDatabase(config);
  const db = database.db;
  try {
    await migrate(db, systemClock);
    const bar = new cliProgress.SingleBar(
      { format: 'forecast [{bar}] {value}/{total} {segment}  {duration}s', stream: process.stderr },
      cliProgress.Presets.legacy,
    );
    let started = false;
    const summary = await refreshRevenueForecasts(
      { db, clock: systemClock },
      {
        now: systemClock.now(),
        onProgress: (done, total, segment) => {
          if (!started) {
            bar.start(total, 0, { segment });
            started = true;
          }
          bar.update(done, { segment });
        },
      },
    );
    if (started) bar.stop();
    console.log(
      `refreshed ${summary.forecasts} forecasts of ${summary.segments} segments (data through ${summary.as_of})`,
    );
    console.log('segment                     granularity  method       quarter APE %');
    for (const r of summary.results)
      console.log(
        `${r.segment.padEnd(27)} ${r.granularity.padEnd(12)} ${r.method.padEnd(12)} ${r.quarter_ape === null ? '—' : r.quarter_ape.toFixed(2)}`,
      );
    return 0;
  } finally {
    await database.close();
  }
}
