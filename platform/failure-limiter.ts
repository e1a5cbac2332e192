/**
 * Counts failures (unknown API keys) per client in fixed one-minute windows; past `max` in a window, the client is
 * refused without a lookup until the window ends. Guessing keys then costs a minute per `max` guesses, whatever the
 * guesses are (each random key would otherwise start a fresh rate-limit bucket of its own). Per process.
 */
export interface FailureLimiter {
  /** Seconds until `client` may try again, or null when it may now. */
  blockedFor(client: string, now: number): number | null;
  failed(client: string, now: number): void;
}

export function createFailureLimiter(options: { max: number; windowMs?: number }): FailureLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const windows = new Map<string, { start: number; failures: number }>();
  const current = (client: string, now: number) => {
    const w = windows.get(client);
    return w !== undefined && now - w.start < windowMs ? w : null;
  };
  return {
    blockedFor(client, now) {
      const w = current(client, now);
      if (w === null || w.failures < options.max) return null;
      return Math.max(1, Math.ceil((w.start + windowMs - now) / 1000));
    },
    failed(client, now) {
      const w = current(client, now);
      if (w !== null) {
        w.failures++;
        return;
      }
      if (windows.size >= 100_000) windows.clear();
      windows.set(client, { start: now, failures: 1 });
    },
  };
}
