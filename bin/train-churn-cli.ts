import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { type TrainChurnResult, trainChurn } from '../pipelines/train-churn.js';
import { systemClock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { createLog } from '../platform/log.js';
import { migrate } from '../platform/migrate.js';
import { openDatabase } from '../platform/open-database.js';
import { openObjectStore } from '../platform/open-object-store.js';
import { connectToServer } from './server-client.js';

export const TRAIN_CHURN_USAGE = `usage: kosh train churn [--to YYYY-MM-DD] [--months 9] [--seed 42] [--json]

Trains the churn model on monthly point-in-time snapshots (older months train, the second newest chooses and
calibrates, the newest tests), with logistic regression, ml-random-forest and a small MLP competing on ROC-AUC, and
registers the winner (task churn; the first is champion, later ones are promoted with kosh models promote). Goes
through the running server when there is one.
`;

class TrainChurnCliError extends Error {}

type ChurnAnswer = Pick<TrainChurnResult, 'metrics' | 'timings_ms'> & {
  model: { id: string; state: string };
};

function printResult(result: ChurnAnswer, json: boolean): void {
  const m = result.metrics;
  if (json) {
    console.log(
      JSON.stringify(
        { model: result.model.id, state: result.model.state, metrics: m, timings_ms: result.timings_ms },
        null,
        2,
      ),
    );
    return;
  }
  const t = m.test;
  const ci = (i: { value: number; lo: number; hi: number }) =>
    `${i.value.toFixed(4)} [${i.lo.toFixed(4)}, ${i.hi.toFixed(4)}]`;
  console.log(`${result.model.id}: ${result.model.state} (${m.algorithm})`);
  for (const c of m.candidates)
    console.log(
      `  ${c.algorithm.padEnd(20)} calibration ROC-AUC ${c.rocAuc.toFixed(4)}  log loss ${c.logLoss.toFixed(4)}  ${c.trainMs.toFixed(0)} ms`,
    );
  console.log(
    `  test month:  accuracy ${ci(t.accuracy)} vs ${t.majorityAccuracy.toFixed(4)} for "nobody churns" (base rate ${(t.baseRate * 100).toFixed(1)} %), ROC-AUC ${ci(t.rocAuc)}`,
  );
  console.log(
    `  85 % accuracy target: ${t.accuracy.value > 0.85 ? 'met' : 'not met'}${t.majorityAccuracy > 0.85 ? ' (the majority answer alone meets it)' : ''}`,
  );
  console.log(`  rows: ${m.trainRows} training, ${m.validationRows} calibration, ${t.rows} test (the newest snapshot)`);
  if (result.model.state === 'candidate') console.log(`  promote with: kosh models promote ${result.model.id}`);
}

/**
 * `kosh train churn …`: through the running server's API when one runs, else on this process's database (training
 * runs in a worker thread either way): returns the exit code.
 */
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
  const json = values['json'] === true;
  // A running server owns the database (the embedded one admits it alone): train through its API, as fraud does.
  const server = await connectToServer(config, { fail: (m) => new TrainChurnCliError(m), timeoutMs: 3_600_000 });
  if (server !== null) {
    console.error(`training on the server at ${server.url}; this waits until it is done…`);
    try {
      const answer = await server.call<ChurnAnswer>('POST', '/models/churn/train', 201, {
        ...(typeof values['to'] === 'string' ? { to: values['to'] } : {}),
        ...(months === undefined ? {} : { months }),
        ...(seed === undefined ? {} : { seed }),
      });
      printResult(answer, json);
      return 0;
    } catch (err) {
      if (!(err instanceof TrainChurnCliError)) throw err;
      console.error(err.message);
      return 1;
    }
  }
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
    printResult(result, json);
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
