// The load generator's worker thread (plain JS: a worker does not inherit tsx's loader). See bench/load.ts.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

function pct(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function generate(spec) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const target = new URL(spec.url);
  let next = 0;
  const send = () =>
    new Promise((resolve) => {
      const body = spec.bodies[next++ % spec.bodies.length] ?? '';
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: spec.method,
          headers: { ...spec.headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(-1));
      req.end(body);
    });

  // Warm-up: JIT, connection setup, caches; not measured.
  const warmUntil = performance.now() + (spec.warmupSeconds ?? 1) * 1000;
  await Promise.all(
    Array.from({ length: spec.connections }, async () => {
      while (performance.now() < warmUntil) await send();
    }),
  );

  const latencies = [];
  let errors = 0;
  let non2xx = 0;
  const record = (status, ms) => {
    if (status < 0) errors++;
    else if (status < 200 || status >= 300) non2xx++;
    latencies.push(ms);
  };
  const started = performance.now();
  const end = started + spec.seconds * 1000;
  if (spec.mode === 'max') {
    await Promise.all(
      Array.from({ length: spec.connections }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          const status = await send();
          record(status, performance.now() - t0);
        }
      }),
    );
  } else {
    // Open loop: every timer tick sends whatever is due by then, without waiting for answers. Latency runs from
    // the actual send (timer ticks are ~1 ms, so a request leaves at most about a millisecond after its slot).
    const rate = spec.rate ?? 1000;
    const total = Math.round(rate * spec.seconds);
    const interval = 1000 / rate;
    const inflight = [];
    let sent = 0;
    while (sent < total) {
      const now = performance.now();
      while (sent < total && started + sent * interval <= now) {
        const t0 = performance.now();
        inflight.push(send().then((status) => record(status, performance.now() - t0)));
        sent++;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inflight);
  }
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    errors,
    non2xx,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: pct(sorted, 50),
    p90Ms: pct(sorted, 90),
    p99Ms: pct(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? 0,
  };
}

generate(workerData).then((r) => parentPort.postMessage(r));
