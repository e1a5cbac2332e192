import { AppError, type FieldError, invalid, notFound } from '../../platform/errors.js';
import { checkIfMatch } from '../../platform/etag.js';
import { IST_OFFSET_MS } from '../../platform/ist.js';
import type { InvoiceDeps } from './finalize-invoice.js';
import { getInvoice } from './find-invoices.js';
import { storeInvoicePdf } from './publish-invoice.js';
import { IRN_STATE, LOCK_INVOICE, SET_IRN } from './repository.js';
import type { Invoice } from './types.js';

/** What an IRP answers for a registered e-invoice (its Irn, AckNo, AckDt and SignedQRCode). */
export interface IrnInput {
  /** 64 hexadecimal digits: the IRP's SHA-256 of supplier GSTIN, financial year, document type and number. */
  readonly irn: string;
  /** The IRP's AckNo: a number in its JSON, taken as digits. */
  readonly ack_no: string | number;
  /** As the IRP writes it, `YYYY-MM-DD HH:mm:ss` in IST, or an RFC 3339 instant. */
  readonly ack_date: string;
  /** The JWT the IRP signs (header.payload.signature, base64url). */
  readonly signed_qr_code: string;
}

const RECORDABLE = ['finalized', 'paid', 'partially_paid', 'uncollectible'];

function ackInstant(s: string): Date | null {
  const ist = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  const t =
    ist === null
      ? /[zZ]|[+-]\d{2}:\d{2}$/.test(s)
        ? Date.parse(s)
        : Number.NaN
      : Date.parse(`${s.replace(' ', 'T')}Z`) - IST_OFFSET_MS;
  return Number.isFinite(t) ? new Date(t) : null;
}

/** The JWT's payload, when it is one; its `data` (a JSON string at NIC) names the IRN it was signed for. */
function signedIrnOf(jwt: string): string | null | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as { data?: unknown };
    const data = typeof payload.data === 'string' ? (JSON.parse(payload.data) as { Irn?: unknown }) : payload.data;
    const irn = (data as { Irn?: unknown } | undefined)?.Irn;
    return typeof irn === 'string' ? irn.toLowerCase() : null;
  } catch {
    return undefined;
  }
}

/**
 * Records the IRP's answer for a finalised B2B invoice the operator registered (kosh has no IRP credentials): IRN,
 * acknowledgement and signed QR, then re-renders the stored PDF, which prints them with the QR. Once recorded they
 * never change: the same answer again returns the invoice, a different one is 409 `irn_already_recorded`; a draft,
 * voided, credit-note, bill-of-supply or B2C document is 409 `invoice_not_e_invoiced`. Bad fields are 422, each
 * named. The signature of the QR cannot be checked here (no IRP key): only its shape and the IRN it names. With
 * `ifMatch` (an ETag from a read), an invoice changed since is refused with 412; the same answer again still returns
 * the invoice (RFC 9110 §13.1.1: the change is already in effect).
 */
export async function recordInvoiceIrn(
  deps: InvoiceDeps,
  id: string,
  input: IrnInput,
  ifMatch?: string | undefined,
): Promise<Invoice> {
  const fields: FieldError[] = [];
  const irn = typeof input.irn === 'string' ? input.irn.toLowerCase() : '';
  if (!/^[0-9a-f]{64}$/.test(irn)) {
    fields.push({ field: '/irn', code: 'invalid_irn', message: '64 hexadecimal digits, as the IRP returns it' });
  }
  const ackNo =
    typeof input.ack_no === 'number' && Number.isSafeInteger(input.ack_no) ? String(input.ack_no) : input.ack_no;
  if (typeof ackNo !== 'string' || !/^[0-9]{1,20}$/.test(ackNo)) {
    fields.push({ field: '/ack_no', code: 'invalid_ack_no', message: "the IRP's acknowledgement number, digits only" });
  }
  const ackAt = ackInstant(input.ack_date ?? '');
  if (ackAt === null) {
    fields.push({
      field: '/ack_date',
      code: 'invalid_ack_date',
      message: 'YYYY-MM-DD HH:mm:ss (IST) or an RFC 3339 instant',
    });
  }
  const signedIrn = signedIrnOf(input.signed_qr_code ?? '');
  if (signedIrn === undefined) {
    fields.push({
      field: '/signed_qr_code',
      code: 'invalid_signed_qr_code',
      message: 'the JWT the IRP returned (three base64url parts)',
    });
  } else if (signedIrn !== null && fields.length === 0 && signedIrn !== irn) {
    fields.push({ field: '/signed_qr_code', code: 'irn_mismatch', message: 'the signed QR code names another IRN' });
  }
  const first = fields[0];
  if (first !== undefined) throw invalid(first.code, first.message, fields);

  const state = await deps.db.one<{
    kind: string;
    status: string;
    document_type: string;
    customer_gstin: string | null;
    irn: string | null;
    irn_ack_no: string | null;
    irn_ack_at: Date | null;
    irn_signed_qr: string | null;
  }>(IRN_STATE, { id });
  if (state === undefined) throw notFound('invoice', id);
  if (state.irn !== null) {
    const same =
      state.irn === irn &&
      state.irn_ack_no === ackNo &&
      state.irn_ack_at?.getTime() === ackAt?.getTime() &&
      state.irn_signed_qr === input.signed_qr_code;
    if (same) return published(deps, id);
    throw new AppError('conflict', 'irn_already_recorded', `invoice ${id} has its IRN already: it never changes`, {
      fields: [{ field: '/irn', code: 'irn_already_recorded', message: `recorded: ${state.irn}` }],
    });
  }
  const b2b = state.kind === 'invoice' && state.customer_gstin !== null && state.document_type !== 'bill_of_supply';
  if (!b2b || !RECORDABLE.includes(state.status)) {
    const why = !b2b ? 'only a B2B tax invoice (a recipient GSTIN) is e-invoiced' : `the invoice is ${state.status}`;
    throw new AppError('conflict', 'invoice_not_e_invoiced', `invoice ${id}: ${why}`, {
      fields: [{ field: '/id', code: 'invoice_not_e_invoiced', message: why }],
    });
  }
  const set = await deps.db.transaction(async (tx) => {
    if (ifMatch !== undefined) {
      // With If-Match (an ETag from a read) the invoice must still be that one: checked under the row's lock.
      await tx.one(LOCK_INVOICE, { id });
      checkIfMatch(ifMatch, await getInvoice(tx, id), 'invoice', id);
    }
    return tx.one(SET_IRN, {
      id,
      irn,
      ack_no: ackNo,
      ack_at: ackAt,
      signed_qr: input.signed_qr_code,
      at: deps.clock.now(),
    });
  });
  // Lost to a concurrent void or recording: answer from what now stands.
  if (set === undefined) return recordInvoiceIrn(deps, id, input, ifMatch);
  return published(deps, id);
}

/** Stores the PDF again, now with the IRN and QR; a failure is logged, and recording the same answer again retries. */
async function published(deps: InvoiceDeps, id: string): Promise<Invoice> {
  if (deps.objects !== undefined) {
    try {
      await storeInvoicePdf({ db: deps.db, objects: deps.objects }, id);
    } catch (err) {
      deps.log?.error({ err, invoice_id: id }, 'invoice PDF not re-rendered with its IRN');
    }
  }
  return getInvoice(deps.db, id);
}
