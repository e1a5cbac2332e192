import { gstinStateCode } from '../../platform/gstin.js';
import { roundHalfEven } from '../../platform/money.js';
import type { DocumentType, SupplyType, TaxCategory } from './types.js';

/**
 * SAC 9963 (accommodation, food and beverage services), 996337 "other contract food services": school-meal
 * catering under contract. Entry 66 of Notification 12/2017-Central Tax (Rate) exempts catering to a school
 * up to higher secondary, so the same code serves exempt and taxable lines.
 */
export const DEFAULT_SAC = '996337';

/**
 * The GST portal's unit quantity codes (UQC, as the customs list; the portal refuses any other spelling), for the
 * quantity on invoice lines, the e-invoice and the GSTR-1 HSN summary. OTH when no unit fits. Source: the UQC list
 * as published with the GSTR-1 offline tool (e.g. https://cleartax.in/s/gst-unit-quantity-code-uqc/).
 */
// biome-ignore format: the portal's list, alphabetical, OTH last
export const UQC_CODES: readonly string[] = [
  'BAG', 'BAL', 'BDL', 'BKL', 'BOU', 'BOX', 'BTL', 'BUN', 'CAN', 'CBM', 'CCM', 'CMS', 'CTN', 'DOZ', 'DRM', 'GGR',
  'GMS', 'GRS', 'GYD', 'KGS', 'KLR', 'KME', 'MLT', 'MTR', 'MTS', 'NOS', 'PAC', 'PCS', 'PRS', 'QTL', 'ROL', 'SET',
  'SQF', 'SQM', 'SQY', 'TBS', 'TGM', 'THD', 'TON', 'TUB', 'UGS', 'UNT', 'YDS', 'OTH',
];
/** Numbers: a plan, a student's month of meals. */
export const DEFAULT_UQC = 'NOS';

/** The entry an exempt school-meal plan relies on unless the school declares another. */
export const SCHOOL_MEALS_EXEMPTION =
  'Notification 12/2017-Central Tax (Rate), entry 66(b)(ii): catering to an educational institution up to higher secondary';

export interface TaxableLine {
  readonly amountMinor: number;
  readonly taxCategory: TaxCategory;
  readonly gstRateBp: number | null;
}

export interface LineTax {
  readonly cgstMinor: number;
  readonly sgstMinor: number;
  readonly igstMinor: number;
}

export interface DocumentTotals {
  /** Taxable value of the GST lines (a 0 % line counts here too: it is nil-rated, not exempt). */
  readonly taxableMinor: number;
  readonly exemptMinor: number;
  readonly cgstMinor: number;
  readonly sgstMinor: number;
  readonly igstMinor: number;
  /** total − (taxable + exempt + taxes): the visible round-off line, between −50 and +50 paise. */
  readonly roundOffMinor: number;
  /** Payable, rounded to the rupee. */
  readonly totalMinor: number;
}

/**
 * The place of supply (IGST Act s. 10 and 12), as a GST state code: the state of the recipient's GSTIN when it has
 * one (a Karnataka GSTIN billed to a Maharashtra address is supplied in Karnataka), else the state of its billing
 * address, else the state the customer was registered in, else the supplier's own state.
 */
export function placeOfSupplyOf(recipient: {
  readonly gstin: string | null;
  readonly addressStateCode: string | null;
  readonly customerStateCode: string | null;
  readonly supplierStateCode: string;
}): string {
  if (recipient.gstin !== null) return gstinStateCode(recipient.gstin);
  return recipient.addressStateCode ?? recipient.customerStateCode ?? recipient.supplierStateCode;
}

/** Intra-state when the supplier's state is the place of supply (CGST + SGST), else inter-state (IGST). */
export const supplyTypeOf = (supplierStateCode: string, placeOfSupply: string): SupplyType =>
  supplierStateCode === placeOfSupply ? 'intra' : 'inter';

/**
 * The tax of one line, rounded once per component to the paisa, half-even. Intra-state: CGST and SGST at half
 * the rate each, each rounded on its own (so they are always equal, as printed); inter-state: IGST at the rate.
 */
export function lineTax(line: TaxableLine, supply: SupplyType): LineTax {
  if (line.taxCategory !== 'gst' || line.gstRateBp === null || line.gstRateBp === 0) {
    return { cgstMinor: 0, sgstMinor: 0, igstMinor: 0 };
  }
  const amount = BigInt(line.amountMinor) * BigInt(line.gstRateBp);
  if (supply === 'inter') return { cgstMinor: 0, sgstMinor: 0, igstMinor: Number(roundHalfEven(amount, 10_000n)) };
  const half = Number(roundHalfEven(amount, 20_000n));
  return { cgstMinor: half, sgstMinor: half, igstMinor: 0 };
}

