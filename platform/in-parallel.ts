/**
 * Runs `work` over `items` with at most `limit` in flight, results in input order. After the first rejection no
 * new item starts; the call rejects with it once the work already started has finished.
 */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { err: unknown } | null = null;
  const worker = async () => {
    while (next < items.length && failure === null) {
      const i = next++;
      try {
        results[i] = await work(items[i] as T, i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  // Every worker runs to its end (no new item after a failure) before the first error is thrown: the caller's
  // failure handling must not race work still in flight, as a billing run marked failed while a chunk charges on.
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== null) throw (failure as { err: unknown }).err;
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
