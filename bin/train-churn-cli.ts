import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { trainChurn } from '../pipelines/train-churn.js';
import { systemClock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { createLog } from '../platform/log.js';
import { migrate } from '../platform/migrate.js';
import { openDatabase } from '../platform/open-database.js';
import { openObjectStore } from '../platform/open-object-store.js';

export const TRAIN_CHURN_USAGE = `usage: kosh train churn [--to YYYY-MM-DD] [--months 9] [--seed 42] [--json]

Trains the churn model on monthly point-in-time snapshots of this database (the newest validates), with
logistic regression, ml-random-forest and a tfjs MLP competing on ROC-AUC, and registers the winner (task churn).
`;

/** `kosh train churn …` on this process's database (training runs in a worker thread): returns the exit code. */
export async function runTrainChurnCli(argv: string[], config: Config): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        to: { type: 'string' },
        months: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${TRAIN_CHURN_USAGE}`);
    return 1;
  }
  const to = typeof values['to'] === 'string' ? new Date(`${values['to']}T00:00:00Z`) : undefined;
  if (to !== undefined && Number.isNaN(to.getTime())) {
    console.error(`--to must be a date YYYY-MM-DD\n\n${TRAIN_CHURN_USAGE}`);
    return 1;
  }
  const months = values['months'] === undefined ? undefined : Number(values['months']);
  const seed = values['seed'] === undefined ? undefined : Number(values['seed']);
  const log = createLog({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const database = await openDatabase(config);
  const db = database.db;
  await migrate(db, systemClock);
  const objects = openObjectStore(config);
  const bar = new cliProgress.SingleBar(
    { format: 'churn {phase} [{bar}] {value}/{total} {detail}', clearOnComplete: false },
    cliProgress.Presets.legacy,
  );
  const tty = process.stderr.isTTY;
  let started = false;
  try {
    const result = await trainChurn(
      { db, objects, clock: systemClock, log },
      {
        to,
        months,
        seed,
        onProgress: (phase, done, total, detail) => {
          if (!tty) return;
          if (!started) {
            bar.start(total, done, { phase, detail: detail ?? '' });
            started = true;
          }
          bar.setTotal(total);
          bar.update(done, { phase, detail: detail ?? '' });
        },
      },
    );
    if (started) bar.stop();
    const m = result.metrics;
    if (values['json'] === true) {
      console.log(
        JSON.stringify(
          { model: result.model.id, state: result.model.state, metrics: m, timings_ms: result.timings_ms },
          null,
          2,
        ),
      );
      return 0;
    }
    console.log(`${result.model.id}: ${result.model.state} (${m.algorithm})`);
    for (const c of m.candidates)
      console.log(
        `  ${c.algorithm.padEnd(20)} validation ROC-AUC ${c.rocAuc.toFixed(4)}  log loss ${c.logLoss.toFixed(4)}  ${c.trainMs.toFixed(0)} ms`,
      );
    console.log(
      `  calibrated: ROC-AUC ${m.rocAuc.toFixed(4)}, log loss ${m.logLoss.toFixed(4)}, Brier ${m.brier.toFixed(4)}, base rate ${(m.baseRate * 100).toFixed(1)} %`,
    );
    console.log(`  rows: ${m.trainRows} training, ${m.validationRows} validation (the newest snapshot)`);
    return 0;
  } catch (err) {
    if (started) bar.stop();
    if (err instanceof AppError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  } finally {
    await database.close();
  }
}
