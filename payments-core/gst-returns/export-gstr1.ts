import type { Db } from '../../platform/db.js';
import { invalid } from '../../platform/errors.js';
import { IST_OFFSET_MS, istDate } from '../../platform/ist.js';
import { DOCUMENTS_ISSUED, LINES_OF_DOCUMENTS, SUPPLIER_GSTIN } from './repository.js';
import type {
  B2bInvoice,
  B2clInvoice,
  B2csRow,
  CreditNote,
  DocumentSeries,
  DocumentsIssued,
  Gstr1,
  HsnRow,
  Item,
  NilRow,
  NilSupplyType,
  UnregisteredCreditNote,
} from './types.js';

/*
 * Layout: the GST portal's Returns Offline Tool JSON for GSTR-1, as summarised in
 *  - "Build GSTR-1 JSON (Outward Supplies Return)", https://finchcontext.com/skills/india/gst/build-gstr1-json.html
 *    (top level gstin, fp MMYYYY, version, hash; sections b2b, b2cl, b2cs, cdnr/cdnur, hsn, nil, doc_issue; b2b
 *    invoices inum/idt/val/pos/rchrg/inv_typ with itms[].num and itm_det {txval, rt, camt, samt, iamt, csamt};
 *    b2cs {sply_ty INTRA/INTER, pos, typ OE, txval, rt, …}; B2CL = inter-state B2C invoices above ₹1,00,000);
 *  - "GSTR-1 JSON Specification & Validation Rules", https://gist.github.com/the-solipsist/d60d4ec9dea279406916b604555ac21e
 *    (reverse-engineered against the portal: HSN summary and documents issued are mandatory tables);
 *  - GSTN, "FAQs and User Manual – Returns Offline Tool" (B2B, B2CL, B2CS, CDNR, CDNUR, EXEMP, HSN, DOCS sheets),
 *    https://www.scribd.com/document/384203666/FAQs-and-User-Manual-Returns-Offline-Tool-pdf
 * and the gnukhata HSN-summary notes (https://gitlab.com/gnukhata/gkcore/-/merge_requests/467) for the HSN fields.
 * Table 13 document types: 1 invoices for outward supply, 5 credit notes. Services carry UQC "NA" and quantity 0.
 */

/** The offline tool's schema version and hash placeholder, as its generated files carry them. */
const TOOL_VERSION = 'GST3.2.1';
/** Inter-state supplies to unregistered persons above this invoice value go invoice-wise to B2CL, not B2CS. */
export const B2CL_THRESHOLD_MINOR = 1_00_000_00;
/** SAC 996337 is what kosh bills (payments-core/invoices/gst.ts); the portal's description field takes 30 characters. */
const SAC_DESCRIPTIONS: Readonly<Record<string, string>> = { '996337': 'Other contract food services' };

interface Line {
  readonly description: string;
  readonly quantity: number;
  readonly amount: number;
  readonly taxCategory: string;
  readonly rateBp: number;
  readonly hsnSac: string;
  readonly uqc: string;
  readonly cgst: number;
  readonly sgst: number;
  readonly igst: number;
}

interface Doc {
  readonly id: string;
  readonly kind: 'invoice' | 'credit_note';
  readonly voided: boolean;
  readonly number: string;
  readonly series: string;
  readonly issuedOn: string;
  readonly gstin: string | null;
  readonly pos: string;
  readonly inter: boolean;
  readonly total: number;
  /** A credit note against an invoice reported in B2CL (so it goes to CDNUR). */
  readonly againstB2cl: boolean;
  readonly lines: Line[];
}

/** Paise in rupees, exact to two decimals (only ever applied to a finished sum). */
const rupees = (minor: number): number => minor / 100;
const percent = (bp: number): number => bp / 100;

/** Sums in paise per key, in first-seen order. */
class Sums<T extends Record<string, number>> {
  readonly rows = new Map<string, { key: string; sums: T }>();
  add(key: string, values: T, sign: number): void {
    const row = this.rows.get(key);
    if (row === undefined) {
      const sums = {} as Record<string, number>;
      for (const [k, v] of Object.entries(values)) sums[k] = sign * v;
      this.rows.set(key, { key, sums: sums as T });
      return;
    }
    const sums = row.sums as Record<string, number>;
    for (const [k, v] of Object.entries(values)) sums[k] = (sums[k] ?? 0) + sign * v;
  }
}

