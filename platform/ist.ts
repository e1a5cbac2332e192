/**
 * Asia/Kolkata wall-clock arithmetic. India keeps one offset (UTC+05:30) and no daylight saving, so a fixed
 * offset is exact; storage stays UTC and only calendar questions (which day, which month) go through here.
 */
export const IST_OFFSET_MS = 330 * 60_000;
export const DAY_MS = 86_400_000;

/** The IST calendar date of an instant, `YYYY-MM-DD`, optionally `daysBack` days earlier. */
export function istDate(at: Date, daysBack = 0): string {
  return new Date(at.getTime() + IST_OFFSET_MS - daysBack * DAY_MS).toISOString().slice(0, 10);
}
