export type InvoiceKind = 'invoice' | 'credit_note';
export type InvoiceStatus = 'draft' | 'finalized' | 'paid' | 'partially_paid' | 'void' | 'uncollectible';
export type InvoiceSource =
  | 'subscription_period'
  | 'subscription_change'
  | 'monthly_statement'
  | 'manual'
  | 'credit_note';
export type TaxCategory = 'gst_exempt_school_meals' | 'gst';
export type SupplyType = 'intra' | 'inter';
export type DocumentType = 'tax_invoice' | 'bill_of_supply' | 'invoice_cum_bill_of_supply' | 'credit_note';
export type Series = 'INV' | 'BOS' | 'CN';

/** Statuses a finalised document may hold: anything past draft. */
export const FINAL_STATUSES: readonly InvoiceStatus[] = [
  'finalized',
  'paid',
  'partially_paid',
  'void',
  'uncollectible',
];

export interface InvoiceLineView {
  readonly line_no: number;
  readonly description: string;
  readonly quantity: number;
  readonly unit_amount: number;
  /** Taxable value in paise, before GST. */
  readonly amount: number;
  readonly tax_category: TaxCategory;
  readonly gst_rate_bp: number | null;
  readonly hsn_sac: string;
  /** The unit of the quantity, a GST UQC (NOS: numbers). */
  readonly uqc: string;
  readonly cgst: number;
  readonly sgst: number;
  readonly igst: number;
  readonly period_start: Date | null;
  readonly period_end: Date | null;
}

export interface Invoice {
  readonly object: 'invoice' | 'credit_note';
  readonly id: string;
  readonly number: string | null;
  readonly document_type: DocumentType;
  readonly status: InvoiceStatus;
  readonly source: InvoiceSource;
  readonly source_ref: string;
  readonly customer_id: string;
  readonly school_id: string;
  readonly subscription_id: string | null;
  readonly original_invoice_id: string | null;
  readonly currency: string;
  readonly supply_type: SupplyType;
  readonly supplier_state_code: string;
  readonly place_of_supply: string;
  readonly customer_gstin: string | null;
  readonly taxable: number;
  readonly exempt: number;
  readonly cgst: number;
  readonly sgst: number;
  readonly igst: number;
  readonly round_off: number;
  readonly total: number;
  readonly amount_paid: number;
  readonly amount_credited: number;
  /** total − paid − credited, never below zero. */
  readonly amount_due: number;
  readonly auto_finalize: boolean;
  readonly memo: string | null;
  readonly reason: string | null;
  readonly template_id: string | null;
  readonly template_version: number | null;
  readonly due_at: Date | null;
  readonly finalized_at: Date | null;
  readonly paid_at: Date | null;
  readonly voided_at: Date | null;
  readonly uncollectible_at: Date | null;
  /** The IRP's answer for a B2B e-invoice, as recorded by an operator (POST /v1/invoices/:id/irn); null until then. */
  readonly irn: string | null;
  readonly irn_ack_no: string | null;
  readonly irn_ack_at: Date | null;
  readonly created_at: Date;
  readonly updated_at: Date;
  readonly lines: InvoiceLineView[];
}

/** Finalisation delay and payment terms (config `invoicing`); the defaults are 60 minutes and 15 days. */
export interface InvoiceSettings {
  readonly finalizeDelayMinutes: number;
  readonly dueDays: number;
}
