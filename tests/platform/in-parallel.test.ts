import { describe, expect, it } from 'vitest';
import { inParallel } from '../../platform/in-parallel.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('inParallel', () => {
  it('when all succeed → results in input order, never more than the limit in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await inParallel([30, 5, 20, 1, 10], 2, async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await tick(ms);
      inFlight--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40]);
    expect(most).toBe(2);
  });

  it('when one item fails → no new item starts, and the call rejects only after the work in flight has finished', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const call = inParallel([0, 1, 2, 3], 2, async (_, i) => {
      started.push(i);
      if (i === 0) {
        await tick(5);
        throw new Error('first');
      }
      await tick(40);
      finished.push(i);
      return i;
    });
    await expect(call).rejects.toThrow('first');
    // Item 1 was in flight when item 0 failed: it ran to its end before the caller heard of the failure.
    expect(finished).toEqual([1]);
    expect(started).toEqual([0, 1]);
  });

  it('when two fail → the first failure is the one thrown', async () => {
    const call = inParallel([5, 1], 2, async (ms) => {
      await tick(ms);
      throw new Error(`after ${ms}`);
    });
    await expect(call).rejects.toThrow('after 1');
  });
});
