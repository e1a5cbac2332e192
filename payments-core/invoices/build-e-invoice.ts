import type { Sql } from '../../platform/db.js';
import { type FieldError, invalid, notFound } from '../../platform/errors.js';
import { istDate } from '../../platform/ist.js';
import type { DocumentSnapshot } from './invoice-document.js';
import { LINES_OF } from './repository.js';

/*
 * The e-invoice JSON of the NIC schema INV-01, version 1.1, for the Invoice Registration Portal (IRP). Fields and
 * limits as published in the NIC e-invoice schema and summarised in
 *  - ClearTax, "E-Invoice Object" (Version "1.1", TranDtls, DocDtls, SellerDtls, BuyerDtls, ItemList, ValDtls and
 *    their mandatory fields), https://docs.cleartax.in/cleartax-docs/e-invoicing-api/e-invoicing-api-reference/resources-and-master/e-invoice-object
 *  - gst_einvoice (INV-01, schema version 1.1: GSTIN, tax split and total checks), https://pub.dev/documentation/gst_einvoice/0.1.0/
 * kosh holds no IRP credentials: this is a prepared payload. The IRN and signed QR come only from an IRP.
 */

export interface EInvoiceParty {
  readonly Gstin: string;
  readonly LglNm: string;
  readonly Addr1: string;
  readonly Addr2?: string;
  readonly Loc: string;
  readonly Pin: number;
  readonly Stcd: string;
  readonly Em?: string;
}

/** The GST rates INV-01 accepts (GstRt); a line at any other rate cannot be e-invoiced. */
export const INV01_GST_RATES = [0, 0.1, 0.25, 1, 1.5, 3, 5, 6, 7.5, 12, 18, 28, 40] as const;
export type Inv01GstRate = (typeof INV01_GST_RATES)[number];
const isInv01Rate = (r: number): r is Inv01GstRate => (INV01_GST_RATES as readonly number[]).includes(r);

export interface EInvoiceItem {
  readonly SlNo: string;
  readonly PrdDesc: string;
  readonly IsServc: 'Y' | 'N';
  readonly HsnCd: string;
  readonly Qty: number;
  readonly Unit: string;
  readonly UnitPrice: number;
  readonly TotAmt: number;
  readonly Discount: number;
  readonly AssAmt: number;
  readonly GstRt: Inv01GstRate;
  readonly IgstAmt: number;
  readonly CgstAmt: number;
  readonly SgstAmt: number;
  readonly CesRt: number;
  readonly CesAmt: number;
  readonly CesNonAdvlAmt: number;
  readonly StateCesRt: number;
  readonly StateCesAmt: number;
  readonly StateCesNonAdvlAmt: number;
  readonly OthChrg: number;
  readonly TotItemVal: number;
}

export interface EInvoice {
  readonly Version: '1.1';
  readonly TranDtls: {
    readonly TaxSch: 'GST';
    readonly SupTyp: 'B2B';
    readonly RegRev: 'N';
    readonly EcmGstin: null;
    readonly IgstOnIntra: 'N';
  };
  readonly DocDtls: { readonly Typ: 'INV'; readonly No: string; readonly Dt: string };
  readonly SellerDtls: EInvoiceParty;
  readonly BuyerDtls: EInvoiceParty & { readonly Pos: string };
  readonly ItemList: EInvoiceItem[];
  readonly ValDtls: {
    readonly AssVal: number;
    readonly CgstVal: number;
    readonly SgstVal: number;
    readonly IgstVal: number;
    readonly CesVal: number;
    readonly StCesVal: number;
    readonly Discount: number;
    readonly OthChrg: number;
    readonly RndOffAmt: number;
    readonly TotInvVal: number;
  };
}

const DOC = `
SELECT kind, status, document_type, number, finalized_at, customer_gstin, place_of_supply, taxable_minor, exempt_minor,
  cgst_minor, sgst_minor, igst_minor, round_off_minor, total_minor, snapshot
FROM invoices WHERE id = $id`;

const rupees = (minor: number): number => minor / 100;
const clip = (s: string, max: number): string => (s.length <= max ? s : s.slice(0, max));
const PIN = /\b([1-9][0-9]{5})\b/g;

/**
 * The supplier's one-line address (`KOSH_SUPPLIER_ADDRESS`, e.g. "12 Residency Road, Bengaluru, Karnataka 560025")
 * split as INV-01 wants it: the first part as Addr1, the part before the state as the locality, the last PIN code.
 */
function supplierAddress(address: string): { Addr1: string; Loc: string; Pin: number } | null {
  const pin = [...address.matchAll(PIN)].at(-1)?.[1];
  const parts = address
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const first = parts[0];
  if (pin === undefined || first === undefined) return null;
  const loc = parts.length >= 3 ? (parts.at(-2) ?? first) : first;
  return { Addr1: clip(first, 100), Loc: clip(loc, 50).padEnd(3, '.'), Pin: Number(pin) };
}

/**
 * The INV-01 (v1.1) payload of a finalised B2B tax invoice (or invoice-cum-bill of supply: its exempt lines go in at
 * GST rate 0). Refused (422) for drafts, credit notes, voided documents, bills of supply and invoices without a
 * recipient GSTIN, and for a negative line (INV-01 has no negative assessable value: such a reduction is a credit note).
 */
