import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { seedDemoData } from '../data/seed.js';
import { FRAUD_FEATURES, type FraudAttempt } from '../features/fraud/feature-set.js';
import { loadOnlineFraudFeatures } from '../features/fraud/online-features.js';
import { paymentRiskFrom } from '../models/fraud/payment-risk.js';
import { createFraudScorer } from '../models/fraud/scorer.js';
import { loadFraudModelSelector } from '../models/registry/fraud-model-selector.js';
import { createApiKey } from '../payments-core/api-keys/create-api-key.js';
import { trainFraud } from '../pipelines/train-fraud.js';
import { systemClock } from '../platform/clock.js';
import { openDb } from '../platform/db.js';
import { createLog } from '../platform/log.js';
import { localObjectStore } from '../platform/objects.js';
import { startBenchApp } from './bench-app.js';
import { createBenchDatabase, startBenchServer } from './bench-database.js';
import { startCpuProfile } from './cpu-profile.js';
import { type LoadResult, runLoad } from './load.js';

export interface ScoreBenchOptions {
  readonly payments: number;
  readonly seconds: number;
  readonly connections: number;
  readonly rate: number;
  readonly rateSeconds: number;
  /** A file to write a CPU profile of the server's thread during kosh's max-throughput phase to. */
  readonly cpuProf?: string | undefined;
}

export interface ScoreBenchResult {
  readonly machine: string;
  readonly demoPayments: number;
  readonly trainSeconds: number;
  readonly modelVersion: string;
  readonly maxKosh: LoadResult;
  readonly maxBare: LoadResult;
  readonly rateKosh: LoadResult;
  readonly rateBare: LoadResult;
  readonly inProcess: { vectorUs: number; modelUs: number; reasonsUs: number; decisionUs: number; batchRowUs: number };
  readonly decisionsLogged: number;
  readonly budgetExceeded: number;
  /**
   * CPU time of the server's thread (this process's main thread, where both apps run) per request in each
   * max-throughput phase: unlike requests/s it hardly moves when other processes share the cores.
   */
  readonly cpuUsPerRequest: { kosh: number; bare: number };
  /** The top frames by self time of that profile, when one was taken. */
  readonly topFrames: string | null;
}

/** CPU time (user + system) of this process's main thread so far, in ms, from /proc (Linux; 10 ms ticks). */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the pid and command.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * `npm run bench -- score`: kosh's POST /v1/fraud/score (auth, rate limit, validation, features, model, rules,
 * decision log) against a bare Fastify route that parses the same JSON and answers a constant, in the same
 * process, loaded by the same worker-thread client: max throughput of each, then latency at a fixed rate.
 */