/** Rounds paise to whole rupees, half away from zero (50 paise and more round up, as rupee round-off does). */
export function roundToRupee(minor: number): number {
  const sign = minor < 0 ? -1 : 1;
  const abs = Math.abs(minor);
  const rest = abs % 100;
  return sign * (rest >= 50 ? abs - rest + 100 : abs - rest);
}

/** Sums the lines and their taxes and rounds the payable total to the rupee. */
export function documentTotals(lines: readonly (TaxableLine & LineTax)[]): DocumentTotals {
  let taxableMinor = 0;
  let exemptMinor = 0;
  let cgstMinor = 0;
  let sgstMinor = 0;
  let igstMinor = 0;
  for (const l of lines) {
    if (l.taxCategory === 'gst') taxableMinor += l.amountMinor;
    else exemptMinor += l.amountMinor;
    cgstMinor += l.cgstMinor;
    sgstMinor += l.sgstMinor;
    igstMinor += l.igstMinor;
  }
  const gross = taxableMinor + exemptMinor + cgstMinor + sgstMinor + igstMinor;
  const totalMinor = roundToRupee(gross);
  return { taxableMinor, exemptMinor, cgstMinor, sgstMinor, igstMinor, roundOffMinor: totalMinor - gross, totalMinor };
}

/**
 * Which document the lines make: only exempt lines → a bill of supply (rule 49); only GST lines → a tax invoice
 * (rule 46); both → an invoice-cum-bill of supply (rule 46A). Credit notes are their own type.
 */
export function documentTypeOf(kind: 'invoice' | 'credit_note', lines: readonly TaxableLine[]): DocumentType {
  if (kind === 'credit_note') return 'credit_note';
  const exempt = lines.filter((l) => l.taxCategory !== 'gst').length;
  if (exempt === lines.length) return 'bill_of_supply';
  if (exempt === 0) return 'tax_invoice';
  return 'invoice_cum_bill_of_supply';
}

const ONES = [
  '',
  'One',
  'Two',
  'Three',
  'Four',
  'Five',
  'Six',
  'Seven',
  'Eight',
  'Nine',
  'Ten',
  'Eleven',
  'Twelve',
  'Thirteen',
  'Fourteen',
  'Fifteen',
  'Sixteen',
  'Seventeen',
  'Eighteen',
  'Nineteen',
];
const TENS = ['', '', 'Twenty', 'Thirty', 'Forty', 'Fifty', 'Sixty', 'Seventy', 'Eighty', 'Ninety'];

function belowHundred(n: number): string {
  if (n < 20) return ONES[n] ?? '';
  const tens = TENS[Math.floor(n / 10)] ?? '';
  return n % 10 === 0 ? tens : `${tens} ${ONES[n % 10] ?? ''}`;
}

function belowThousand(n: number): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const parts: string[] = [];
  if (hundreds > 0) parts.push(`${ONES[hundreds] ?? ''} Hundred`);
  if (rest > 0) parts.push(belowHundred(rest));
  return parts.join(' ');
}

/** A whole number in words with Indian grouping: crore (10^7), lakh (10^5), thousand, hundred. */
export function integerInIndianWords(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a non-negative integer: ${value}`);
  if (value === 0) return 'Zero';
  const parts: string[] = [];
  const crore = Math.floor(value / 10_000_000);
  let rest = value % 10_000_000;
  if (crore > 0) parts.push(`${integerInIndianWords(crore)} Crore`);
  const lakh = Math.floor(rest / 100_000);
  rest %= 100_000;
  if (lakh > 0) parts.push(`${belowHundred(lakh)} Lakh`);
  const thousand = Math.floor(rest / 1000);
  rest %= 1000;
  if (thousand > 0) parts.push(`${belowHundred(thousand)} Thousand`);
  if (rest > 0) parts.push(belowThousand(rest));
  return parts.join(' ');
}

/** An amount of paise in words, e.g. `Indian Rupees One Lakh Twenty Thousand and Fifty Paise Only`. */
export function amountInWords(minor: number): string {
  const negative = minor < 0;
  const abs = Math.abs(minor);
  const rupees = Math.floor(abs / 100);
  const paise = abs % 100;
  const words = `Indian Rupees ${integerInIndianWords(rupees)}${paise > 0 ? ` and ${belowHundred(paise)} Paise` : ''} Only`;
  return negative ? `Minus ${words}` : words;
}

/** Indian digit grouping with two decimals (`platform/money.ts`), here for the documents that print it. */
export { formatIndianAmount } from '../../platform/money.js';
