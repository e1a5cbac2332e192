import cluster, { type Worker } from 'node:cluster';
import type { RazorpaySimulator } from '../payments-core/gateway/simulator/server.js';
import { type Clock, systemClock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import { createLog, type Log } from '../platform/log.js';
import { type OpenedDatabase, openDatabaseToServe } from '../platform/open-database.js';
import { openObjectStore } from '../platform/open-object-store.js';
import { StartupError } from '../platform/preflight.js';
import {
  openGateway,
  prepareDatabase,
  publishServerFile,
  type RunningKosh,
  revokeCliKey,
  startDemoWork,
  startKosh,
} from './server.js';
import { removeServerFile } from './server-file.js';

/**
 * `kosh serve --workers N`: N kosh processes on one port and one database, with node:cluster.
 *
 * The primary does the once-only work and serves nothing itself: it opens the database (starting the embedded
 * cluster, which the workers join by URL), migrates, seeds the demo, starts the ONE simulator every worker charges
 * through (a payment made through one worker must be known to the others), writes the server file with the CLI key,
 * and trains the demo's models. It holds those for the life of the service, so a dead worker loses none of them.
 * Each worker builds the app, listens on the shared port (the primary hands connections round-robin) and runs the
 * scheduler: job runs are claimed in the database, once per tick across workers and machines (pipelines/run-job.ts).
 *
 * Primary → worker messages: stop, reload the fraud models. Worker → primary: ready (listening, with its URL).
 */
interface WorkerSetup {
  readonly databaseUrl: string;
  readonly embeddedDir: string | null;
  /** The primary's simulator, reached through the Razorpay adapter; null when the config names Razorpay itself. */
  readonly simulator: {
    readonly keyId: string;
    readonly keySecret: string;
    readonly apiUrl: string;
    readonly webhookSecrets: readonly string[];
  } | null;
}

type ToWorker = { kosh: 'stop' } | { kosh: 'reload-fraud-models' };
type ToPrimary = { kosh: 'ready'; url: string };

const SETUP_ENV = 'KOSH_WORKER_SETUP';
/** Replacing a worker that keeps dying waits 1 s, 2 s, 4 s … up to this; a worker that lived a minute resets it. */
const MAX_BACKOFF_MS = 30_000;
const STABLE_MS = 60_000;

export interface RunningWorkers {
  readonly url: string;
  readonly simulator: RazorpaySimulator | null;
  readonly generatedAdminKey: string | null;
  /** The pids of the workers serving now. */
  pids(): number[];
  /** Replaces the workers one at a time, each new one listening before the old one drains and stops. */
  rollingRestart(): Promise<void>;
  /** Stops every worker gracefully (they drain), then the primary's simulator, CLI key, models and database. */
  close(): Promise<void>;
}

const isToPrimary = (m: unknown): m is ToPrimary =>
  typeof m === 'object' && m !== null && (m as { kosh?: unknown }).kosh === 'ready';

/** The primary of `kosh serve --workers N` (N ≥ 2): resolves once every worker listens. */
export async function startWorkers(
  config: Config,
  options: { workers: number; clock?: Clock; database?: OpenedDatabase },
): Promise<RunningWorkers> {
  const clock = options.clock ?? systemClock;
  const log = createLog({ level: config.logLevel, format: config.logFormat }).child({ role: 'primary' });
  // Opened and checked by the caller (`kosh serve` does it before it loads this module), or here.
  const database = options.database ?? (await openDatabaseToServe(config));
  const db = database.db;
  log.info({ database: db.location, embedded: database.embedded !== null, workers: options.workers }, 'database');
  database.embedded?.watch((message) => log.error({ dir: database.embedded?.dir }, message));
  const { generatedAdminKey } = await prepareDatabase({ db, clock, log }, config);
  const { gateway, simulator, webhookSecrets, keys } = await openGateway(config, log);
  const setup: WorkerSetup = {
    databaseUrl: config.databaseUrl ?? database.embedded?.url ?? '',
    embeddedDir: database.embedded?.dir ?? null,
    simulator: simulator === null ? null : { ...keys, webhookSecrets },
  };

  const live = new Map<Worker, { slot: number; startedAt: number }>();
  const retiring = new Set<Worker>();
  const failures: number[] = Array.from({ length: options.workers }, () => 0);
  let stopping = false;
  let restarting: Promise<void> | null = null;
  const replacements = new Set<NodeJS.Timeout>();

  /** Forks a worker for `slot`; resolves with it once it listens, rejects if it exits first. */
  const fork = (slot: number): Promise<{ worker: Worker; url: string }> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ [SETUP_ENV]: JSON.stringify(setup), KOSH_WORKER_SLOT: String(slot) });
      const onMessage = (message: unknown) => {
        if (!isToPrimary(message)) return;
        worker.off('exit', onEarlyExit);
        live.set(worker, { slot, startedAt: Date.now() });
        log.info({ slot, pid: worker.process.pid }, 'worker listening');
        resolve({ worker, url: message.url });
      };
      const onEarlyExit = (code: number | null, signal: string | null) => {
        worker.off('message', onMessage);
        reject(new StartupError(`kosh worker ${slot} exited before listening (code ${code}, signal ${signal})`));
      };
      worker.on('message', onMessage);
      worker.once('exit', onEarlyExit);
    });

  const stopWorker = (worker: Worker): Promise<void> =>
    new Promise((resolve) => {
      if (worker.isDead()) return resolve();
      retiring.add(worker);
      worker.once('exit', () => resolve());
      const kill = setTimeout(() => worker.process.kill('SIGKILL'), config.shutdownTimeoutMs + 5_000);
      kill.unref();
      worker.once('exit', () => clearTimeout(kill));
      send(worker, { kosh: 'stop' });
    });

  const send = (worker: Worker, message: ToWorker): void => {
    if (worker.isConnected()) worker.send(message);
  };

  /** A worker that died unasked is replaced in its slot, after a backoff while it keeps dying. */
  const replace = (slot: number, lived: number): void => {
    if (lived >= STABLE_MS) failures[slot] = 0;
    const attempt = failures[slot] ?? 0;
    failures[slot] = attempt + 1;
    const delay = attempt === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (attempt - 1));
    log.warn({ slot, restart_in_ms: delay }, 'starting a new worker in place of the dead one');
    const timer = setTimeout(() => {
      replacements.delete(timer);
      if (stopping) return;
      fork(slot).catch((err: unknown) => {
        log.error({ slot, err: err instanceof Error ? err.message : String(err) }, 'replacement worker failed');
        if (!stopping) replace(slot, 0);
      });
    }, delay);
    replacements.add(timer);
  };

  const onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    const known = live.get(worker);
    live.delete(worker);
    if (retiring.delete(worker) || stopping || known === undefined) return;
    log.error({ slot: known.slot, pid: worker.process.pid, code, signal }, 'kosh worker died');
    replace(known.slot, Date.now() - known.startedAt);
  };
  cluster.on('exit', onExit);

  // The first start: every worker must come up, or the start fails (a broken worker would only crash-loop).
  const started = await Promise.allSettled(Array.from({ length: options.workers }, (_, slot) => fork(slot)));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    stopping = true;
    await Promise.all([...live.keys()].map(stopWorker));
    cluster.off('exit', onExit);
    await simulator?.close();
    await database.close();
    throw failed.reason;
  }
  const first = started[0];
  const url = first?.status === 'fulfilled' ? first.value.url : '';

  simulator?.configure({ webhook: { url: `${url}/webhooks/razorpay`, secret: webhookSecrets[0] ?? '' } });
  const objects = openObjectStore(config);
  await publishServerFile({ db, clock }, config.dataDir, url);
  const demo = await startDemoWork({ db, clock, log, gateway, objects }, config, simulator, async () => {
    for (const worker of live.keys()) send(worker, { kosh: 'reload-fraud-models' });
  });

  const rollingRestart = async (): Promise<void> => {
    for (const [old, { slot }] of [...live]) {
      if (stopping) return;
      try {
        await fork(slot);
      } catch (err) {
        log.error({ slot, err: err instanceof Error ? err.message : String(err) }, 'rolling restart stopped');
        return;
      }
      await stopWorker(old);
      log.info({ slot, old_pid: old.process.pid }, 'worker replaced');
    }
  };

  return {
    url,
    simulator,
    generatedAdminKey,
    pids: () => [...live.keys()].map((w) => w.process.pid ?? 0),
    rollingRestart: () => {
      // One rolling restart at a time: a second signal during one joins it.
      restarting ??= rollingRestart().finally(() => {
        restarting = null;
      });
      return restarting;
    },
    close: async () => {
      stopping = true;
      for (const timer of replacements) clearTimeout(timer);
      removeServerFile(config.dataDir, url);
      await restarting;
      await Promise.all([...live.keys()].map(stopWorker));
      cluster.off('exit', onExit);
      await simulator?.close();
      await revokeCliKey({ db, clock, log });
      await demo.background;
      objects.close();
      await database.close();
    },
  };
}

