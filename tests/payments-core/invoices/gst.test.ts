import { describe, expect, it } from 'vitest';
import { computeLines, type DraftInvoiceLine } from '../../../payments-core/invoices/draft-lines.js';
import {
  amountInWords,
  documentTotals,
  documentTypeOf,
  formatIndianAmount,
  integerInIndianWords,
} from '../../../payments-core/invoices/gst.js';
import { fiscalYearOf, formatNumber } from '../../../payments-core/invoices/numbering.js';
import { gstinCheckCharacter, gstinProblem } from '../../../platform/gstin.js';
import { gstLine, mealLine } from './support.js';

interface Case {
  name: string;
  supply: 'intra' | 'inter';
  lines: DraftInvoiceLine[];
  want: {
    taxable: number;
    exempt: number;
    cgst: number;
    sgst: number;
    igst: number;
    roundOff: number;
    total: number;
    type: string;
  };
}

const CASES: Case[] = [
  {
    name: 'intra-state 5 %: CGST and SGST halves',
    supply: 'intra',
    lines: [gstLine(100_000, 500)],
    want: {
      taxable: 100_000,
      exempt: 0,
      cgst: 2500,
      sgst: 2500,
      igst: 0,
      roundOff: 0,
      total: 105_000,
      type: 'tax_invoice',
    },
  },
  {
    name: 'inter-state 18 %: IGST only',
    supply: 'inter',
    lines: [gstLine(123_456, 1800)],
    // 1 234.56 × 18 % = 222.2208 → 222.22; gross 1 456.78 → 1 457.00, round-off +0.22
    want: {
      taxable: 123_456,
      exempt: 0,
      cgst: 0,
      sgst: 0,
      igst: 22_222,
      roundOff: 22,
      total: 145_700,
      type: 'tax_invoice',
    },
  },
  {
    name: 'exempt school meals only: bill of supply, no tax',
    supply: 'intra',
    lines: [mealLine(180_000), mealLine(45_049)],
    want: {
      taxable: 0,
      exempt: 225_049,
      cgst: 0,
      sgst: 0,
      igst: 0,
      roundOff: -49,
      total: 225_000,
      type: 'bill_of_supply',
    },
  },
  {
    name: 'mixed exempt and taxable: invoice-cum-bill of supply',
    supply: 'inter',
    lines: [mealLine(300_000), gstLine(49_500, 500)],
    // 495.00 × 5 % = 24.75 (exact); gross 3 519.75 → 3 520.00
    want: {
      taxable: 49_500,
      exempt: 300_000,
      cgst: 0,
      sgst: 0,
      igst: 2475,
      roundOff: 25,
      total: 352_000,
      type: 'invoice_cum_bill_of_supply',
    },
  },
  {
    name: 'half-even per line: 2.75 paise → 3, a tie at 2.5 → 2, a tie at 7.5 → 8',
    supply: 'intra',
    // 110 paise × 250 bp = 2.75 paise → 3 each; 100 paise × 250 bp = 2.5 → 2 (tie to even); 300 × 250 bp = 7.5 → 8
    lines: [gstLine(110, 500), gstLine(100, 500), gstLine(300, 500)],
    want: { taxable: 510, exempt: 0, cgst: 13, sgst: 13, igst: 0, roundOff: -36, total: 500, type: 'tax_invoice' },
  },
  {
    name: 'round-off exactly 50 paise rounds up; a proration credit line is negative',
    supply: 'intra',
    lines: [mealLine(100_050), mealLine(-20_000, { description: 'Proration credit' })],
    want: {
      taxable: 0,
      exempt: 80_050,
      cgst: 0,
      sgst: 0,
      igst: 0,
      roundOff: 50,
      total: 80_100,
      type: 'bill_of_supply',
    },
  },
  {
    name: 'nil-rated 0 % line is taxable value with zero tax, not exempt',
    supply: 'intra',
    lines: [gstLine(10_000, 0)],
    want: { taxable: 10_000, exempt: 0, cgst: 0, sgst: 0, igst: 0, roundOff: 0, total: 10_000, type: 'tax_invoice' },
  },
];