type Taxes = { txval: number; iamt: number; camt: number; samt: number };
const taxesOf = (l: Line): Taxes => ({ txval: l.amount, iamt: l.igst, camt: l.cgst, samt: l.sgst });
/** A taxable line: GST at a rate above zero (a 0 % line is nil-rated, reported with the exempt ones). */
const isTaxable = (l: Line): boolean => l.taxCategory === 'gst' && l.rateBp > 0;

/** The items of a document: one per GST rate above zero, in rate order, summed in paise. */
function itemsOf(doc: Doc): Item[] {
  const byRate = new Sums<Taxes>();
  for (const l of [...doc.lines].filter(isTaxable).sort((a, b) => a.rateBp - b.rateBp)) {
    byRate.add(String(l.rateBp), taxesOf(l), 1);
  }
  return [...byRate.rows.values()].map(({ key, sums }, i) => ({
    num: i + 1,
    itm_det: {
      txval: rupees(sums.txval),
      rt: percent(Number(key)),
      iamt: rupees(sums.iamt),
      camt: rupees(sums.camt),
      samt: rupees(sums.samt),
      csamt: 0,
    },
  }));
}

/** `2026-05` → the IST month's [start, end) instants and the portal's `052026`. */
export function returnPeriod(period: string): { start: Date; end: Date; fp: string } {
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  const year = Number(m?.[1]);
  const month = Number(m?.[2]);
  if (m === null || month < 1 || month > 12 || year < 2017) {
    throw invalid('invalid_period', 'period is a month YYYY-MM, from 2017-07 (GST) on', [
      { field: '/period', code: 'invalid_period', message: 'a month as YYYY-MM, e.g. 2026-05' },
    ]);
  }
  return {
    start: new Date(Date.UTC(year, month - 1, 1) - IST_OFFSET_MS),
    end: new Date(Date.UTC(year, month, 1) - IST_OFFSET_MS),
    fp: `${String(month).padStart(2, '0')}${year}`,
  };
}

const ddmmyyyy = (isoDate: string): string => `${isoDate.slice(8, 10)}-${isoDate.slice(5, 7)}-${isoDate.slice(0, 4)}`;

async function loadDocuments(db: Db, start: Date, end: Date): Promise<{ gstin: string; docs: Doc[] }> {
  return db.transaction(
    async (tx) => {
      const supplier = await tx.one<{ gstin: string }>(SUPPLIER_GSTIN);
      const rows = await tx.all<Record<string, any>>(DOCUMENTS_ISSUED, { start, end });
      const lines = await tx.all<Record<string, any>>(LINES_OF_DOCUMENTS, { ids: rows.map((r) => String(r['id'])) });
      const linesOf = new Map<string, Line[]>();
      for (const l of lines) {
        const list = linesOf.get(String(l['invoice_id'])) ?? [];
        list.push({
          description: String(l['description']),
          quantity: Number(l['quantity']),
          amount: Number(l['amount_minor']),
          taxCategory: String(l['tax_category']),
          rateBp: Number(l['gst_rate_bp'] ?? 0),
          hsnSac: String(l['hsn_sac']),
          uqc: String(l['uqc']),
          cgst: Number(l['cgst_minor']),
          sgst: Number(l['sgst_minor']),
          igst: Number(l['igst_minor']),
        });
        linesOf.set(String(l['invoice_id']), list);
      }
      const docs = rows.map((r): Doc => {
        const isB2cl = (gstin: unknown, supply: unknown, total: unknown) =>
          gstin === null && supply === 'inter' && Number(total) > B2CL_THRESHOLD_MINOR;
        return {
          id: String(r['id']),
          kind: r['kind'] === 'credit_note' ? 'credit_note' : 'invoice',
          voided: r['status'] === 'void',
          number: String(r['number']),
          series: String(r['series']),
          issuedOn: ddmmyyyy(istDate(r['finalized_at'] as Date)),
          gstin: (r['customer_gstin'] as string | null) ?? null,
          pos: String(r['place_of_supply']),
          inter: r['supply_type'] === 'inter',
          total: Number(r['total_minor']),
          againstB2cl:
            r['kind'] === 'credit_note' &&
            isB2cl(r['original_gstin'], r['original_supply_type'], r['original_total_minor']),
          lines: linesOf.get(String(r['id'])) ?? [],
        };
      });
      return { gstin: supplier?.gstin ?? '', docs };
    },
    { isolation: 'repeatable read' },
  );
}

