/**
 * kosh never accepts card data: a PAN-like number (13–19 digits passing Luhn, spaces or dashes allowed
 * between groups) or a CVV-named field anywhere in a request body is refused before it is parsed into
 * anything that could be logged or stored.
 */
const PAN_CANDIDATE = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/g;
const CVV_KEY = /^(cvv|cvv2|cvc|cvc2|cid|card_?security_?code|security_?code)$/i;

export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function containsPan(text: string): boolean {
  // Most strings (ids, amounts, IPs) hold fewer than 13 digits in all: counting them is cheaper than the regex.
  let digits = 0;
  for (let i = 0; i < text.length && digits < 13; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
  }
  if (digits < 13) return false;
  for (const match of text.matchAll(PAN_CANDIDATE)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && passesLuhn(digits)) return true;
  }
  return false;
}

/** JSON-pointer paths of every field that carries a PAN or is a CVV. */
export function findCardData(value: unknown, path = ''): string[] {
  const found: string[] = [];
  collectCardData(value, path, found);
  return found;
}

/** One walk of a parsed body, appending to `found` (no per-level arrays: it runs on every request). */
function collectCardData(value: unknown, path: string, found: string[]): void {
  if (typeof value === 'string') {
    if (containsPan(value)) found.push(path || '/');
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    if (containsPan(String(value))) found.push(path || '/');
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) collectCardData(value[i], `${path}/${i}`, found);
  } else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[k];
      const p = `${path}/${k}`;
      if (CVV_KEY.test(k) && v !== null && v !== '') found.push(p);
      else {
        if (containsPan(k)) found.push(p);
        collectCardData(v, p, found);
      }
    }
  }
}
