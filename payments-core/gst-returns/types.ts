/**
 * GSTR-1 in the layout of the GST portal's offline tool (the JSON it uploads). Amounts are rupees as numbers with at
 * most two decimals (converted from paise once, after every sum); rates are percentages (`rt` 18, 2.5); dates are
 * `dd-mm-yyyy` in Asia/Kolkata; state codes are the two-digit GST codes.
 */

/** One rate of a document: taxable value and the taxes at that rate (cess is never charged here: 0). */
export interface ItemDetail {
  readonly txval: number;
  readonly rt: number;
  readonly iamt: number;
  readonly camt: number;
  readonly samt: number;
  readonly csamt: number;
}

export interface Item {
  readonly num: number;
  readonly itm_det: ItemDetail;
}

export interface B2bInvoice {
  readonly inum: string;
  readonly idt: string;
  readonly val: number;
  readonly pos: string;
  readonly rchrg: 'N';
  readonly inv_typ: 'R';
  readonly itms: Item[];
}

export interface B2clInvoice {
  readonly inum: string;
  readonly idt: string;
  readonly val: number;
  readonly itms: Item[];
}

export interface CreditNote {
  readonly ntty: 'C';
  readonly nt_num: string;
  readonly nt_dt: string;
  readonly val: number;
  readonly pos: string;
  readonly rchrg: 'N';
  readonly inv_typ: 'R';
  readonly itms: Item[];
}

export interface UnregisteredCreditNote {
  readonly ntty: 'C';
  readonly nt_num: string;
  readonly nt_dt: string;
  readonly val: number;
  readonly typ: 'B2CL';
  readonly pos: string;
  readonly itms: Item[];
}

export interface B2csRow {
  readonly sply_ty: 'INTRA' | 'INTER';
  readonly pos: string;
  readonly typ: 'OE';
  readonly txval: number;
  readonly rt: number;
  readonly iamt: number;
  readonly camt: number;
  readonly samt: number;
  readonly csamt: number;
}

export interface HsnRow {
  readonly num: number;
  readonly hsn_sc: string;
  readonly desc: string;
  readonly uqc: string;
  readonly qty: number;
  readonly rt: number;
  readonly txval: number;
  readonly iamt: number;
  readonly camt: number;
  readonly samt: number;
  readonly csamt: number;
}

export type NilSupplyType = 'INTRB2B' | 'INTRAB2B' | 'INTRB2C' | 'INTRAB2C';

export interface NilRow {
  readonly sply_ty: NilSupplyType;
  readonly expt_amt: number;
  readonly nil_amt: number;
  readonly ngsup_amt: number;
}

export interface DocumentSeries {
  readonly num: number;
  readonly from: string;
  readonly to: string;
  readonly totnum: number;
  readonly cancel: number;
  readonly net_issue: number;
}

export interface DocumentsIssued {
  /** 1 = invoices for outward supply (tax invoices and bills of supply), 5 = credit notes. */
  readonly doc_num: 1 | 5;
  readonly doc_typ: string;
  readonly docs: DocumentSeries[];
}

/** Sections without rows are left out, as the offline tool does; `hsn` and `doc_issue` are always there. */
export interface Gstr1 {
  readonly gstin: string;
  /** The return period, `MMYYYY`. */
  readonly fp: string;
  readonly version: string;
  readonly hash: string;
  readonly b2b?: { readonly ctin: string; readonly inv: B2bInvoice[] }[];
  readonly b2cl?: { readonly pos: string; readonly inv: B2clInvoice[] }[];
  readonly b2cs?: B2csRow[];
  readonly cdnr?: { readonly ctin: string; readonly nt: CreditNote[] }[];
  readonly cdnur?: UnregisteredCreditNote[];
  readonly hsn: { readonly data: HsnRow[] };
  readonly nil?: { readonly inv: NilRow[] };
  readonly doc_issue: { readonly doc_det: DocumentsIssued[] };
}