/**
 * GSTR-1 of an IST month (`YYYY-MM`) in the offline tool's JSON: the documents finalised in the month. Voided ones
 * count only as cancelled in the documents issued; credit notes to unregistered recipients are netted into B2CS
 * (CDNUR when their invoice was a B2CL one); exempt and nil-rated lines go to the nil table, net of credit notes.
 * Σ (txval + taxes) over B2B, B2CL, B2CS and nil, less CDNR and CDNUR, = Σ (total − round off) of the invoices less
 * that of the credit notes; the HSN summary nets to the same.
 */
export async function exportGstr1(deps: { db: Db }, query: { period: string }): Promise<Gstr1> {
  const { start, end, fp } = returnPeriod(query.period);
  const { gstin, docs } = await loadDocuments(deps.db, start, end);
  const live = docs.filter((d) => !d.voided);

  const b2b = new Map<string, B2bInvoice[]>();
  const b2cl = new Map<string, B2clInvoice[]>();
  const cdnr = new Map<string, CreditNote[]>();
  const cdnur: UnregisteredCreditNote[] = [];
  const b2cs = new Sums<Taxes>();
  const nil = new Sums<{ expt_amt: number; nil_amt: number; ngsup_amt: number }>();
  const hsn = new Sums<Taxes & { qty: number }>();
  const hsnDesc = new Map<string, string>();

  for (const d of live) {
    const sign = d.kind === 'credit_note' ? -1 : 1;
    const items = itemsOf(d);
    const b2clInvoice = d.kind === 'invoice' && d.gstin === null && d.inter && d.total > B2CL_THRESHOLD_MINOR;
    if (items.length > 0) {
      if (d.gstin !== null && d.kind === 'invoice') {
        const inv = { inum: d.number, idt: d.issuedOn, val: rupees(d.total), pos: d.pos, rchrg: 'N', inv_typ: 'R' };
        b2b.set(d.gstin, [...(b2b.get(d.gstin) ?? []), { ...inv, itms: items } as B2bInvoice]);
      } else if (d.gstin !== null) {
        const nt = { ntty: 'C', nt_num: d.number, nt_dt: d.issuedOn, val: rupees(d.total), pos: d.pos };
        cdnr.set(d.gstin, [
          ...(cdnr.get(d.gstin) ?? []),
          { ...nt, rchrg: 'N', inv_typ: 'R', itms: items } as CreditNote,
        ]);
      } else if (b2clInvoice) {
        const inv: B2clInvoice = { inum: d.number, idt: d.issuedOn, val: rupees(d.total), itms: items };
        b2cl.set(d.pos, [...(b2cl.get(d.pos) ?? []), inv]);
      } else if (d.kind === 'credit_note' && d.againstB2cl) {
        const nt = { ntty: 'C', nt_num: d.number, nt_dt: d.issuedOn, val: rupees(d.total), typ: 'B2CL', pos: d.pos };
        cdnur.push({ ...nt, itms: items } as UnregisteredCreditNote);
      } else {
        for (const l of d.lines.filter(isTaxable))
          b2cs.add(`${d.inter ? 'INTER' : 'INTRA'}|${d.pos}|${l.rateBp}`, taxesOf(l), sign);
      }
    }
    const nilType: NilSupplyType = `${d.inter ? 'INTR' : 'INTRA'}${d.gstin === null ? 'B2C' : 'B2B'}`;
    for (const l of d.lines) {
      if (isTaxable(l)) continue;
      const exempt = l.taxCategory !== 'gst';
      nil.add(nilType, { expt_amt: exempt ? l.amount : 0, nil_amt: exempt ? 0 : l.amount, ngsup_amt: 0 }, sign);
    }
    for (const l of d.lines) {
      const rate = isTaxable(l) ? l.rateBp : 0;
      const service = l.hsnSac.startsWith('99');
      const key = `${l.hsnSac}|${service ? 'NA' : l.uqc}|${rate}`;
      hsn.add(key, { ...taxesOf(l), qty: service ? 0 : l.quantity }, sign);
      if (!hsnDesc.has(l.hsnSac)) hsnDesc.set(l.hsnSac, (SAC_DESCRIPTIONS[l.hsnSac] ?? l.description).slice(0, 30));
    }
  }

  const b2csRows: B2csRow[] = [...b2cs.rows.values()]
    .map(({ key, sums }) => {
      const [supply, pos, rate] = key.split('|') as [string, string, string];
      return {
        sply_ty: supply as 'INTRA' | 'INTER',
        pos,
        typ: 'OE' as const,
        txval: rupees(sums.txval),
        rt: percent(Number(rate)),
        iamt: rupees(sums.iamt),
        camt: rupees(sums.camt),
        samt: rupees(sums.samt),
        csamt: 0,
      };
    })
    .sort((a, b) => a.pos.localeCompare(b.pos) || a.rt - b.rt);
  const hsnRows: HsnRow[] = [...hsn.rows.values()]
    .sort((a, b) => a.key.localeCompare(b.key, 'en', { numeric: true }))
    .map(({ key, sums }, i) => {
      const [code, uqc, rate] = key.split('|') as [string, string, string];
      return {
        num: i + 1,
        hsn_sc: code,
        desc: hsnDesc.get(code) ?? '',
        uqc,
        qty: Math.round(sums.qty * 100) / 100,
        rt: percent(Number(rate)),
        txval: rupees(sums.txval),
        iamt: rupees(sums.iamt),
        camt: rupees(sums.camt),
        samt: rupees(sums.samt),
        csamt: 0,
      };
    });
  const nilRows: NilRow[] = [...nil.rows.values()]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map(({ key, sums }) => ({
      sply_ty: key as NilSupplyType,
      expt_amt: rupees(sums.expt_amt),
      nil_amt: rupees(sums.nil_amt),
      ngsup_amt: rupees(sums.ngsup_amt),
    }));

  const sortedByKey = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  // The offline tool writes only the sections that have rows; the HSN summary and documents issued are mandatory.
  const section = <K extends string, T>(key: K, rows: T[]): { [P in K]?: T[] } =>
    (rows.length === 0 ? {} : { [key]: rows }) as { [P in K]?: T[] };
  return {
    gstin,
    fp,
    version: TOOL_VERSION,
    hash: 'hash',
    ...section(
      'b2b',
      sortedByKey(b2b).map(([ctin, inv]) => ({ ctin, inv })),
    ),
    ...section(
      'b2cl',
      sortedByKey(b2cl).map(([pos, inv]) => ({ pos, inv })),
    ),
    ...section('b2cs', b2csRows),
    ...section(
      'cdnr',
      sortedByKey(cdnr).map(([ctin, nt]) => ({ ctin, nt })),
    ),
    ...section('cdnur', cdnur),
    hsn: { data: hsnRows },
    ...(nilRows.length === 0 ? {} : { nil: { inv: nilRows } }),
    doc_issue: { doc_det: documentsIssued(docs) },
  };
}

