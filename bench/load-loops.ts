import { performance } from 'node:perf_hooks';

/** Work done under load: how many, how fast, how long each took (ms). */
export interface LoadFigures {
  readonly done: number;
  readonly errors: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly firstError: string | null;
  /** Open loop only: arrivals not started because `maxInFlight` were already running (the system fell behind). */
  readonly shed: number;
}

export function figures(
  latencies: number[],
  errors: number,
  seconds: number,
  firstError: string | null,
  shed = 0,
): LoadFigures {
  const sorted = Float64Array.from(latencies).sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return {
    done: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: sorted[sorted.length - 1] ?? 0,
    firstError,
    shed,
  };
}

/** C clients back to back, each starting the next unit of work at once, until `count` are done or `seconds` pass. */
export async function closedLoop(
  clients: number,
  count: number,
  seconds: number,
  pay: (n: number) => Promise<void>,
): Promise<LoadFigures> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count && performance.now() < deadline) {
        const n = next++;
        const t0 = performance.now();
        try {
          await pay(n);
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors++;
          firstError ??= String(err);
        }
      }
    }),
  );
  return figures(latencies, errors, (performance.now() - started) / 1000, firstError);
}

/**
 * Open loop: arrival k is due at start + k / rate and starts on the first timer tick after; latency from its due
 * time. A system slower than the rate would pile up without end: arrivals beyond `maxInFlight` running at once are
 * shed (counted, not started), so a saturated run ends soon after its window and says so.
 */
export async function openLoop(
  rate: number,
  seconds: number,
  pay: (n: number) => Promise<void>,
  maxInFlight = 200,
): Promise<LoadFigures> {
  const latencies: number[] = [];
  let errors = 0;
  let shed = 0;
  let running = 0;
  let firstError: string | null = null;
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const inflight: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && started + sent * interval <= now) {
      const due = started + sent * interval;
      const n = sent++;
      if (running >= maxInFlight) {
        shed++;
        continue;
      }
      running++;
      inflight.push(
        pay(n).then(
          () => {
            running--;
            latencies.push(performance.now() - due);
          },
          (err) => {
            running--;
            errors++;
            firstError ??= String(err);
          },
        ),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  return figures(latencies, errors, (performance.now() - started) / 1000, firstError, shed);
}
