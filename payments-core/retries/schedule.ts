/**
 * When the next attempt happens: exponential backoff with full jitter, then moved into the preferred
 * window. Attempt n (1-based, the queue's own attempts) waits `random() × min(CAP, BASE × 2^(n−1))`
 * (AWS "full jitter"), and the result is shifted forward into 10:00–12:00 IST, when balances are topped up
 * and banks are up. An insufficient-funds retry landing on the 26th or later (IST) waits for the 1st of the
 * next month, after salaries are credited.
 */
import { DAY_MS, IST_OFFSET_MS } from '../../platform/ist.js';
export const RETRY_POLICY = {
  maxAttempts: 4,
  baseMs: 6 * 3_600_000,
  capMs: 72 * 3_600_000,
  windowStartMinute: 10 * 60,
  windowMinutes: 120,
  salaryWaitFromDay: 26,
} as const;

/** The upper bound of the jittered delay before attempt `attempt`. */
export function backoffCeilingMs(attempt: number): number {
  return Math.min(RETRY_POLICY.capMs, RETRY_POLICY.baseMs * 2 ** Math.max(attempt - 1, 0));
}

/** Moves `at` forward (never back) to a moment inside the next 10:00–12:00 IST window. */
export function intoPreferredWindow(at: Date, random: () => number): Date {
  const ist = at.getTime() + IST_OFFSET_MS;
  const dayStart = Math.floor(ist / DAY_MS) * DAY_MS;
  const minute = (ist - dayStart) / 60_000;
  const { windowStartMinute: start, windowMinutes: width } = RETRY_POLICY;
  if (minute >= start && minute < start + width) return at;
  const targetDay = minute < start ? dayStart : dayStart + DAY_MS;
  const offset = Math.floor(random() * width * 60_000);
  return new Date(targetDay + start * 60_000 + offset - IST_OFFSET_MS);
}

/** For insufficient funds late in the month, the start of the 1st of the next month (IST). */
function afterSalaryDay(at: Date): Date {
  const ist = new Date(at.getTime() + IST_OFFSET_MS);
  if (ist.getUTCDate() < RETRY_POLICY.salaryWaitFromDay) return at;
  const first = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth() + 1, 1);
  return new Date(first - IST_OFFSET_MS);
}

/** The time of attempt `attempt` after a failure at `from`, for the decline `reason`. */
export function nextAttemptAt(from: Date, attempt: number, reason: string | null, random: () => number): Date {
  const delay = Math.floor(random() * backoffCeilingMs(attempt));
  let at = new Date(from.getTime() + delay);
  if (reason === 'insufficient_funds') at = afterSalaryDay(at);
  return intoPreferredWindow(at, random);
}