/** Last segment of `INV/26-27/000123` as a number. */
const sequenceOf = (number: string): number => Number(number.slice(number.lastIndexOf('/') + 1));

/**
 * Table 13: per series, the first and last number issued in the month, how many and how many cancelled (voided).
 * Numbering is gapless per series and financial year, and a month lies inside one financial year, so
 * totnum = last − first + 1.
 */
function documentsIssued(docs: readonly Doc[]): DocumentsIssued[] {
  const bySeries = new Map<string, Doc[]>();
  for (const d of docs) bySeries.set(d.series, [...(bySeries.get(d.series) ?? []), d]);
  const seriesOf = (kind: Doc['kind']): DocumentSeries[] =>
    [...bySeries.entries()]
      .filter(([, list]) => list[0]?.kind === kind)
      .sort(([a], [b]) => (a === 'INV' ? -1 : b === 'INV' ? 1 : a.localeCompare(b)))
      .map(([, list], i) => {
        const sorted = [...list].sort((a, b) => sequenceOf(a.number) - sequenceOf(b.number));
        const cancel = list.filter((d) => d.voided).length;
        return {
          num: i + 1,
          from: sorted[0]?.number ?? '',
          to: sorted.at(-1)?.number ?? '',
          totnum: list.length,
          cancel,
          net_issue: list.length - cancel,
        };
      });
  const out: DocumentsIssued[] = [];
  const invoices = seriesOf('invoice');
  if (invoices.length > 0) out.push({ doc_num: 1, doc_typ: 'Invoices for outward supply', docs: invoices });
  const notes = seriesOf('credit_note');
  if (notes.length > 0) out.push({ doc_num: 5, doc_typ: 'Credit Note', docs: notes });
  return out;
}
