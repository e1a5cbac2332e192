/** Money is integer paise, branded so a plain number cannot pass for it. No floats, ever. */
declare const paiseBrand: unique symbol;
export type Paise = number & { readonly [paiseBrand]: true };
export type Currency = 'INR';
export const DEFAULT_CURRENCY: Currency = 'INR';

/** The one constructor: refuses anything that is not a safe integer. */
export function paise(value: number | bigint): Paise {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer amount of paise: ${String(value)}`);
  return n as Paise;
}

export type RoundingMode = 'half_up' | 'half_even' | 'floor';

/** amount × numerator / denominator, rounded once with a named mode (bigint arithmetic, no floats). */
export function proportion(amount: Paise, numerator: number, denominator: number, mode: RoundingMode): Paise {
  const a = BigInt(amount) * BigInt(numerator);
  const d = BigInt(denominator);
  if (mode === 'half_even') return paise(roundHalfEven(a, d));
  const q = a / d;
  if (mode === 'floor') return paise(q);
  const r = a % d;
  return paise(r * 2n >= d ? q + 1n : q);
}

/**
 * numerator / denominator rounded to the nearest integer, ties to the even neighbour (banker's rounding), for
 * either sign: the rounding Razorpay-style proration lines use, once per line. Exact bigint arithmetic.
 */
export function roundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('roundHalfEven: zero denominator');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  let q = n / d;
  const twice = (n % d) * 2n;
  if (twice > d || (twice === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/**
 * Split `amount` by integer `ratios` so the parts always sum to the whole (Dinero.js `allocate`). The
 * remainder goes one paisa at a time to the parts with the largest fractional share (largest remainder),
 * so no part is ever a whole paisa away from its exact share.
 */
export function allocate(amount: Paise, ratios: readonly number[]): Paise[] {
  const total = ratios.reduce((s, r) => s + r, 0);
  if (ratios.length === 0 || total <= 0 || ratios.some((r) => !Number.isSafeInteger(r) || r < 0)) {
    throw new RangeError('allocate needs non-negative integer ratios with a positive sum');
  }
  const sign = amount < 0 ? -1n : 1n;
  const a = BigInt(amount) * sign;
  const t = BigInt(total);
  const parts = ratios.map((r) => (a * BigInt(r)) / t);
  const fractions = ratios.map((r, i) => ({ i, rest: (a * BigInt(r)) % t }));
  let remainder = a - parts.reduce((s, p) => s + p, 0n);
  fractions.sort((x, y) => (y.rest > x.rest ? 1 : y.rest < x.rest ? -1 : x.i - y.i));
  for (const { i } of fractions) {
    if (remainder === 0n) break;
    parts[i] = (parts[i] ?? 0n) + 1n;
    remainder -= 1n;
  }
  return parts.map((p) => paise(p * sign));
}

/** Indian digit grouping with two decimals: 12345678 paise → `1,23,456.78`; exact, no floats. */
export function formatIndianAmount(minor: number): string {
  const p = BigInt(paise(minor));
  const abs = p < 0n ? -p : p;
  const rupees = (abs / 100n).toString();
  const head = rupees.slice(0, -3);
  const grouped = head === '' ? rupees : `${head.replace(/\B(?=(\d{2})+$)/g, ',')},${rupees.slice(-3)}`;
  return `${p < 0n ? '-' : ''}${grouped}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Paise as rupees with the ₹ sign and lakh/crore grouping: 125000000 → "₹12,50,000.00", -150 → "-₹1.50". */
export function formatRupees(amount: number): string {
  return amount < 0 ? `-₹${formatIndianAmount(-amount)}` : `₹${formatIndianAmount(amount)}`;
}
