import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, paise, proportion } from '../../platform/money.js';

describe('money', () => {
  it('when an amount is not a safe integer → the constructor refuses it', () => {
    expect(() => paise(1.5)).toThrow(RangeError);
    expect(() => paise(Number.MAX_SAFE_INTEGER + 1)).toThrow(RangeError);
    expect(paise(10n)).toBe(10);
  });

  it('when 2% of ₹999.99 is taken half-up → it rounds once, to 2000 paise', () => {
    expect(proportion(paise(99_999), 2, 100, 'half_up')).toBe(2000);
    expect(proportion(paise(99_999), 2, 100, 'floor')).toBe(1999);
  });

  it('when any amount is allocated by any ratios → the parts sum to the whole and differ from the exact share by < 1 paisa', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 8 }).filter((r) => r.some((x) => x > 0)),
        (amount, ratios) => {
          const parts = allocate(paise(amount), ratios);
          const total = ratios.reduce((s, r) => s + r, 0);
          expect(parts.reduce((s, p) => s + p, 0)).toBe(amount);
          parts.forEach((p, i) => {
            expect(Math.abs(p - (amount * (ratios[i] ?? 0)) / total)).toBeLessThan(1);
          });
        },
      ),
    );
  });
});
