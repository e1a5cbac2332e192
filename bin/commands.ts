import { parseArgs } from 'node:util';
import { runSeedCli } from '../data/seed.js';
import { createApiKey } from '../payments-core/api-keys/create-api-key.js';
import { listApiKeys } from '../payments-core/api-keys/list-api-keys.js';
import { revokeApiKey } from '../payments-core/api-keys/revoke-api-key.js';
import { rotateApiKey } from '../payments-core/api-keys/rotate-api-key.js';
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
import { isKoshWorker, runWorker, startWorkers } from '../serving/workers.js';
import { runDoctorCli } from './doctor.js';
import { runEvaluateCli } from './evaluate-cli.js';
import { runExportCli } from './export-cli.js';
import { runForecastCli, runTrainForecastCli } from './forecast-cli.js';
import { runGstCli } from './gst-cli.js';
import { runImportDuckDbCli } from './import-duckdb-cli.js';
import { runJobsCli } from './jobs-cli.js';
import { runLakeCli } from './lake-cli.js';
import { runLtvCli } from './ltv-cli.js';
import { runModelsCli, runTrainCli } from './models-cli.js';
import { runTrainChurnCli } from './train-churn-cli.js';

import { USAGE, usageOf } from './usage.js';

/** An unknown, missing or malformed option, as node:util's parseArgs reports it. */
const isOptionError = (err: unknown): err is Error =>
  err instanceof TypeError && String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_');

/**
 * Runs one command (bin/cli.ts has answered help and the version already): loaded only then, so `kosh --help` loads
 * none of the server, the database or the models. Returns the exit code.
 */
export async function runCommand(
  command: string,
  rest: string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  try {
    switch (command) {
      case 'serve':
        return await serve(rest, env);
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
          const log = createLog({ level: config.logLevel, format: config.logFormat });
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
      case 'gst':
        return await runGstCli(rest, loadConfig(env, SCHEDULE_RULES), usageOf('gst'));
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
      default:
        console.error(`kosh: unknown command ${command} (kosh --help lists the commands)`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DatabaseUnreachable || err instanceof StartupError) {
      console.error(err.message);
      return 2;
    }
    if (isOptionError(err)) {
      console.error(`kosh ${command}: ${err.message.replace(/\. To specify.*$/s, '')}\n\n${usageOf(command)}`);
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
          const used = k.last_used_at === null ? 'never used' : `last used ${k.last_used_at.toISOString()}`;
          console.log(`${k.id}  ${k.prefix}…  ${k.status}${until}  ${used}  ${k.name}  [${k.scopes.join(',')}]`);
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

async function serve(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { workers: { type: 'string' } } });
  const config = loadConfig(
    values.workers === undefined ? env : { ...env, KOSH_WORKERS: values.workers },
    SCHEDULE_RULES,
  );
  if (isKoshWorker(env)) return await runWorker(config, env);
  const started = Date.now();
  const kosh = config.workers > 1 ? await startWorkers(config, { workers: config.workers }) : await startKosh(config);
  const ready = ((Date.now() - started) / 1000).toFixed(1);
  const workers = config.workers > 1 ? `, ${config.workers} workers` : '';
  // The banner goes to stderr: stdout carries the log lines.
  console.error(`\nkosh is serving on ${kosh.url}  (ready in ${ready} s${workers})`);
  console.error(`  API docs:  ${kosh.url}/docs      OpenAPI: ${kosh.url}/openapi.json`);
  if (kosh.simulator !== null) {
    console.error(`  gateway:   built-in Razorpay simulator at ${kosh.simulator.url}`);
    // A throwaway key pair for a local test gateway: the README's tour or an SDK saves a test card with it.
    console.error(`             its test key pair (curl -u): ${kosh.simulator.keyId}:${kosh.simulator.keySecret}`);
  }
  if (kosh.generatedAdminKey !== null) {
    console.error(`  admin API key (shown once, store it now): ${kosh.generatedAdminKey}`);
  } else if (config.adminKey !== null) {
    console.error('  authenticate with the KOSH_ADMIN_KEY you configured');
  } else {
    console.error('  authenticate with an existing key, or create one: npx kosh keys create --scopes admin');
  }
  console.error(`  try:       curl -H "Authorization: Bearer <key>" ${kosh.url}/v1/payments?limit=5\n`);
  // SIGHUP or SIGUSR2 to the primary: replace the workers one at a time (new code, new settings), losing no request.
  const rolling = (signal: NodeJS.Signals): void => {
    if (!('rollingRestart' in kosh)) return;
    console.error(`${signal}: rolling restart of ${config.workers} workers`);
    void kosh.rollingRestart().then(() => console.error(`rolling restart done: workers ${kosh.pids().join(', ')}`));
  };
  if (config.workers > 1) {
    process.on('SIGHUP', rolling);
    process.on('SIGUSR2', rolling);
  }
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
  console.error(`${signal}: shutting down (in-flight requests and jobs finish; send it again to exit at once)`);
  await kosh.close();
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  process.off('SIGHUP', rolling);
  process.off('SIGUSR2', rolling);
  console.error('kosh stopped');
  return 0;
}
