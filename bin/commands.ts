import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { SCHEDULE_RULES } from '../pipelines/schedule.js';
import { ConfigError, loadConfig } from '../platform/config.js';
import { DatabaseUnreachable, StartupError } from '../platform/preflight.js';
import { USAGE, usageOf } from './usage.js';

// Only what every command needs is imported here: each command loads its own code when it runs (`import()` below),
// so `kosh serve` checks its configuration, data dir, address and database before the server's code loads (seconds
// of CPU), and a start that cannot work says why at once.

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
        const [{ openDatabase }, { migrate }, { systemClock }] = await Promise.all([
          import('../platform/open-database.js'),
          import('../platform/migrate.js'),
          import('../platform/clock.js'),
        ]);
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
        const [{ openDatabase }, { migrate }, { systemClock }, { createLog }, { runSeedCli }] = await Promise.all([
          import('../platform/open-database.js'),
          import('../platform/migrate.js'),
          import('../platform/clock.js'),
          import('../platform/log.js'),
          import('../data/seed.js'),
        ]);
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
      case 'train': {
        const config = loadConfig(env, SCHEDULE_RULES);
        if (rest[0] === 'forecast') return await (await import('./forecast-cli.js')).runTrainForecastCli(config);
        if (rest[0] === 'churn')
          return await (await import('./train-churn-cli.js')).runTrainChurnCli(rest.slice(1), config);
        return await (await import('./models-cli.js')).runTrainCli(rest, config, USAGE);
      }
      case 'models':
        return await (await import('./models-cli.js')).runModelsCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'jobs':
        return await (await import('./jobs-cli.js')).runJobsCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'gst':
        return await (await import('./gst-cli.js')).runGstCli(rest, loadConfig(env, SCHEDULE_RULES), usageOf('gst'));
      case 'evaluate':
        return await (await import('./evaluate-cli.js')).runEvaluateCli(rest);
      case 'forecast':
        return await (await import('./forecast-cli.js')).runForecastCli(rest);
      case 'export':
        return await (await import('./export-cli.js')).runExportCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'ltv':
        return await (await import('./ltv-cli.js')).runLtvCli(rest);
      case 'lake':
        return await (await import('./lake-cli.js')).runLakeCli(rest, loadConfig(env, SCHEDULE_RULES), USAGE);
      case 'import-duckdb': {
        const config = loadConfig(env, SCHEDULE_RULES);
        return await (await import('./import-duckdb-cli.js')).runImportDuckDbCli(rest, config, USAGE);
      }
      case 'doctor':
        return await (await import('./doctor.js')).runDoctorCli(rest, env);
      case 'razorpay-sim':
        return await (await import('../payments-core/gateway/simulator/cli.js')).runRazorpaySimulatorCli(rest, env);
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
  const [
    { openDatabase },
    { migrate },
    { systemClock },
    { AppError },
    { createApiKey },
    { listApiKeys },
    { revokeApiKey },
    { rotateApiKey },
  ] = await Promise.all([
    import('../platform/open-database.js'),
    import('../platform/migrate.js'),
    import('../platform/clock.js'),
    import('../platform/errors.js'),
    import('../payments-core/api-keys/create-api-key.js'),
    import('../payments-core/api-keys/list-api-keys.js'),
    import('../payments-core/api-keys/revoke-api-key.js'),
    import('../payments-core/api-keys/rotate-api-key.js'),
  ]);
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
  if (cluster.isWorker) {
    const { isKoshWorker, runWorker } = await import('../serving/workers.js');
    if (isKoshWorker(env)) return await runWorker(config, env);
  }
  const started = Date.now();
  // Every check that can refuse the start runs before the server's code loads: the configuration (above), the data
  // dir, the address, and the database (reachable, its files sound, not newer than this kosh).
  const { openDatabaseToServe } = await import('../platform/open-database.js');
  const database = await openDatabaseToServe(config);
  const kosh =
    config.workers > 1
      ? await (await import('../serving/workers.js')).startWorkers(config, { workers: config.workers, database })
      : await (await import('../serving/server.js')).startKosh(config, { database });
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
