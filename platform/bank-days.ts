/**
 * India's bank working days, for settlement cycles. Razorpay's standard cycle is T+2 working days, T the date of
 * capture, and "working days do not include second and fourth Saturdays, Sundays and bank holidays"
 * (https://razorpay.com/docs/payments/settlements/faqs; https://razorpay.com/docs/api/settlements: "T+2 days for
 * domestic payments"). Days are IST calendar dates, `YYYY-MM-DD`.
 *
 * The holiday list is deliberately small and honest: only the holidays every bank in India closes for, on fixed dates
 * (the three national holidays, Republic Day, Independence Day and Gandhi Jayanti, and Christmas), for the years
 * in BANK_HOLIDAY_YEARS. RBI's state-wise holidays under the Negotiable Instruments Act
 * (https://www.rbi.org.in/Scripts/HolidayMatrixDisplay.aspx) and the festival holidays that move with the lunar
 * calendar are not modelled: on such a day a real settlement comes a day later than this calendar says, and the
 * reconciliation of that day shows it as missing at the gateway until the next day's report.
 */
export const BANK_HOLIDAY_YEARS = [2026, 2027] as const;

export const BANK_HOLIDAYS: ReadonlySet<string> = new Set(
  BANK_HOLIDAY_YEARS.flatMap((y) => [`${y}-01-26`, `${y}-08-15`, `${y}-10-02`, `${y}-12-25`]),
);

/** Razorpay's default settlement cycle for domestic payments, in working days. */
export const DEFAULT_SETTLEMENT_CYCLE_DAYS = 2;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function utcOf(day: string): Date {
  const m = DAY.exec(day);
  if (m === null) throw new Error(`not a YYYY-MM-DD day: ${day}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

/** `day` moved by `n` calendar days. */
export function addDays(day: string, n: number): string {
  const d = utcOf(day);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Not a Sunday, not the second or fourth Saturday of its month, not a listed bank holiday. */
export function isBankWorkingDay(day: string): boolean {
  const d = utcOf(day);
  const weekday = d.getUTCDay();
  if (weekday === 0) return false;
  if (weekday === 6) {
    const nth = Math.ceil(d.getUTCDate() / 7);
    if (nth === 2 || nth === 4) return false;
  }
  return !BANK_HOLIDAYS.has(day);
}

/**
 * The day a capture (or processed refund) of IST day `day` settles on: the `cycleDays`-th working day after it
 * (a Friday's capture before a second Saturday settles on Tuesday; a Sunday's on Tuesday). A cycle of 0 settles the
 * same day (T+0).
 */
export function settlementDayOf(day: string, cycleDays: number = DEFAULT_SETTLEMENT_CYCLE_DAYS): string {
  let d = day;
  for (let left = cycleDays; left > 0; ) {
    d = addDays(d, 1);
    if (isBankWorkingDay(d)) left--;
  }
  return d;
}

/**
 * The IST days whose captures settle on `day`, oldest first, contiguous (settlementDayOf never goes backwards);
 * empty on a day no settlement is made (a Sunday, a holiday). Looks back at most 40 days, far more than any
 * cycle of this calendar spans.
 */
export function captureDaysSettlingOn(day: string, cycleDays: number = DEFAULT_SETTLEMENT_CYCLE_DAYS): string[] {
  const days: string[] = [];
  for (let back = cycleDays === 0 ? 0 : 1; back <= 40; back++) {
    const candidate = addDays(day, -back);
    if (settlementDayOf(candidate, cycleDays) === day) days.unshift(candidate);
  }
  return days;
}
