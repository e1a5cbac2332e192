import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { DestinationStream } from 'pino';
import { runDemoPayouts } from '../data/demo-payouts.js';
import { runDemoReconciliation } from '../data/demo-reconciliation.js';
import { isDatabaseEmpty, seedDemoData } from '../data/seed.js';
import { seedDashboardDemo } from '../data/seed-dashboard-demo.js';
import { loadFollowedOnlineFraudFeatures } from '../features/fraud/follow-payment-changes.js';
import { paymentRiskFrom } from '../models/fraud/payment-risk.js';
import { createFraudScorer } from '../models/fraud/scorer.js';
import { listModels } from '../models/registry/find-models.js';
import { loadFraudModelSelector } from '../models/registry/fraud-model-selector.js';
import { createApiKey } from '../payments-core/api-keys/create-api-key.js';
import { COUNT_KEYS } from '../payments-core/api-keys/repository.js';
import { revokeApiKeysNamed } from '../payments-core/api-keys/revoke-api-keys.js';
import type { PaymentGateway } from '../payments-core/gateway/port.js';
import { createRazorpayGateway } from '../payments-core/gateway/razorpay-gateway.js';
import { type RazorpaySimulator, startRazorpaySimulator } from '../payments-core/gateway/simulator/server.js';
import { syncInvoiceSupplier } from '../payments-core/invoices/sync-invoice-supplier.js';
import { createWebhookInbox } from '../payments-core/webhooks/webhook-inbox.js';
import { buildChurnReport } from '../pipelines/churn-report.js';
import { JOBS } from '../pipelines/jobs.js';
import { LAKE_APPEND_EVERY_MS, startLakeAppender } from '../pipelines/lake/start-lake-appender.js';
import { createJobRuntime } from '../pipelines/run-job.js';
import { resolveSchedules, type Scheduler, startScheduler } from '../pipelines/schedule.js';
import { trainChurn } from '../pipelines/train-churn.js';
import { trainFraud } from '../pipelines/train-fraud.js';
import { type Clock, systemClock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import type { Db } from '../platform/db.js';
import { clusterPresent } from '../platform/embedded-postgres.js';
import { killPointsFrom } from '../platform/kill-points.js';
import { createLog, type Log } from '../platform/log.js';
import { openMailer } from '../platform/mail.js';
import { createMetrics } from '../platform/metrics.js';
import { migrate, refuseNewerDatabase } from '../platform/migrate.js';
import type { ObjectStore } from '../platform/objects.js';
import { type OpenedDatabase, openDatabaseToServe } from '../platform/open-database.js';
import { openObjectStore } from '../platform/open-object-store.js';
import { type App, buildApp } from './app.js';
import { removeServerFile, writeServerFile } from './server-file.js';

/** The admin key a server makes for the CLI on its host; revoked when it stops, or at the next start after a crash. */
const CLI_KEY_NAME = 'kosh CLI (local server)';
/** net.Server's close: stops listening without http.Server's closing of idle connections (see `drain`). */
const netServerClose = NetServer.prototype.close;

export interface RunningKosh {
  readonly app: App;
  readonly url: string;
  readonly db: Db;
  readonly simulator: RazorpaySimulator | null;
  /** Null when `KOSH_SCHEDULER=off`. */
  readonly scheduler: Scheduler | null;
  /** The admin key generated at this start, shown once; null when one was configured or already existed. */
  readonly generatedAdminKey: string | null;
  /** Loads the fraud models the registry names now (a `--workers` primary asks after training the demo model). */
  reloadFraudModels(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Set in a worker of `kosh serve --workers N` (serving/workers.ts): the primary has done the once-only work (the
 * embedded database, migrations, demo data, the simulator, the server file and the CLI key, the demo's models), so
 * this process only builds the app, listens on the shared port and runs the scheduler. Its stop drains first:
 * answers carry `Connection: close` and new connections go to the other workers before the app closes, so a rolling
 * restart answers every request (a closing Fastify answers 503 on a kept-alive connection).
 */
export interface ClusterWorkerOptions {
  /** The embedded cluster's directory (for /readyz), or null on KOSH_DATABASE_URL. */
  readonly embeddedDir: string | null;
}

/**
 * The gateway for this configuration: Razorpay itself, or the built-in simulator driven through the same SDK adapter.
 * The simulator judges card expiry on `clock`, kosh's own, so a test on a fixed day meets the same cards every year.
 */
export async function openGateway(
  config: Config,
  log: Log,
  clock: Clock = systemClock,
): Promise<{
  gateway: PaymentGateway;
  simulator: RazorpaySimulator | null;
  webhookSecrets: readonly string[];
  /** The keys the gateway adapter uses: other processes reach the same simulator with them. */
  keys: { keyId: string; keySecret: string; apiUrl: string };
}> {
  if (config.gateway === 'razorpay') {
    return {
      keys: {
        keyId: config.razorpayKeyId ?? '',
        keySecret: config.razorpayKeySecret ?? '',
        apiUrl: config.razorpayApiUrl,
      },
      gateway: createRazorpayGateway({
        keyId: config.razorpayKeyId ?? '',
        keySecret: config.razorpayKeySecret ?? '',
        apiUrl: config.razorpayApiUrl,
      }),
      simulator: null,
      webhookSecrets: config.razorpayWebhookSecrets,
    };
  }
  const keyId = config.razorpayKeyId ?? `rzp_test_${randomBytes(7).toString('hex')}`;
  const keySecret = config.razorpayKeySecret ?? randomBytes(18).toString('base64url');
  const webhookSecrets =
    config.razorpayWebhookSecrets.length > 0 ? config.razorpayWebhookSecrets : [randomBytes(18).toString('base64url')];
  const simulator = await startRazorpaySimulator({
    keyId,
    keySecret,
    refundProcessingMs: 2000,
    now: () => clock.now(),
  });
  log.info({ url: simulator.url }, 'Razorpay simulator listening on loopback');
  return {
    gateway: createRazorpayGateway({ keyId, keySecret, apiUrl: simulator.url }),
    simulator,
    webhookSecrets,
    keys: { keyId, keySecret, apiUrl: simulator.url },
  };
}

/**
 * The once-only start of a database: migrations, the invoice supplier, demo data into an empty database, the
 * bootstrap or demo admin key. Returns the admin key generated now (shown once), or null.
 */
export async function prepareDatabase(
  deps: { db: Db; clock: Clock; log: Log },
  config: Config,
): Promise<{ generatedAdminKey: string | null }> {
  const { db, clock, log } = deps;
  await refuseNewerDatabase(db);
  const applied = await migrate(db, clock);
  if (applied.length > 0) log.info({ migrations: applied.map((m) => m.version) }, 'migrations applied');
  await syncInvoiceSupplier({ db, clock }, config.invoicing.supplier);

  if (config.demo && (await isDatabaseEmpty(db))) {
    const started = Date.now();
    const summary = await seedDemoData(
      { db, clock, log },
      { seed: config.demoSeed, payments: config.demoPayments, churn: true },
    );
    log.info({ ...summary, ms: Date.now() - started }, 'demo data seeded');
    // What the dashboard shows beyond payments: subscriptions and their changes, invoices, fraud decisions, an alert.
    const business = await seedDashboardDemo({ db, clock, log }, { seed: config.demoSeed });
    log.info(business, 'demo subscriptions, invoices, fraud decisions and alert seeded');
  }

  let generatedAdminKey: string | null = null;
  if (config.adminKey !== null) {
    await createApiKey({ db, clock }, { name: 'bootstrap admin', scopes: ['admin'], secret: config.adminKey });
  } else if (config.demo && ((await db.one<{ n: number }>(COUNT_KEYS))?.n ?? 0) === 0) {
    generatedAdminKey = (await createApiKey({ db, clock }, { name: 'demo admin', scopes: ['admin'] })).secret;
  }
  return { generatedAdminKey };
}

/**
 * The demo's once-only extras after the server listens: a reconciliation of the latest day against the simulator
 * and each school's payout up to last month (awaited), then in the background the first fraud model (`onFraudModel`
 * runs once it is registered) and the first churn report. Returns the background work, which never rejects.
 */
export async function startDemoWork(
  deps: { db: Db; clock: Clock; log: Log; gateway: PaymentGateway; objects: ObjectStore },
  config: Config,
  simulator: RazorpaySimulator | null,
  onFraudModel: () => Promise<void>,
): Promise<{ background: Promise<unknown> }> {
  const { db, clock, log, gateway, objects } = deps;
  if (!config.demo) return { background: Promise.resolve() };
  if (simulator !== null) {
    // The simulator starts empty: show a reconciliation of the demo's latest day, with discrepancies.
    await runDemoReconciliation({ db, clock, gateway, simulator })
      .then(
        (run) =>
          run &&
          log.info({ run_id: run.id, report_date: run.report_date, summary: run.summary }, 'demo reconciliation'),
      )
      .catch((err: unknown) => log.warn({ err }, 'demo reconciliation failed'));
  }
  // Each school paid what it was owed at the end of last month, so the ledger shows a realistic owed figure.
  await runDemoPayouts({ db, clock })
    .then((paid) => paid.payouts > 0 && log.info(paid, 'demo payouts'))
    .catch((err: unknown) => log.warn({ err }, 'demo payouts failed'));

  // The demo's first fraud model: trained in a worker thread after the server is up (scores are rules-only
  // until it lands, about 10 s on the default demo data), so the checkout has a champion to ask.
  let demoTraining: Promise<unknown> = Promise.resolve();
  if ((await listModels({ db }, { task: 'fraud' })).length === 0) {
    demoTraining = trainFraud({ db, objects, clock, log }, { seed: config.demoSeed })
      .then(async (trained) => {
        await onFraudModel();
        log.info({ version: trained.model.id, metrics: trained.model.metrics }, 'demo fraud model trained');
      })
      .catch((err: unknown) => log.warn({ err }, 'demo fraud model training failed'));
  }
  // The demo's first churn report (the dashboard's churn panel): a quick logistic model in a worker, then the report,
  // in the background; the nightly job retrains with every candidate.
  let demoChurn: Promise<unknown> = Promise.resolve();
  if ((await listModels({ db }, { task: 'churn' })).length === 0) {
    demoChurn = trainChurn({ db, objects, clock, log }, { seed: config.demoSeed, candidates: ['logistic_regression'] })
      .then(() => buildChurnReport({ db, objects, clock, log }, clock.now()))
      .then((r) => log.info({ report_date: r.report_date, at_risk: r.at_risk }, 'demo churn report made'))
      .catch((err: unknown) => log.warn({ err }, 'demo churn report failed'));
  }
  return { background: Promise.all([demoTraining, demoChurn]) };
}

/** The server file for the CLI on this host: the URL and a fresh admin key (the previous start's is revoked). */
export async function publishServerFile(deps: { db: Db; clock: Clock }, dataDir: string, url: string): Promise<void> {
  await revokeApiKeysNamed(deps, CLI_KEY_NAME);
  const cliKey = await createApiKey(deps, { name: CLI_KEY_NAME, scopes: ['admin'] });
  writeServerFile(dataDir, {
    url,
    pid: process.pid,
    admin_key: cliKey.secret,
    started_at: deps.clock.now().toISOString(),
  });
}

/** The CLI's key dies with the server; with the database gone the stop goes on (the next start revokes it). */
export async function revokeCliKey(deps: { db: Db; clock: Clock; log: Log }): Promise<void> {
  await revokeApiKeysNamed(deps, CLI_KEY_NAME).catch((err: unknown) =>
    deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'CLI key not revoked at stop'),
  );
}

/** Opens storage, applies migrations, seeds demo data into an empty database, and serves. */
export async function startKosh(
  config: Config,
  options: {
    clock?: Clock;
    logDestination?: DestinationStream;
    worker?: ClusterWorkerOptions;
    /** The database `openDatabaseToServe` opened for this config; the server closes it when it stops. */
    database?: OpenedDatabase;
  } = {},
): Promise<RunningKosh> {
  const worker = options.worker ?? null;
  const clock = options.clock ?? systemClock;
  const log = createLog({
    level: config.logLevel,
    format: config.logFormat,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  // Opened and checked by the caller (`kosh serve` does it before it loads this module), or here.
  const database = options.database ?? (await openDatabaseToServe(config, { listen: worker === null }));
  const db = database.db;
  log.info({ database: db.location, embedded: database.embedded !== null }, 'database');
  database.embedded?.watch((message) => log.error({ dir: database.embedded?.dir }, message));
  // What /readyz checks besides the database: the data dir (objects, the embedded cluster) is still there.
  const embeddedDir = database.embedded?.dir ?? worker?.embeddedDir ?? null;
  const storageProblems = (): string[] => [
    ...(existsSync(config.dataDir) ? [] : [`data dir ${config.dataDir} is missing`]),
    ...(embeddedDir === null || clusterPresent(embeddedDir) ? [] : [`database files under ${embeddedDir} are missing`]),
  ];
  // A refusal here (a database newer than the code) stops the embedded PostgreSQL it started, so the CLI can exit.
  const { generatedAdminKey } =
    worker === null
      ? await prepareDatabase({ db, clock, log }, config).catch(async (err: unknown) => {
          await database.close();
          throw err;
        })
      : { generatedAdminKey: null };

  const { gateway, simulator, webhookSecrets } = await openGateway(config, log, clock);
  const kill = killPointsFrom(config.killAt);
  const inbox = createWebhookInbox({ db, clock, log, gateway, kill });
  const jobRuntime = createJobRuntime(resolveSchedules(JOBS, config.schedules));
  const objects = openObjectStore(config);
  log.info({ objects: objects.where }, 'object store');
  const mailer = openMailer(config);
  log.info({ mail: mailer.transport.kind }, 'mail transport');
  const fraudModels = await loadFraudModelSelector({ db, objects, clock, log });
  // One metrics registry per process: HTTP, payments, fraud and jobs record into it; /metrics serves it.
  const metrics = createMetrics();
  // The payments change feed's readers in this process: the online fraud features (every 200 ms, from their load)
  // and the lake appender (every 10 s, with the scheduler's background work; one process at a time holds its
  // cursor). Both stop before the database closes.
  const fraudFeed = config.fraudScoring
    ? await loadFollowedOnlineFraudFeatures({ db, clock, log }, { now: clock.now(), intervalMs: 200 })
    : null;
  const lakeAppender = config.scheduler
    ? startLakeAppender({ db, objects, clock, log }, { intervalMs: LAKE_APPEND_EVERY_MS })
    : null;
  // The fraud scorer: online features rebuilt from PostgreSQL and fed by the feed, the selector's models, the rules.
  const fraudScorer = fraudFeed
    ? await createFraudScorer(
        {
          db,
          clock,
          log,
          features: fraudFeed.features,
          models: fraudModels,
          metrics,
        },
        { budgetMs: config.fraudBudgetMs },
      )
    : null;
  const app = await buildApp({
    db,
    clock,
    gateway,
    log,
    inbox,
    jobRuntime,
    objects,
    mailer,
    fraudModels,
    ...(fraudScorer === null ? {} : { fraudScorer, paymentRisk: paymentRiskFrom({ db, clock, log }, fraudScorer) }),
    metrics,
    alerting: config.alerting,
    dunning: config.dunning,
    billing: config.billing,
    invoicing: config.invoicing,
    kill,
    storageProblems,
    config: {
      idempotencyLockMs: config.idempotencyLockMs,
      authFailuresPerMinute: config.authFailuresPerMinute,
      requestTimeoutMs: config.requestTimeoutMs,
      connectionTimeoutMs: config.connectionTimeoutMs,
      uploadLimitBytes: config.uploadLimitBytes,
      webhookSecrets,
      webhookAllowCidrs: config.webhookAllowCidrs,
      denyCidrs: config.denyCidrs,
      rateLimitPerMinute: config.rateLimitPerMinute,
      metricsToken: config.metricsToken,
      testClocks: config.testClocks,
    },
  });
  const closing = worker === null ? null : trackConnections(app);
  if (closing !== null) {
    app.addHook('onSend', async (_request, reply, payload) => {
      if (closing.draining) reply.header('connection', 'close');
      return payload;
    });
  }
  const address = await app.listen({ port: config.port, host: config.host });
  const url = address.replace('[::1]', 'localhost');
  simulator?.configure({ webhook: { url: `${url}/webhooks/razorpay`, secret: webhookSecrets[0] ?? '' } });
  const demo =
    worker === null
      ? await startDemoWork({ db, clock, log, gateway, objects }, config, simulator, () => fraudModels.reload())
      : { background: Promise.resolve() };

  // Events stored before a stop are applied now; the webhook-retry job retries failures every minute.
  inbox.kick();
  const scheduler = config.scheduler
    ? startScheduler({
        db,
        clock,
        gateway,
        log,
        inbox,
        objects,
        mailer,
        metrics,
        alerting: config.alerting,
        dunning: config.dunning,
        billing: config.billing,
        invoicing: config.invoicing,
        runtime: jobRuntime,
      })
    : null;

  if (worker === null) await publishServerFile({ db, clock }, config.dataDir, url);

  return {
    app,
    url,
    db,
    simulator,
    scheduler,
    generatedAdminKey,
    reloadFraudModels: () => fraudModels.reload(),
    close: async () => {
      if (worker === null) removeServerFile(config.dataDir, url);
      if (closing !== null) await drain(app, closing, config.shutdownTimeoutMs);
      // Graceful, in order: no new job run starts (the timers stop now); the listener stops accepting and
      // in-flight requests finish (connections still open after the shutdown timeout are cut); the job runs in
      // progress finish, awaited up to the same timeout; only then the gateway, the inbox and the database close.
      const jobsStopped = scheduler?.stop({ timeoutMs: config.shutdownTimeoutMs }) ?? Promise.resolve(true);
      const cut = setTimeout(() => app.server.closeAllConnections(), config.shutdownTimeoutMs);
      // A keep-alive connection whose request finishes during the stop would otherwise hold it until the cut.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
      await app.close();
      clearInterval(sweep);
      clearTimeout(cut);
      if (!(await jobsStopped)) {
        log.warn(
          { timeout_ms: config.shutdownTimeoutMs },
          'job runs still in progress at shutdown; their leases expire',
        );
      }
      await simulator?.close();
      await inbox.idle();
      // The CLI's key dies with the server; with the database gone the stop goes on (the next start revokes it).
      if (worker === null) await revokeCliKey({ db, clock, log });
      await demo.background;
      fraudModels.close();
      await fraudFeed?.feed.stop();
      await lakeAppender?.stop();
      await fraudScorer?.close();
      objects.close();
      await mailer.transport.close();
      await database.close();
    },
  };
}

/**
 * What a worker's drain needs to know of each connection: requests in progress, and whether it served one (an idle
 * connection that has served is a kept-alive one, closed at the drain; a new one has its request still to come).
 */
interface Drain {
  draining: boolean;
  /** Per connection: requests in progress, and when it last finished one (null: none yet). */
  readonly sockets: Map<Socket, { active: number; idleSince: number | null }>;
}

/**
 * How long a kept-alive connection may stay idle during a drain before it is closed: a client that is still sending
 * sends within it and gets its answer with `Connection: close`; closing at once would cut a request already on its way.
 */
const DRAIN_IDLE_MS = 1_000;

function trackConnections(app: App): Drain {
  const state: Drain = { draining: false, sockets: new Map() };
  app.server.on('connection', (socket: Socket) => {
    state.sockets.set(socket, { active: 0, idleSince: null });
    socket.once('close', () => state.sockets.delete(socket));
  });
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const entry = state.sockets.get(request.socket);
    if (entry === undefined) return;
    entry.active++;
    response.once('close', () => {
      entry.active--;
      entry.idleSince = Date.now();
    });
  });
  return state;
}

/**
 * A worker's stop before its app closes. Node's own server.close() closes idle connections, and a connection the
 * primary has just handed over is idle until its request arrives: that request would be lost. So: every answer from
 * now on closes its connection (`Connection: close`); the listening handle leaves the shared port (the primary hands
 * new connections to the other workers); kept-alive connections idle now are closed; the others end after their
 * answer. Resolves once every connection has ended, or after `timeoutMs`.
 */
async function drain(app: App, state: Drain, timeoutMs: number): Promise<void> {
  state.draining = true;
  netServerClose.call(app.server);
  const deadline = Date.now() + timeoutMs;
  while (state.sockets.size > 0 && Date.now() < deadline) {
    const idleBefore = Date.now() - DRAIN_IDLE_MS;
    for (const [socket, { active, idleSince }] of state.sockets) {
      if (active === 0 && idleSince !== null && idleSince < idleBefore) socket.destroy();
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
