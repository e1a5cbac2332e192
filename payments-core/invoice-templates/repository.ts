/**
 * Concurrency: every write (create, edit, archive, and the demotion of the old default) runs under one
 * transaction-level advisory lock (`LOCK_TEMPLATES`) and reads the latest version inside it, so concurrent edits
 * apply in turn, each on the last; (id, version) is the primary key besides.
 */
export const LOCK_TEMPLATES = "SELECT pg_advisory_xact_lock(hashtext('invoice_templates'))";
export const TEMPLATE_COLUMNS = `
SELECT 'invoice_template' AS object, t.id, t.version, t.name, t.status, t.is_default, t.logo_base64, t.primary_color,
  t.accent_color, t.header_text, t.footer_text, t.terms, t.locale, t.show_fields, t.created_at
FROM invoice_templates t`;
/** The latest version of each template. */
export const LATEST_TEMPLATES = `${TEMPLATE_COLUMNS}
WHERE (t.id, t.version) IN (SELECT id, max(version) FROM invoice_templates GROUP BY id)`;
export const TEMPLATE_VERSION = `${TEMPLATE_COLUMNS} WHERE t.id = $id AND t.version = $version`;
export const LATEST_TEMPLATE = `${TEMPLATE_COLUMNS} WHERE t.id = $id ORDER BY t.version DESC LIMIT 1`;
export const DEFAULT_TEMPLATE = `${LATEST_TEMPLATES} AND t.is_default AND t.status = 'active' ORDER BY t.created_at DESC LIMIT 1`;
export const INSERT_TEMPLATE = `
INSERT INTO invoice_templates (id, version, name, status, is_default, logo_base64, primary_color, accent_color,
  header_text, footer_text, terms, locale, show_fields, created_at)
VALUES ($id, $version, $name, $status, $is_default, $logo_base64, $primary_color, $accent_color, $header_text,
  $footer_text, $terms, $locale, $show_fields, $at)`;