describe('GST computation (table-driven)', () => {
  for (const c of CASES) {
    it(`when ${c.name} → totals as in the table`, () => {
      const lines = computeLines(c.lines, c.supply);
      const t = documentTotals(lines);
      expect({
        taxable: t.taxableMinor,
        exempt: t.exemptMinor,
        cgst: t.cgstMinor,
        sgst: t.sgstMinor,
        igst: t.igstMinor,
        roundOff: t.roundOffMinor,
        total: t.totalMinor,
        type: documentTypeOf('invoice', lines),
      }).toEqual(c.want);
      expect(t.taxableMinor + t.exemptMinor + t.cgstMinor + t.sgstMinor + t.igstMinor + t.roundOffMinor).toBe(
        t.totalMinor,
      );
      expect(t.totalMinor % 100).toBe(0);
    });
  }
});

describe('amount in words, Indian numbering', () => {
  const WORDS: [number, string][] = [
    [0, 'Indian Rupees Zero Only'],
    [105_000, 'Indian Rupees One Thousand Fifty Only'],
    [1_00_000_00, 'Indian Rupees One Lakh Only'],
    [
      12_34_567_89,
      'Indian Rupees Twelve Lakh Thirty Four Thousand Five Hundred Sixty Seven and Eighty Nine Paise Only',
    ],
    [1_00_00_000_00, 'Indian Rupees One Crore Only'],
    [
      99_99_99_999_99,
      'Indian Rupees Ninety Nine Crore Ninety Nine Lakh Ninety Nine Thousand Nine Hundred Ninety Nine and Ninety Nine Paise Only',
    ],
    [1_05_00_00_011_00, 'Indian Rupees One Hundred Five Crore Eleven Only'],
  ];
  for (const [minor, words] of WORDS) {
    it(`when ${minor} paise → "${words}"`, () => expect(amountInWords(minor)).toBe(words));
  }
  it('when amounts are formatted → Indian digit grouping', () => {
    expect(formatIndianAmount(12_34_567_89)).toBe('12,34,567.89');
    expect(formatIndianAmount(1_00_00_000_00)).toBe('1,00,00,000.00');
    expect(formatIndianAmount(-22)).toBe('-0.22');
    expect(integerInIndianWords(110)).toBe('One Hundred Ten');
  });
});

describe('GSTIN check character (mod 36)', () => {
  it('when published GSTINs are checked → valid; one changed character → check_character', () => {
    for (const g of ['27AAPFU0939F1ZV', '07AAGFF2194N1Z1', '27AAACR5055K1Z7', '33AAACH7409R1Z8', '24AAACC1206D1ZM']) {
      expect(gstinProblem(g)).toBeNull();
    }
    expect(gstinCheckCharacter('27AAPFU0939F1Z')).toBe('V');
    expect(gstinProblem('27AAPFU0939F1ZW')).toBe('check_character');
    expect(gstinProblem('27AAPFU0939F1AV')).toBe('format');
    expect(gstinProblem('27aapfu0939f1zv')).toBe('format');
  });
});

describe('financial year and number format', () => {
  it('when an instant is on either side of 1 April IST → the financial year switches at IST midnight', () => {
    expect(fiscalYearOf(new Date('2027-03-31T18:29:59Z'))).toBe('26-27');
    expect(fiscalYearOf(new Date('2027-03-31T18:30:00Z'))).toBe('27-28');
    expect(fiscalYearOf(new Date('2099-12-31T00:00:00Z'))).toBe('99-00');
  });
  it('when numbers are formatted → at most 16 characters of letters, digits, - and /', () => {
    const n = formatNumber('BOS', '26-27', 999_999);
    expect(n).toBe('BOS/26-27/999999');
    expect(n).toMatch(/^[A-Za-z0-9/-]{1,16}$/);
    expect(() => formatNumber('INV', '26-27', 1_000_000)).toThrow();
  });
});
