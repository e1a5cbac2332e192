// The school calendar the revenue model adjusts for: days schools are closed (national holidays, the
// lunar holidays of each year, Diwali week, summer and winter vacations) and the first days of a month,
// when monthly subscriptions are paid. Dates are IST calendar dates `YYYY-MM-DD`.

/** Fixed national holidays (month-day). */
const FIXED_HOLIDAYS = ['01-26', '08-15', '10-02', '12-25'];

/** Holidays that move with the lunar calendar, by year (Holi, Diwali and its neighbours, …). */
const LUNAR_HOLIDAYS = new Set([
  '2024-03-25',
  '2024-10-31',
  '2024-11-01',
  '2025-03-14',
  '2025-10-20',
  '2025-10-21',
  '2026-03-04',
  '2026-11-08',
  '2026-11-09',
  '2027-03-22',
  '2027-10-29',
]);

/** Diwali by year: schools close from two days before to three days after. */
const DIWALI = ['2024-10-31', '2025-10-20', '2026-11-08', '2027-10-29'].map((d) => Date.parse(`${d}T00:00:00Z`));

const DAY = 86_400_000;

export type DayClass = 'closed' | 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';
export const DAY_CLASSES: readonly DayClass[] = ['closed', 'sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const WEEKDAYS: readonly DayClass[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** True when schools are closed on this IST date (holiday or vacation). */
export function isSchoolClosed(date: string): boolean {
  const t = Date.parse(`${date}T00:00:00Z`);
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  if (month === 5 || (month === 6 && day <= 10)) return true; // summer vacation
  if ((month === 12 && day >= 24) || (month === 1 && day <= 1)) return true; // winter break
  if (FIXED_HOLIDAYS.includes(date.slice(5))) return true;
  if (LUNAR_HOLIDAYS.has(date)) return true;
  return DIWALI.some((d) => t >= d - 2 * DAY && t <= d + 3 * DAY);
}

/** The calendar class of a date: closed, else its weekday. */
export function dayClass(date: string): DayClass {
  if (isSchoolClosed(date)) return 'closed';
  return WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()] as DayClass;
}

/** The first three days of a month, when monthly subscriptions renew. */
export const isMonthStart = (date: string): boolean => Number(date.slice(8, 10)) <= 3;

/** `YYYY-MM-DD` plus k days. */
export function addDays(date: string, k: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + k * DAY).toISOString().slice(0, 10);
}

/** The Monday starting the ISO week of a date. */
export function weekStart(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((dow + 6) % 7));
}

export const monthStart = (date: string): string => `${date.slice(0, 7)}-01`;
