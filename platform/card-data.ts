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
  for (const match of text.matchAll(PAN_CANDIDATE)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && passesLuhn(digits)) return true;
  }
  return false;
}

/** JSON-pointer paths of every field that carries a PAN or is a CVV. */
export function findCardData(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return containsPan(value) ? [path || '/'] : [];
  if (typeof value === 'number' || typeof value === 'bigint') {
    return containsPan(String(value)) ? [path || '/'] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findCardData(v, `${path}/${i}`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const p = `${path}/${k}`;
      if (CVV_KEY.test(k) && v !== null && v !== '') return [p];
      return [...(containsPan(k) ? [p] : []), ...findCardData(v, p)];
    });
  }
  return [];
}
