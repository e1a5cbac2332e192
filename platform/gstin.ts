/**
 * GSTIN (Goods and Services Tax Identification Number) checks: 15 characters, `SS PPPPPPPPPP E Z C` — the
 * two-digit state code, the holder's PAN (5 letters, 4 digits, 1 letter), the entity number (1-9, A-Z),
 * `Z` by default, and a check character computed over the first 14 with the official mod-36 algorithm.
 */
const CHARSET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const FORMAT = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;

/** The check character for the first 14 characters of a GSTIN (weights 1, 2, 1, 2, … on base-36 values). */
export function gstinCheckCharacter(first14: string): string {
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const value = CHARSET.indexOf(first14.charAt(i));
    if (value < 0) throw new RangeError(`not a GSTIN character: ${first14.charAt(i)}`);
    const product = value * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return CHARSET.charAt((36 - (sum % 36)) % 36);
}

/** Why a GSTIN is not valid (`format` or `check_character`), or null when it is. */
export function gstinProblem(gstin: string): 'format' | 'check_character' | null {
  if (!FORMAT.test(gstin)) return 'format';
  return gstinCheckCharacter(gstin.slice(0, 14)) === gstin.charAt(14) ? null : 'check_character';
}

/** The GST state code a GSTIN belongs to (its first two digits). */
export const gstinStateCode = (gstin: string): string => gstin.slice(0, 2);
