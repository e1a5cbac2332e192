import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyDecline, DECLINE_CODES } from '../../../payments-core/retries/declines.js';
import {
  backoffCeilingMs,
  intoPreferredWindow,
  nextAttemptAt,
  RETRY_POLICY,
} from '../../../payments-core/retries/schedule.js';
import { seededRandom } from '../../../platform/random.js';

const IST_MS = 330 * 60_000;
const istMinute = (d: Date) => Math.floor(((d.getTime() + IST_MS) % 86_400_000) / 60_000);
const HOUR = 3_600_000;

describe('retry schedule', () => {
  it('when attempts go on → the backoff ceiling doubles from 6 h up to the 72 h cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6].map(backoffCeilingMs);
    expect(ceilings.map((c) => c / HOUR)).toEqual([6, 12, 24, 48, 72, 72]);
    for (const [i, c] of ceilings.entries()) expect(c).toBeGreaterThanOrEqual(ceilings[i - 1] ?? 0);
  });

  it('when the random draw is the same → later attempts never wait less, and the fourth waits days longer than the first', () => {
    const from = new Date('2026-11-10T05:00:00Z'); // 10:30 IST, inside the window
    const waits = [1, 2, 3, 4].map((n) => nextAttemptAt(from, n, null, () => 0.9).getTime() - from.getTime());
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1] ?? 0);
    expect((waits[3] ?? 0) - (waits[0] ?? 0)).toBeGreaterThanOrEqual(24 * HOUR);
  });

  it('when any failure time, attempt and draw → the next attempt is after the failure, within ceiling + one day of it, inside 10:00–12:00 IST', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (from, attempt, seed) => {
          const at = nextAttemptAt(from, attempt, 'payment_timed_out', seededRandom(seed));
          expect(at.getTime()).toBeGreaterThanOrEqual(from.getTime());
          expect(at.getTime() - from.getTime()).toBeLessThan(backoffCeilingMs(attempt) + 24 * HOUR);
          const m = istMinute(at);
          expect(m).toBeGreaterThanOrEqual(RETRY_POLICY.windowStartMinute);
          expect(m).toBeLessThan(RETRY_POLICY.windowStartMinute + RETRY_POLICY.windowMinutes);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('when a moment is already inside the window → it stays; at 13:00 IST → the next morning', () => {
    const inside = new Date('2026-11-10T05:00:00Z'); // 10:30 IST
    expect(intoPreferredWindow(inside, () => 0.9)).toEqual(inside);
    const afternoon = new Date('2026-11-10T07:30:00Z'); // 13:00 IST
    expect(intoPreferredWindow(afternoon, () => 0).toISOString()).toBe('2026-11-11T04:30:00.000Z'); // 10:00 IST
  });

  it('when funds were insufficient late in the month → the retry waits for the 1st (salary day)', () => {
    const from = new Date('2026-11-27T05:00:00Z');
    const at = nextAttemptAt(from, 1, 'insufficient_funds', () => 0.1);
    expect(at.getTime()).toBeGreaterThanOrEqual(Date.parse('2026-12-01T04:30:00Z'));
    expect(at.getTime()).toBeLessThan(Date.parse('2026-12-01T06:30:00Z'));
    expect(nextAttemptAt(new Date('2026-11-05T05:00:00Z'), 1, 'insufficient_funds', () => 0.1).getUTCDate()).toBe(5);
  });

  it('when the seed is the same → the schedule is the same', () => {
    const from = new Date('2026-11-10T05:00:00Z');
    const run = (seed: number) => [1, 2, 3].map((n) => nextAttemptAt(from, n, null, seededRandom(seed)).getTime());
    expect(run(42)).toEqual(run(42));
  });

  it('when a decline is classified → hard ones are never retried, gateway trouble is soft, unknown codes are hard', () => {
    expect(classifyDecline('card_declined', 'BAD_REQUEST_ERROR')).toBe('hard');
    expect(classifyDecline('mandate_revoked', 'BAD_REQUEST_ERROR')).toBe('hard');
    expect(classifyDecline('insufficient_funds', 'BAD_REQUEST_ERROR')).toBe('soft');
    expect(classifyDecline('gateway_technical_error', 'GATEWAY_ERROR')).toBe('soft');
    expect(classifyDecline(null, 'GATEWAY_ERROR')).toBe('soft');
    expect(classifyDecline(null, 'not_received_by_gateway')).toBe('soft');
    expect(classifyDecline('something_new', 'BAD_REQUEST_ERROR')).toBe('hard');
    expect(Object.values(DECLINE_CODES).every((d) => d.kind === 'hard' || d.kind === 'soft')).toBe(true);
  });
});
