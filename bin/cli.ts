import { parseArgs } from 'node:util';
import { runSeedCli } from '../data/seed.js';
import { createApiKey } from '../payments-core/api-keys/create-api-key.js';
import { listApiKeys } from '../payments-core/api-keys/list-api-keys.js';
import { revokeApiKey } from '../payments-core/api-keys/revoke-api-key.js';
import { rotateApiKey } from '../payments-core/api-keys/rotate-api-key.js';
import { SCOPES } from '../payments-core/api-keys/types.js';
import { runRazorpaySimulatorCli } from '../payments-core/gateway/simulator/cli.js';
import { SCHEDULE_RULES } from '../pipelines/schedule.js';
import { systemClock } from '../platform/clock.js';
import { ConfigError, loadConfig } from '../platform/config.js';
import { AppError } from '../platform/errors.js';
import { createLog } from '../platform/log.js';
import { migrate } from '../platform/migrate.js';
import { DatabaseUnreachable, openDatabase } from '../platform/open-database.js';
import { StartupError } from '../platform/preflight.js';
import { startKosh } from '../serving/server.js';
import { runDoctorCli } from './doctor.js';
import { runEvaluateCli } from './evaluate-cli.js';
import { runExportCli } from './export-cli.js';
import { runForecastCli, runTrainForecastCli } from './forecast-cli.js';
import { runImportDuckDbCli } from './import-duckdb-cli.js';
import { runJobsCli } from './jobs-cli.js';
import { runLakeCli } from './lake-cli.js';
import { runLtvCli } from './ltv-cli.js';
import { runModelsCli, runTrainCli } from './models-cli.js';
import { runTrainChurnCli } from './train-churn-cli.js';

const USAGE = `usage: kosh <command> [options]

commands:
  serve                          migrate, seed demo data if KOSH_DEMO=1 and the database is empty, and serve on PORT
  migrate                        apply pending migrations
  seed [--seed N] [--payments N] [--months N] [--schools N] [--force]
                                 generate deterministic demo data
  keys create --scopes a,b [--name NAME]
                                 create an API key; the secret is printed once (scopes: ${SCOPES.join(', ')})
  keys list [--all] [--json]     the keys that work (--all: revoked ones too), never their secrets
  keys revoke KEY_ID             revoke a key now; every kosh process refuses it within a second
  keys rotate KEY_ID [--grace SECONDS]
                                 a new key with the same name and scopes; the old one works SECONDS more (default 0)
  jobs list                      every job with its schedule, last run and next run
  jobs run NAME                  run a job now and wait for it (through the running server, if there is one)
  jobs runs NAME [--limit N] [--starting-after RUN_ID]
                                 the runs of a job, newest first
  train fraud [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--seed 42] [--validation-share 0.2]
                                 train a fraud model and register it (through the running server, if there is one)
  models list [--task fraud|churn] [--state S] [--json]
                                 the models of the registry (fraud by default), newest first
  models promote VERSION [--force --reason TEXT]
                                 make a fraud or churn model champion: gated on the same fresh window for both models
                                 (its test window after the champion's data); --force needs a reason, kept in the registry
  models rollback                restore the previous champion
  models canary VERSION SHARE | models canary stop
                                 send SHARE (e.g. 0.05) of customers to a candidate, or stop the canary
  evaluate --data FILE.csv --label COLUMN [--drop COLS] [--model gbt|forest|fraud|logistic|isolation|ml-random-forest]
           [--test-size 0.2] [--seed 42] [--seeds N] [--negative-weight W] [--json]
                                 train a classifier family on a labelled CSV and print ROC-AUC, PR-AUC, accuracy, timings
  export features --set NAME --out FILE.parquet|FILE.arrow [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                                 a feature set (fraud, …) as a training set for notebooks and other tools
  ltv fit --transactions FILE.csv --calibration-end YYYY-MM-DD [--json]
                                 fit BG/NBD and Gamma-Gamma on purchases customer_id,date,amount (weeks)
  lake export --from YYYY-MM-DD --to YYYY-MM-DD [--tables payments,refunds,…]
                                 write those IST days of the lake tables to the analytics bucket as Parquet (replaces them)
  import-duckdb FILE             move a kosh DuckDB database (before PostgreSQL) into this install's empty PostgreSQL,
                                 proving equal row counts per table and equal ledger sums
  doctor [--json]                check config, database and migrations, object store buckets, gateway keys, SMTP;
                                 exits 1 when a check fails
  forecast evaluate --train FILE.csv --test FILE.csv --horizon H --season S [--methods …] [--workers N] [--json]
                                 score ETS, Theta, their combination and seasonal naive on long CSVs (series,t,value), M3 protocol
  forecast convert --format m3|tourism --in WIDE.csv --out LONG.csv
                                 turn the shared datasets' wide files into long CSVs
  train churn [--to YYYY-MM-DD] [--months 9] [--seed 42] [--json]
                                 train the churn model on monthly snapshots (train / calibrate / test months) and register
                                 it (through the running server, if there is one); promote with kosh models promote
  train forecast                 refresh every segment's revenue forecast now (the forecast-refresh job)
  razorpay-sim [--port N] [--key-id ID] [--key-secret S] [--webhook-url URL] [--webhook-secret S]
                                 run the Razorpay-compatible simulator on its own
`;

/**
 * The usage of one command: its lines of USAGE (the line naming it and the indented lines under it), or the whole
 * text when the command is unknown.
 */
export function usageOf(command: string): string {
  const lines = USAGE.split('\n');
  const picked: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (/^ {2}\S/.test(line)) inside = line.slice(2).split(/\s/)[0] === command;
    else if (!/^ {3,}\S/.test(line)) inside = false;
    if (inside) picked.push(line);
  }
  return picked.length === 0 ? USAGE : `usage: kosh ${command} [options]\n\n${picked.join('\n')}\n`;
}