export async function buildEInvoice(sql: Sql, id: string): Promise<EInvoice> {
  const row = await sql.one<Record<string, any>>(DOC, { id });
  if (row === undefined) throw notFound('invoice', id);
  const refuse = (code: string, message: string, field = '/id'): never => {
    throw invalid(code, message, [{ field, code, message }]);
  };
  if (row['kind'] !== 'invoice') refuse('not_b2b_invoice', 'a credit note is not e-invoiced as an invoice (INV-01)');
  if (row['status'] === 'draft' || row['snapshot'] === null) refuse('invoice_not_final', 'only a finalised invoice');
  if (row['status'] === 'void') refuse('invoice_voided', 'a voided invoice is not reported to the IRP');
  if (row['customer_gstin'] === null) {
    refuse(
      'not_b2b_invoice',
      'an invoice to an unregistered recipient (no GSTIN) is not e-invoiced',
      '/customer_gstin',
    );
  }
  if (row['document_type'] === 'bill_of_supply') {
    refuse('not_b2b_invoice', 'a bill of supply (only exempt supplies) is not e-invoiced', '/document_type');
  }
  const snapshot = JSON.parse(String(row['snapshot'])) as DocumentSnapshot;
  const buyerAddress = snapshot.customer.billing_address ?? null;
  if (buyerAddress === null) {
    refuse(
      'billing_address_required',
      'the recipient has no billing address on the invoice',
      '/customer/billing_address',
    );
  }
  const seller = supplierAddress(snapshot.supplier.address);
  if (seller === null) {
    refuse('supplier_address_incomplete', 'the supplier address needs a street and a PIN code', '/supplier/address');
  }
  const lines = await sql.all<Record<string, any>>(LINES_OF, { id });
  const rateOf = (l: Record<string, any>): number =>
    l['tax_category'] === 'gst' ? Number(l['gst_rate_bp'] ?? 0) / 100 : 0;
  const problems: FieldError[] = lines.flatMap((l) => {
    const at = `/lines/${Number(l['line_no']) - 1}`;
    const out: FieldError[] = [];
    if (Number(l['amount']) < 0) {
      out.push({ field: `${at}/amount`, code: 'negative_line', message: 'INV-01 takes no negative assessable value' });
    }
    if (!isInv01Rate(rateOf(l))) {
      out.push({
        field: `${at}/gst_rate_bp`,
        code: 'rate_not_in_inv01',
        message: 'INV-01 does not list this GST rate',
      });
    }
    return out;
  });
  const first = problems[0];
  if (first !== undefined) throw invalid(first.code, `this invoice cannot be e-invoiced: ${first.message}`, problems);

  const items = lines.map((l, i): EInvoiceItem => {
    const amount = Number(l['amount']);
    const cgst = Number(l['cgst']);
    const sgst = Number(l['sgst']);
    const igst = Number(l['igst']);
    const hsn = String(l['hsn_sac']);
    return {
      SlNo: String(i + 1),
      PrdDesc: clip(String(l['description']).padEnd(3, '.'), 300),
      IsServc: hsn.startsWith('99') ? 'Y' : 'N',
      HsnCd: hsn,
      Qty: Number(l['quantity']),
      Unit: String(l['uqc']),
      UnitPrice: rupees(Number(l['unit_amount'])),
      TotAmt: rupees(amount),
      Discount: 0,
      AssAmt: rupees(amount),
      GstRt: rateOf(l) as Inv01GstRate,
      IgstAmt: rupees(igst),
      CgstAmt: rupees(cgst),
      SgstAmt: rupees(sgst),
      CesRt: 0,
      CesAmt: 0,
      CesNonAdvlAmt: 0,
      StateCesRt: 0,
      StateCesAmt: 0,
      StateCesNonAdvlAmt: 0,
      OthChrg: 0,
      TotItemVal: rupees(amount + cgst + sgst + igst),
    };
  });
  const address = buyerAddress as NonNullable<typeof buyerAddress>;
  const sellerAt = seller as NonNullable<typeof seller>;
  const email = (e: string | null) => (e !== null && e.length >= 6 && e.length <= 100 ? { Em: e } : {});
  const issued = istDate(row['finalized_at'] as Date);
  return {
    Version: '1.1',
    TranDtls: { TaxSch: 'GST', SupTyp: 'B2B', RegRev: 'N', EcmGstin: null, IgstOnIntra: 'N' },
    DocDtls: {
      Typ: 'INV',
      No: String(row['number']),
      Dt: `${issued.slice(8, 10)}/${issued.slice(5, 7)}/${issued.slice(0, 4)}`,
    },
    SellerDtls: {
      Gstin: snapshot.supplier.gstin,
      LglNm: clip(snapshot.supplier.legal_name, 100),
      ...sellerAt,
      Stcd: snapshot.supplier.state_code,
      ...email(snapshot.supplier.email),
    },
    BuyerDtls: {
      Gstin: String(row['customer_gstin']),
      LglNm: clip(snapshot.customer.name.padEnd(3, '.'), 100),
      Pos: String(row['place_of_supply']),
      Addr1: clip(address.line1, 100),
      ...(address.line2 === null || address.line2.length < 3 ? {} : { Addr2: clip(address.line2, 100) }),
      Loc: clip(address.city, 50).padEnd(3, '.'),
      Pin: Number(address.postal_code),
      Stcd: address.state_code,
      ...email(snapshot.customer.email),
    },
    ItemList: items,
    ValDtls: {
      AssVal: rupees(Number(row['taxable_minor']) + Number(row['exempt_minor'])),
      CgstVal: rupees(Number(row['cgst_minor'])),
      SgstVal: rupees(Number(row['sgst_minor'])),
      IgstVal: rupees(Number(row['igst_minor'])),
      CesVal: 0,
      StCesVal: 0,
      Discount: 0,
      OthChrg: 0,
      RndOffAmt: rupees(Number(row['round_off_minor'])),
      TotInvVal: rupees(Number(row['total_minor'])),
    },
  };
}
