import os from 'node:os';
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { REGISTRY_STAMP } from '../models/registry/repository.js';
import { systemClock } from '../platform/clock.js';
import { openDb } from '../platform/db.js';
import { countHits } from '../platform/rate-windows.js';
import { sharedRateLimitStore } from '../serving/plugins/shared-rate-limit.js';
import { createBenchDatabase, startBenchServer } from './bench-database.js';

/**
 * `npx tsx bench/shared-state.ts`: what sharing state through PostgreSQL costs a request (kosh issue 17 §1). A bare
 * Fastify app with @fastify/rate-limit, once with its in-memory store and once with kosh's PostgreSQL store, answers
 * GET / through `inject` (no socket): the difference is the limit's added latency. Also the model registry's stamp
 * query, which every process runs once a second.
 */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.ceil(q * xs.length) - 1] ?? Number.NaN;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function main(): Promise<void> {
  const server = await startBenchServer();
  const database = await createBenchDatabase(server.url);
  const db = await openDb(database.url);
  console.log(
    `database: ${server.label}; load average before: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const apps = {
    memory: Fastify(),
    postgres: Fastify(),
  };
  await apps.memory.register(rateLimit, { global: true, max: 1e9, timeWindow: 60_000 });
  await apps.postgres.register(rateLimit, {
    global: true,
    max: 1e9,
    timeWindow: 60_000,
    store: sharedRateLimitStore({ db, clock: systemClock }),
  });
  for (const app of Object.values(apps)) app.get('/', async () => ({ ok: true }));

  const sequential = async (app: (typeof apps)['memory'], n: number, key: (i: number) => string) => {
    const lat: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await app.inject({ url: '/', remoteAddress: key(i) });
      lat.push(ms(t0));
    }
    return lat;
  };
  const concurrent = async (
    app: (typeof apps)['memory'],
    clients: number,
    each: number,
    key: (c: number) => string,
  ) => {
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; i < each; i++) await app.inject({ url: '/', remoteAddress: key(c) });
      }),
    );
    return (clients * each) / (ms(t0) / 1000);
  };

  const rows: string[] = [];
  for (let run = 1; run <= 3; run++) {
    for (const [name, app] of Object.entries(apps)) {
      await sequential(app, 200, () => '10.0.0.1'); // warm-up
      const one = await sequential(app, 2000, () => '10.0.0.1');
      const same = await concurrent(app, 16, 250, () => '10.0.0.2');
      const distinct = await concurrent(app, 16, 250, (c) => `10.0.1.${c}`);
      rows.push(
        `run ${run} ${name.padEnd(8)} sequential p50 ${median(one).toFixed(3)} ms p99 ${pct(one, 0.99).toFixed(3)} ms | ` +
          `16 clients one key ${same.toFixed(0)} req/s | 16 clients 16 keys ${distinct.toFixed(0)} req/s`,
      );
      console.log(rows.at(-1));
    }
    const upsert: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t0 = process.hrtime.bigint();
      await countHits(db, { scope: 'requests', client: 'bench', nowMs: Date.now(), windowMs: 60_000 });
      upsert.push(ms(t0));
    }
    const stamp: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t0 = process.hrtime.bigint();
      await db.one(REGISTRY_STAMP);
      stamp.push(ms(t0));
    }
    console.log(
      `run ${run} countHits upsert p50 ${median(upsert).toFixed(3)} ms p99 ${pct(upsert, 0.99).toFixed(3)} ms | ` +
        `registry stamp p50 ${median(stamp).toFixed(3)} ms p99 ${pct(stamp, 0.99).toFixed(3)} ms`,
    );
  }
  console.log(
    `load average after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const app of Object.values(apps)) await app.close();
  await db.close();
  await database.drop();
  await server.stop();
}

await main();
