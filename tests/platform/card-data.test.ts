import { describe, expect, it } from 'vitest';
import { containsPan, findCardData, passesLuhn } from '../../platform/card-data.js';

describe('card data detection', () => {
  it('when a number passes Luhn → it is recognised', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('4111111111111112')).toBe(false);
  });

  it('when a PAN hides in text with spaces or dashes → it is found', () => {
    expect(containsPan('my card is 4111 1111 1111 1111 thanks')).toBe(true);
    expect(containsPan('5267-3181-8797-5449')).toBe(true);
    expect(containsPan('order 12345, phone +919876543210')).toBe(false);
  });

  it('when a body nests a PAN or a CVV → the field paths are named', () => {
    expect(findCardData({ a: { b: ['x', '4111111111111111'] }, cvv: '123', note: 'fine' }).sort()).toEqual([
      '/a/b/1',
      '/cvv',
    ]);
    expect(findCardData({ amount: 50000, cvv: '' })).toEqual([]);
  });
});
