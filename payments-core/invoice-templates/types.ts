/** Which optional parts of a document a template shows (the GST-required fields always show). */
export interface TemplateShowFields {
  readonly hsn_sac: boolean;
  readonly service_period: boolean;
  readonly customer_email: boolean;
  readonly school: boolean;
}

export const DEFAULT_SHOW_FIELDS: TemplateShowFields = {
  hsn_sac: true,
  service_period: true,
  customer_email: true,
  school: true,
};

export const TEMPLATE_LOCALES = ['en-IN', 'en-GB', 'en-US'] as const;
export type TemplateLocale = (typeof TEMPLATE_LOCALES)[number];

/** One version of a PDF template; every edit writes a new version, finalised invoices name the one they used. */
export interface InvoiceTemplate {
  readonly object: 'invoice_template';
  readonly id: string;
  readonly version: number;
  readonly name: string;
  readonly status: 'active' | 'archived';
  readonly is_default: boolean;
  /** Base64 of a PNG or JPEG logo, or null. */
  readonly logo_base64: string | null;
  readonly primary_color: string;
  readonly accent_color: string;
  readonly header_text: string | null;
  readonly footer_text: string | null;
  readonly terms: string | null;
  readonly locale: TemplateLocale;
  readonly show_fields: TemplateShowFields;
  readonly created_at: Date;
}

export const DEFAULT_TEMPLATE_ID = 'tmpl_default';
