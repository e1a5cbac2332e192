import { parseArgs } from 'node:util';
import { runSeedCli } from '../data/seed.js';
import { createApiKey } from '../payments-core/api-keys/create-api-key.js';
import { SCOPES } from '../payments-core/api-keys/types.js';
import { runRazorpaySimulatorCli } from '../payments-core/gateway/simulator/cli.js';
import { SCHEDULE_RULES } from '../pipelines/schedule.js';
import { systemClock } from '../platform/clock.js';
import { ConfigError, loadConfig } from '../platform/config.js';
import { openDb } from '../platform/db.js';
import { createLog } from '../platform/log.js';
import { migrate } from '../platform/migrate.js';
import { startKosh } from '../serving/server.js';
import { runEvaluateCli } from './evaluate-cli.js';
import { runJobsCli } from './jobs-cli.js';
import { runModelsCli, runTrainCli } from './models-cli.js';

const USAGE = `usage: kosh <command> [options]

commands:
  serve                          migrate, seed demo data if KOSH_DEMO=1 and the database is empty, and serve on PORT
  migrate                        apply pending migrations
  seed [--seed N] [--payments N] [--months N] [--schools N] [--force]
                                 generate deterministic demo data
  keys create --scopes a,b [--name NAME]
                                 create an API key; the secret is printed once (scopes: ${SCOPES.join(', ')})
  jobs list                      every job with its schedule, last run and next run
  jobs run NAME                  run a job now and wait for it (through the running server, if there is one)
  jobs runs NAME [--limit N] [--starting-after RUN_ID]
                                 the runs of a job, newest first
  train fraud [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--seed 42] [--validation-share 0.2]
                                 train a fraud model and register it (through the running server, if there is one)
  models list [--state S]        the fraud models of the registry, newest first
  models promote VERSION [--force]
                                 make a model champion (gated on its validation data unless --force)
  models rollback                restore the previous champion
  models canary VERSION SHARE | models canary stop
                                 send SHARE (e.g. 0.05) of customers to a candidate, or stop the canary
  evaluate --data FILE.csv --label COLUMN [--drop COLS] [--model gbt|forest|fraud|logistic|isolation|ml-random-forest]
           [--test-size 0.2] [--seed 42] [--seeds N] [--negative-weight W] [--json]
                                 train a classifier family on a labelled CSV and print ROC-AUC, PR-AUC, accuracy, timings
  razorpay-sim [--port N] [--key-id ID] [--key-secret S] [--webhook-url URL] [--webhook-secret S]
                                 run the Razorpay-compatible simulator on its own
`;

/** The CLI entry: returns the exit code. */
export async function main(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(env);
      case 'migrate': {
        const config = loadConfig(env, SCHEDULE_RULES);
        const db = await openDb(config.databasePath);
        const applied = await migrate(db, systemClock);
        console.log(
          applied.length === 0
            ? 'no pending migrations'
            : `applied ${applied.map((m) => `${m.version}_${m.name}`).join(', ')}`,
        );
        await db.close();
        return 0;
      }
      case 'seed': {
        const config = loadConfig(env, SCHEDULE_RULES);
        const db = await openDb(config.databasePath);
        await migrate(db, systemClock);
        const log = createLog({ level: config.logLevel });
        const code = await runSeedCli(rest, { db, clock: systemClock, log });
        await db.close();
        return code;
      }
      case 'keys':
        return await keys(rest, env);
      case 'train':
        return await runTrainCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'models':
        return await runModelsCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'jobs':
        return await runJobsCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'evaluate':
        return await runEvaluateCli(rest);
      case 'razorpay-sim':
        return await runRazorpaySimulatorCli(rest, env);
      case undefined:
      case 'help':
      case '--help':
        console.log(USAGE);
        return command === undefined ? 1 : 0;
      default:
        console.error(`unknown command ${command}\n\n${USAGE}`);
        return 1;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
}

async function keys(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create') {
    console.error(USAGE);
    return 1;
  }
  const { values } = parseArgs({ args: rest, options: { scopes: { type: 'string' }, name: { type: 'string' } } });
  const scopes = (values.scopes ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const config = loadConfig(env, SCHEDULE_RULES);
  const db = await openDb(config.databasePath);
  await migrate(db, systemClock);
  try {
    const { key, secret } = await createApiKey({ db, clock: systemClock }, { name: values.name ?? 'cli', scopes });
    console.log(`created ${key.id} with scopes ${key.scopes.join(',')}\nsecret (shown once): ${secret}`);
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  } finally {
    await db.close();
  }
}

async function serve(env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const config = loadConfig(env, SCHEDULE_RULES);
  const started = Date.now();
  const kosh = await startKosh(config);
  console.log(`\nkosh is serving on ${kosh.url}  (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`  API docs:  ${kosh.url}/docs      OpenAPI: ${kosh.url}/openapi.json`);
  if (kosh.simulator !== null) console.log(`  gateway:   built-in Razorpay simulator at ${kosh.simulator.url}`);
  if (kosh.generatedAdminKey !== null) {
    console.log(`  admin API key (shown once, store it now): ${kosh.generatedAdminKey}`);
  } else if (config.adminKey !== null) {
    console.log('  authenticate with the KOSH_ADMIN_KEY you configured');
  } else {
    console.log('  authenticate with an existing key, or create one: npx kosh keys create --scopes admin');
  }
  console.log(`  try:       curl -H "Authorization: Bearer <key>" ${kosh.url}/v1/payments?limit=5\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await kosh.close();
  return 0;
}