const HELP = ['--help', '-h'];

/** An unknown, missing or malformed option, as node:util's parseArgs reports it. */
const isOptionError = (err: unknown): err is Error =>
  err instanceof TypeError && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_');

/** The CLI entry: returns the exit code. */
export async function main(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const [command, ...rest] = argv;
  // Help is answered before anything runs: `serve --help` must not serve, nor `migrate --help` migrate.
  if (command !== undefined && !HELP.includes(command) && rest.some((a) => HELP.includes(a))) {
    console.log(usageOf(command));
    return 0;
  }
  try {
    switch (command) {
      case 'serve':
        return await serve(env);
      case 'migrate': {
        const config = loadConfig(env, SCHEDULE_RULES);
        const database = await openDatabase(config);
        const db = database.db;
        const applied = await migrate(db, systemClock);
        console.log(
          applied.length === 0
            ? 'no pending migrations'
            : `applied ${applied.map((m) => `${m.version}_${m.name}`).join(', ')}`,
        );
        await database.close();
        return 0;
      }
      case 'seed': {
        const config = loadConfig(env, SCHEDULE_RULES);
        const database = await openDatabase(config);
        const db = database.db;
        try {
          await migrate(db, systemClock);
          const log = createLog({ level: config.logLevel });
          return await runSeedCli(rest, { db, clock: systemClock, log });
        } finally {
          await database.close();
        }
      }
      case 'keys':
        return await keys(rest, env);
      case 'train':
        if (rest[0] === 'forecast') return await runTrainForecastCli(loadConfig(env, SCHEDULE_RULES));
        if (rest[0] === 'churn') return await runTrainChurnCli(rest.slice(1), loadConfig(env, SCHEDULE_RULES));
        return await runTrainCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'models':
        return await runModelsCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'jobs':
        return await runJobsCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'evaluate':
        return await runEvaluateCli(rest);
      case 'forecast':
        return await runForecastCli(rest);
      case 'export':
        return await runExportCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'ltv':
        return await runLtvCli(rest);
      case 'lake':
        return await runLakeCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'import-duckdb':
        return await runImportDuckDbCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'doctor':
        return await runDoctorCli(rest, env);
      case 'razorpay-sim':
        return await runRazorpaySimulatorCli(rest, env);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 1 : 0;
      default:
        console.error(`unknown command ${command}\n\n${USAGE}`);
        return 1;
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DatabaseUnreachable || err instanceof StartupError) {
      console.error(err.message);
      return 2;
    }
    if (isOptionError(err)) {
      console.error(`kosh ${command}: ${err.message.replace(/\. To specify.*$/s, '')}\n\n${usageOf(command ?? '')}`);
      return 2;
    }
    throw err;
  }
}

async function keys(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || !['create', 'list', 'revoke', 'rotate'].includes(sub)) {
    console.error(usageOf('keys'));
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      scopes: { type: 'string' },
      name: { type: 'string' },
      all: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      grace: { type: 'string' },
    },
  });
  const id = positionals[0];
  if ((sub === 'revoke' || sub === 'rotate') && id === undefined) {
    console.error(`kosh keys ${sub}: name the key id (kosh keys list shows them)\n\n${usageOf('keys')}`);
    return 2;
  }
  const grace = values.grace === undefined ? 0 : Number(values.grace);
  const config = loadConfig(env, SCHEDULE_RULES);
  const database = await openDatabase(config);
  const deps = { db: database.db, clock: systemClock };
  try {
    await migrate(deps.db, systemClock);
    if (sub === 'list') {
      const list = await listApiKeys(deps, { includeRevoked: values.all });
      if (values.json) console.log(JSON.stringify(list, null, 2));
      else {
        for (const k of list) {
          const until = k.expires_at === null ? '' : ` until ${k.expires_at.toISOString()}`;
          console.log(`${k.id}  ${k.prefix}…  ${k.status}${until}  ${k.name}  [${k.scopes.join(',')}]`);
        }
        if (list.length === 0) console.log('no keys');
      }
      return 0;
    }
    if (sub === 'revoke') {
      const key = await revokeApiKey(deps, id as string);
      console.log(`revoked ${key.id} (${key.name})`);
      return 0;
    }
    if (sub === 'rotate') {
      const { key, secret, previous } = await rotateApiKey(deps, id as string, { graceSeconds: grace });
      const old = previous.status === 'revoked' ? 'revoked now' : `works until ${previous.expires_at?.toISOString()}`;
      console.log(`created ${key.id} with scopes ${key.scopes.join(',')}\nsecret (shown once): ${secret}`);
      console.log(`${previous.id} ${old}`);
      return 0;
    }
    const scopes = (values.scopes ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const { key, secret } = await createApiKey(deps, { name: values.name ?? 'cli', scopes });
    console.log(`created ${key.id} with scopes ${key.scopes.join(',')}\nsecret (shown once): ${secret}`);
    return 0;
  } catch (err) {
    if (err instanceof AppError) {
      console.error(`kosh keys ${sub}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await database.close();
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
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // A second SIGINT or SIGTERM during the graceful stop exits at once, without waiting.
  const force = (again: NodeJS.Signals): void => {
    console.error(`${again} during shutdown: exiting now`);
    process.exit(1);
  };
  process.on('SIGINT', force);
  process.on('SIGTERM', force);
  console.log(`${signal}: shutting down (in-flight requests and jobs finish; send it again to exit at once)`);
  await kosh.close();
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  console.log('kosh stopped');
  return 0;
}