export async function benchScore(options: ScoreBenchOptions): Promise<ScoreBenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kosh-bench-score-'));
  const log = createLog({ level: 'silent' });
  const server = await startBenchServer();
  const database = await createBenchDatabase(server.url);
  const db = await openDb(database.url);
  try {
    await seedDemoData({ db, clock: systemClock }, { seed: 42, payments: options.payments });
    const objects = localObjectStore(path.join(dir, 'objects'));
    const t0 = performance.now();
    const trained = await trainFraud({ db, objects, clock: systemClock, log }, { inWorker: false });
    const trainSeconds = (performance.now() - t0) / 1000;
    const fraudModels = await loadFraudModelSelector({ db, objects, clock: systemClock, log }, { refreshMs: 0 });
    const features = await loadOnlineFraudFeatures({ db }, { now: systemClock.now() });
    const scorer = await createFraudScorer({ db, clock: systemClock, log, features, models: fraudModels });
    await scorer.rules.create({ text: 'review if score > 0.6 and amount > 500000', description: 'bench rule' });
    await scorer.rules.create({
      kind: 'velocity_cap',
      field: 'device_id',
      value: 20,
      window_seconds: 600,
      action: 'review',
    });
    await scorer.rules.create({ kind: 'block_list', field: 'ip', value: '198.51.100.0/24' });

    const kosh = await startBenchApp(db, log, {
      objects,
      fraudModels,
      fraudScorer: scorer,
      paymentRisk: paymentRiskFrom({ db, clock: systemClock, log }, scorer),
    });
    const koshUrl = kosh.url;
    const key = (await createApiKey({ db, clock: systemClock }, { name: 'bench checkout', scopes: ['checkout:score'] }))
      .secret;

    // The baseline: the same JSON in, a constant decision out, nothing else.
    const bare = Fastify({ logger: false });
    bare.post('/score', async () => ({ object: 'fraud_decision', decision: 'allow', score: 0.01 }));
    const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });

    // Realistic attempts: recent demo customers with their methods, devices and IPs, and new devices now and then.
    const recent = await db.all<{
      customer_id: string;
      payment_method_id: string | null;
      device_id: string | null;
      ip: string | null;
      amount_minor: number;
    }>(
      'SELECT customer_id, payment_method_id, device_id, ip, amount_minor FROM payments WHERE created_at >= $since LIMIT 2000',
      { since: new Date(systemClock.now().getTime() - 30 * 86_400_000) },
    );
    const bodies = recent.map((r, i) =>
      JSON.stringify({
        customer_id: r.customer_id,
        amount: r.amount_minor,
        ...(r.payment_method_id === null ? {} : { payment_method_id: r.payment_method_id }),
        device_id: i % 10 === 0 ? `dev_new_${i}` : (r.device_id ?? 'dev_unknown'),
        ip: r.ip ?? '203.0.113.7',
      }),
    );
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const base = { method: 'POST' as const, headers, bodies, connections: options.connections, warmupSeconds: 2 };

    const profiler = options.cpuProf === undefined ? null : await startCpuProfile();
    let cpu0 = mainThreadCpuMs();
    const maxKosh = await runLoad({ ...base, url: `${koshUrl}/v1/fraud/score`, mode: 'max', seconds: options.seconds });
    // Requests in the warm-up are not counted by the load generator but do use CPU: spread over counted ones, a
    // bias of warm-up/seconds (20 % by default) that is the same for both routes.
    const koshCpuMs = mainThreadCpuMs() - cpu0;
    const topFrames = profiler === null || options.cpuProf === undefined ? null : await profiler.stop(options.cpuProf);
    cpu0 = mainThreadCpuMs();
    const maxBare = await runLoad({ ...base, url: `${bareUrl}/score`, mode: 'max', seconds: options.seconds });
    const bareCpuMs = mainThreadCpuMs() - cpu0;
    const rateKosh = await runLoad({
      ...base,
      url: `${koshUrl}/v1/fraud/score`,
      mode: 'rate',
      rate: options.rate,
      seconds: options.rateSeconds,
    });
    const rateBare = await runLoad({
      ...base,
      url: `${bareUrl}/score`,
      mode: 'rate',
      rate: options.rate,
      seconds: options.rateSeconds,
    });
    await scorer.decisions.flush();
    const logged = await db.one<{ n: number; over: number }>(
      'SELECT count(*) AS n, count(*) FILTER (WHERE budget_exceeded) AS over FROM fraud_decisions',
    );

    // In-process cost per row: the feature vector, the model, its reasons, a whole decision, batch scoring.
    const attempts: FraudAttempt[] = recent.map((r, i) => ({
      id: `att_${i}`,
      customer_id: r.customer_id,
      school_id: '',
      amount: r.amount_minor,
      method_fingerprint: r.payment_method_id,
      device_id: r.device_id,
      ip: r.ip,
      at: systemClock.now(),
    }));
    const picked = fraudModels.pick(attempts[0]?.customer_id ?? '').primary;
    if (picked === null) throw new Error('no model');
    const vectors = attempts.map((a) => features.vector(a));
    const time = (n: number, f: (i: number) => unknown) => {
      for (let i = 0; i < Math.min(n, 2000); i++) f(i);
      const s = performance.now();
      for (let i = 0; i < n; i++) f(i);
      return ((performance.now() - s) * 1000) / n;
    };
    const n = 20_000;
    const vectorUs = time(n, (i) => features.vector(attempts[i % attempts.length] as FraudAttempt));
    const modelUs = time(n, (i) => picked.model.score(vectors[i % vectors.length] as Float64Array));
    const reasonsUs = time(n, (i) => picked.model.reasons(vectors[i % vectors.length] as Float64Array, 3));
    const ds = performance.now();
    for (let i = 0; i < 5000; i++) {
      const a = attempts[i % attempts.length] as FraudAttempt;
      await scorer.score({ customer_id: a.customer_id, amount: a.amount, device_id: a.device_id, ip: a.ip });
    }
    const decisionUs = ((performance.now() - ds) * 1000) / 5000;
    const batchRows = Array.from({ length: 100_000 }, (_, i) => vectors[i % vectors.length] as Float64Array);
    const bs = performance.now();
    picked.model.scoreMany(batchRows);
    const batchRowUs = ((performance.now() - bs) * 1000) / batchRows.length;

    await kosh.close();
    await bare.close();
    await scorer.close();
    fraudModels.close();
    const cpu = os.cpus();
    return {
      machine: `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
      demoPayments: options.payments,
      trainSeconds,
      modelVersion: trained.model.id,
      maxKosh,
      maxBare,
      rateKosh,
      rateBare,
      inProcess: { vectorUs, modelUs, reasonsUs, decisionUs, batchRowUs },
      decisionsLogged: logged?.n ?? 0,
      budgetExceeded: logged?.over ?? 0,
      cpuUsPerRequest: {
        kosh: (1000 * koshCpuMs) / Math.max(1, maxKosh.requests),
        bare: (1000 * bareCpuMs) / Math.max(1, maxBare.requests),
      },
      topFrames,
    };
  } finally {
    await db.close();
    await database.drop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printScoreBench(r: ScoreBenchResult, o: ScoreBenchOptions): void {
  const f = (x: number, d = 2) => x.toFixed(d);
  console.log(`machine: ${r.machine}`);
  console.log(
    `demo payments: ${r.demoPayments.toLocaleString('en')}; model ${r.modelVersion} trained in-process in ${f(r.trainSeconds, 1)} s; ${FRAUD_FEATURES.length} features`,
  );
  console.log(
    `\nmax throughput, ${o.connections} keep-alive connections, ${o.seconds} s each, client in a worker thread of the same process:`,
  );
  console.log('| route | requests/s | p50 ms | p99 ms | errors / non-2xx |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const row = (name: string, x: LoadResult) =>
    console.log(
      `| ${name} | ${Math.round(x.perSecond).toLocaleString('en')} | ${f(x.p50Ms)} | ${f(x.p99Ms)} | ${x.errors} / ${x.non2xx} |`,
    );
  row('bare Fastify POST /score (baseline)', r.maxBare);
  row('kosh POST /v1/fraud/score', r.maxKosh);
  console.log(`throughput ratio kosh / bare: ${f(r.maxKosh.perSecond / r.maxBare.perSecond, 3)} (goal ≥ 0.5)`);
  const c = r.cpuUsPerRequest;
  console.log(
    `server-thread CPU per request: kosh ${f(c.kosh, 0)} µs, bare ${f(c.bare, 0)} µs (ratio bare / kosh ${f(c.bare / c.kosh, 3)}: the throughput ratio on a core of its own)`,
  );
  console.log(
    `\nfixed rate ${o.rate.toLocaleString('en')} requests/s for ${o.rateSeconds} s (open loop, sent on ~1 ms timer ticks, latency from each send):`,
  );
  console.log('| route | achieved/s | p50 ms | p90 ms | p99 ms | max ms | errors / non-2xx |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const rrow = (name: string, x: LoadResult) =>
    console.log(
      `| ${name} | ${Math.round(x.perSecond).toLocaleString('en')} | ${f(x.p50Ms)} | ${f(x.p90Ms)} | ${f(x.p99Ms)} | ${f(x.maxMs)} | ${x.errors} / ${x.non2xx} |`,
    );
  rrow('bare Fastify POST /score', r.rateBare);
  rrow('kosh POST /v1/fraud/score', r.rateKosh);
  console.log(`p99 goal ≤ 5 ms: ${r.rateKosh.p99Ms <= 5 ? 'met' : 'missed'}`);
  console.log('\nin-process cost per row (µs):');
  console.log('| step | µs |');
  console.log('| --- | ---: |');
  console.log(`| online feature vector | ${f(r.inProcess.vectorUs)} |`);
  console.log(`| model score (calibrated probability) | ${f(r.inProcess.modelUs)} |`);
  console.log(`| model reasons (top 3 contributions) | ${f(r.inProcess.reasonsUs)} |`);
  console.log(
    `| whole decision (scorer.score: features, model, reasons, rules, log buffer) | ${f(r.inProcess.decisionUs)} |`,
  );
  console.log(`| batch scoring (scoreMany, 100k rows) per row | ${f(r.inProcess.batchRowUs)} |`);
  console.log(
    `\ndecisions logged to fraud_decisions during the run: ${r.decisionsLogged.toLocaleString('en')} (budget exceeded: ${r.budgetExceeded})`,
  );
  if (r.topFrames !== null) {
    console.log(`\ntop frames by self time, server thread, kosh max-throughput phase (profile: ${o.cpuProf}):`);
    console.log(r.topFrames);
  }
}