/** Whether this process is a worker forked by `startWorkers`. */
export const isKoshWorker = (env: Readonly<Record<string, string | undefined>>): boolean =>
  cluster.isWorker && env[SETUP_ENV] !== undefined;

/**
 * A worker: serves with the primary's database and simulator until the primary says stop, the primary is gone
 * (its IPC channel closes), or SIGTERM; SIGINT is left to the primary (a terminal's Ctrl-C reaches both).
 */
export async function runWorker(config: Config, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const setup = JSON.parse(env[SETUP_ENV] ?? '{}') as WorkerSetup;
  const workerConfig: Config = {
    ...config,
    databaseUrl: setup.databaseUrl,
    ...(setup.simulator === null
      ? {}
      : {
          gateway: 'razorpay' as const,
          razorpayKeyId: setup.simulator.keyId,
          razorpayKeySecret: setup.simulator.keySecret,
          razorpayApiUrl: setup.simulator.apiUrl,
          razorpayWebhookSecrets: setup.simulator.webhookSecrets,
        }),
  };
  process.on('SIGINT', () => undefined);
  const kosh: RunningKosh = await startKosh(workerConfig, { worker: { embeddedDir: setup.embeddedDir } });
  const log: Log = createLog({ level: config.logLevel, format: config.logFormat });
  const stop = new Promise<string>((resolve) => {
    process.on('message', (message: ToWorker) => {
      if (message.kosh === 'stop') resolve('stop');
      else if (message.kosh === 'reload-fraud-models') {
        kosh.reloadFraudModels().catch((err: unknown) => log.warn({ err }, 'fraud models not reloaded'));
      }
    });
    process.once('disconnect', () => resolve('primary gone'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.send?.({ kosh: 'ready', url: kosh.url } satisfies ToPrimary);
  const why = await stop;
  log.info({ pid: process.pid, why }, 'worker stopping');
  await kosh.close();
  // The IPC channel would keep this process alive.
  if (process.connected) process.disconnect();
  return 0;
}
