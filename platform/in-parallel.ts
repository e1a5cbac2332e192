/**
 * Runs `work` over `items` with at most `limit` in flight, results in input order. The first rejection
 * rejects the whole call; work already started carries on (as requests already sent would).
 */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        results[i] = await work(items[i] as T, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * A client-side rate limit (token bucket refilled continuously): `take()` resolves when a request may go.
 * Razorpay answers 429 past its per-account rate; a client that paces itself never sees one.
 */
export function rateLimiter(
  perSecond: number,
  burst = Math.max(1, Math.ceil(perSecond / 10)),
): { take(): Promise<void> } {
  const interval = 1000 / perSecond;
  let tokens = burst;
  let last = performance.now();
  let queue: Promise<void> = Promise.resolve();
  const take = async () => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + (now - last) / interval);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return;
    }
    const wait = (1 - tokens) * interval;
    tokens -= 1;
    await new Promise((r) => setTimeout(r, wait));
  };
  return {
    take: () => {
      queue = queue.then(take);
      return queue;
    },
  };
}
