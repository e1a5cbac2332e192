import type { Clock } from '../../platform/clock.js';
import type { Db, Sql } from '../../platform/db.js';
import { conflict, type FieldError, invalid } from '../../platform/errors.js';
import { checkIfMatch } from '../../platform/etag.js';
import { newId } from '../../platform/ids.js';
import { getInvoiceTemplate } from './find-templates.js';
import { INSERT_TEMPLATE, LOCK_TEMPLATES } from './repository.js';
import {
  DEFAULT_SHOW_FIELDS,
  DEFAULT_TEMPLATE_ID,
  type InvoiceTemplate,
  TEMPLATE_LOCALES,
  type TemplateLocale,
  type TemplateShowFields,
} from './types.js';

export interface TemplateInput {
  readonly name?: string | undefined;
  readonly is_default?: boolean | undefined;
  readonly logo_base64?: string | null | undefined;
  readonly primary_color?: string | undefined;
  readonly accent_color?: string | undefined;
  readonly header_text?: string | null | undefined;
  readonly footer_text?: string | null | undefined;
  readonly terms?: string | null | undefined;
  readonly locale?: TemplateLocale | undefined;
  readonly show_fields?: Partial<TemplateShowFields> | undefined;
}

const COLOR = /^#[0-9A-Fa-f]{6}$/;
const PNG = '89504e470d0a1a0a';
const JPEG = 'ffd8ff';
const MAX_LOGO_BYTES = 256 * 1024;

function check(input: TemplateInput): void {
  const fields: FieldError[] = [];
  for (const key of ['primary_color', 'accent_color'] as const) {
    const v = input[key];
    if (v !== undefined && !COLOR.test(v))
      fields.push({ field: `/${key}`, code: 'invalid_color', message: 'a #RRGGBB colour' });
  }
  if (input.locale !== undefined && !TEMPLATE_LOCALES.includes(input.locale)) {
    fields.push({ field: '/locale', code: 'invalid_locale', message: TEMPLATE_LOCALES.join(', ') });
  }
  if (input.logo_base64 !== undefined && input.logo_base64 !== null) {
    const bytes = Buffer.from(input.logo_base64, 'base64');
    const head = bytes.subarray(0, 8).toString('hex');
    if (bytes.length === 0 || bytes.length > MAX_LOGO_BYTES || !(head.startsWith(PNG) || head.startsWith(JPEG))) {
      fields.push({ field: '/logo_base64', code: 'invalid_logo', message: 'a base64 PNG or JPEG of at most 256 KiB' });
    }
  }
  const first = fields[0];
  if (first !== undefined) throw invalid('invalid_invoice_template', `${first.field}: ${first.message}`, fields);
}

type Version = Omit<InvoiceTemplate, 'object' | 'created_at'>;

/**
 * Writes the version `build` makes from what it reads inside the transaction, under the templates' lock: concurrent
 * edits apply one after another, each on top of the last; one that names an ETag (If-Match) is checked against the
 * latest version read under that lock, so of several edits from the same ETag exactly one wins.
 */
async function insertVersion(db: Db, clock: Clock, build: (tx: Sql) => Promise<Version>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.one(LOCK_TEMPLATES);
    const t = await build(tx);
    // One default at a time: marking this one demotes the others (as a new version of each, so history stays).
    if (t.is_default) {
      await tx.run(
        `INSERT INTO invoice_templates
         SELECT id, version + 1, name, status, false, logo_base64, primary_color, accent_color, header_text, footer_text,
           terms, locale, show_fields, $at::timestamptz
         FROM invoice_templates
         WHERE (id, version) IN (SELECT id, max(version) FROM invoice_templates GROUP BY id) AND is_default AND id <> $id`,
        { id: t.id, at: clock.now() },
      );
    }
    await tx.run(INSERT_TEMPLATE, {
      id: t.id,
      version: t.version,
      name: t.name,
      status: t.status,
      is_default: t.is_default,
      logo_base64: t.logo_base64,
      primary_color: t.primary_color,
      accent_color: t.accent_color,
      header_text: t.header_text,
      footer_text: t.footer_text,
      terms: t.terms,
      locale: t.locale,
      show_fields: JSON.stringify(t.show_fields),
      at: clock.now(),
    });
  });
}

/** Creates a template at version 1. */
export async function createInvoiceTemplate(
  deps: { db: Db; clock: Clock },
  input: TemplateInput,
): Promise<InvoiceTemplate> {
  check(input);
  const id = newId('tmpl');
  await insertVersion(deps.db, deps.clock, async () => ({
    id,
    version: 1,
    name: input.name ?? 'Untitled template',
    status: 'active',
    is_default: input.is_default ?? false,
    logo_base64: input.logo_base64 ?? null,
    primary_color: input.primary_color ?? '#1F4E79',
    accent_color: input.accent_color ?? '#E8EEF5',
    header_text: input.header_text ?? null,
    footer_text: input.footer_text ?? null,
    terms: input.terms ?? null,
    locale: input.locale ?? 'en-IN',
    show_fields: { ...DEFAULT_SHOW_FIELDS, ...input.show_fields },
  }));
  return getInvoiceTemplate(deps.db, id);
}

/**
 * Writes a new version with the changes; documents finalised earlier keep rendering with their version. With
 * `ifMatch` (an ETag of the latest version), a template changed since is refused with 412 instead of edited.
 */
export async function updateInvoiceTemplate(
  deps: { db: Db; clock: Clock },
  id: string,
  input: TemplateInput,
  ifMatch?: string | undefined,
): Promise<InvoiceTemplate> {
  check(input);
  const pick = <T>(v: T | undefined, c: T): T => (v === undefined ? c : v);
  await insertVersion(deps.db, deps.clock, async (tx) => {
    const current = await getInvoiceTemplate(tx, id);
    checkIfMatch(ifMatch, current, 'invoice_template', id);
    if (current.status === 'archived') throw conflict('template_archived', `template ${id} is archived`);
    return {
      id,
      version: current.version + 1,
      name: pick(input.name, current.name),
      status: 'active',
      is_default: pick(input.is_default, current.is_default),
      logo_base64: pick(input.logo_base64, current.logo_base64),
      primary_color: pick(input.primary_color, current.primary_color),
      accent_color: pick(input.accent_color, current.accent_color),
      header_text: pick(input.header_text, current.header_text),
      footer_text: pick(input.footer_text, current.footer_text),
      terms: pick(input.terms, current.terms),
      locale: pick(input.locale, current.locale),
      show_fields: { ...current.show_fields, ...input.show_fields },
    };
  });
  return getInvoiceTemplate(deps.db, id);
}

/** Archives a template (a new, archived version): no new document uses it; finalised ones still render. */
export async function archiveInvoiceTemplate(
  deps: { db: Db; clock: Clock },
  id: string,
  ifMatch?: string | undefined,
): Promise<InvoiceTemplate> {
  if (id === DEFAULT_TEMPLATE_ID)
    throw conflict('template_builtin', 'the built-in default template cannot be archived');
  await insertVersion(deps.db, deps.clock, async (tx) => {
    const current = await getInvoiceTemplate(tx, id);
    checkIfMatch(ifMatch, current, 'invoice_template', id);
    if (current.status === 'archived') throw conflict('template_archived', `template ${id} is archived`);
    return { ...current, version: current.version + 1, status: 'archived', is_default: false };
  });
  return getInvoiceTemplate(deps.db, id);
}
