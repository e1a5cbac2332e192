import { describe, expect, it } from 'vitest';
import { RETRY_WINDOW_SECONDS, retryAfterSeconds } from '../../../payments-core/gateway/simulator/webhook-schedule.js';

describe("the simulator's webhook retry schedule (Razorpay: exponential backoff for 24 h after the event)", () => {
  it('when an event keeps failing → waits double from one minute, and no retry falls past 24 h', () => {
    const waits: number[] = [];
    let elapsed = 0;
    for (let attempt = 1; ; attempt++) {
      const wait = retryAfterSeconds(attempt, elapsed);
      if (wait === null) break;
      waits.push(wait);
      elapsed += wait;
    }
    expect(waits.map((w) => w / 60)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
    expect(elapsed).toBeLessThanOrEqual(RETRY_WINDOW_SECONDS);
    expect(elapsed + 1024 * 60).toBeGreaterThan(RETRY_WINDOW_SECONDS);
  });

  it('when an event is replayed late → its retries still end 24 h after it', () => {
    expect(retryAfterSeconds(1, RETRY_WINDOW_SECONDS - 30)).toBeNull();
    expect(retryAfterSeconds(1, RETRY_WINDOW_SECONDS - 60)).toBe(60);
  });
});
