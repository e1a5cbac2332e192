/**
 * The API reference's generated files: `npm run openapi` writes docs/openapi.json (the document /openapi.json serves)
 * and docs/errors.md (every error `code` kosh answers with, from its throw sites). tests/serving/openapi.test.ts
 * lints the first and fails when the second is stale.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../platform/clock.js';
import type { ErrorKind } from '../platform/errors.js';
import { createLog } from '../platform/log.js';
import { STATUS } from '../serving/plugins/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The folders whose code throws `AppError`s that reach HTTP. */
const SOURCES = ['platform', 'payments-core', 'features', 'models', 'pipelines', 'serving'];

/** The OpenAPI document of buildApp, built without a database, gateway or clock (nothing is called). */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const { buildApp } = await import('../serving/app.js');
  const app = await buildApp({
    db: {} as never,
    clock: systemClock,
    gateway: {} as never,
    log: createLog({ level: 'silent' }),
    inbox: {} as never,
    config: { webhookSecrets: [], webhookAllowCidrs: [], denyCidrs: [], rateLimitPerMinute: 100, testClocks: true },
  });
  await app.ready();
  const doc = app.swagger() as unknown as Record<string, unknown>;
  await app.close();
  return doc;
}

/** Codes the HTTP layer answers itself (serving/plugins/errors.ts: validation, parsing, routing, Node's refusals). */
const HTTP_LAYER: [code: string, status: number, meaning: string][] = [
  ['validation_failed', 400, 'The request failed its schema; `errors[]` names each field'],
  ['invalid_json', 400, 'The body is not JSON (or is empty where JSON is required)'],
  ['invalid_content_length', 400, 'Content-Length does not match the body'],
  ['malformed_http', 400, 'The request is not valid HTTP/1.1'],
  ['route_not_found', 404, 'No route for this method and path'],
  ['request_timeout', 408, 'The request was not sent whole within the request timeout'],
  ['payload_too_large', 413, 'The body is larger than 1 MiB'],
  ['unsupported_media_type', 415, 'The body has a content type this operation does not take'],
  ['headers_too_large', 431, 'The request headers are too large'],
  ['internal_error', 500, 'An unexpected failure; the answer discloses nothing more'],
];

interface Entry {
  statuses: Set<number>;
  meaning: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** A throw site's message as a sentence: interpolations become `…`. */
const meaningOf = (message: string | undefined): string =>
  message === undefined ? '' : message.replace(/\$\{[^}]*\}/g, '…').replace(/\|/g, '\\|');

/**
 * Every literal error code thrown in the source, with its status (from the `ErrorKind`) and the message of its first
 * throw site. Codes built at run time (the first field error's code) are listed from the field errors' own literals.
 */
export function errorCodes(): { codes: Map<string, Entry>; fieldCodes: Map<string, string> } {
  const codes = new Map<string, Entry>();
  const fieldCodes = new Map<string, string>();
  const add = (code: string, status: number, meaning: string) => {
    const entry = codes.get(code);
    if (entry === undefined) codes.set(code, { statuses: new Set([status]), meaning });
    else {
      entry.statuses.add(status);
      if (entry.meaning === '') entry.meaning = meaning;
    }
  };
  for (const [code, status, meaning] of HTTP_LAYER) add(code, status, meaning);
  const str = String.raw`(?:'([^']*)'|\x60([^\x60]*)\x60|"([^"]*)")`;
  const patterns: [RegExp, (m: RegExpExecArray) => void][] = [
    [
      /\bnotFound\(\s*'([a-z_]+)'/g,
      (m) => add(`${m[1]}_not_found`, 404, `No ${m[1]?.replace(/_/g, ' ')} with this id`),
    ],
    [
      new RegExp(String.raw`\b(invalid|malformed|conflict)\(\s*'([a-z_]+)',\s*${str}`, 'g'),
      (m) => add(m[2] ?? '', STATUS[m[1] as ErrorKind], meaningOf(m[3] ?? m[4] ?? m[5])),
    ],
    [
      new RegExp(String.raw`new AppError\(\s*'([a-z_]+)',\s*'([a-z_]+)',\s*${str}`, 'g'),
      (m) => add(m[2] ?? '', STATUS[m[1] as ErrorKind], meaningOf(m[3] ?? m[4] ?? m[5])),
    ],
  ];
  for (const file of SOURCES.flatMap(sourceFiles)) {
    // A code held in a constant of the same file (`const PAYMENT_BLOCKED = 'payment_blocked_by_risk'`) reads as its value.
    const raw = readFileSync(file, 'utf8');
    const text = raw.replace(/new AppError\(\s*('[a-z_]+'),\s*([A-Z][A-Z_]+),/g, (site, kind: string, name: string) => {
      const value = new RegExp(`const ${name} = ('[a-z_]+')`).exec(raw)?.[1];
      return value === undefined ? site : `new AppError(${kind}, ${value},`;
    });
    for (const [re, record] of patterns) for (const m of text.matchAll(re)) record(m as RegExpExecArray);
    for (const m of text.matchAll(new RegExp(String.raw`code:\s*'([a-z_]+)',\s*message:\s*${str}`, 'g'))) {
      const code = m[1] ?? '';
      if (!fieldCodes.has(code)) fieldCodes.set(code, meaningOf(m[2] ?? m[3] ?? m[4]));
    }
  }
  for (const code of codes.keys()) fieldCodes.delete(code);
  return { codes, fieldCodes };
}

/** docs/errors.md. */
export function errorCatalogue(): string {
  const { codes, fieldCodes } = errorCodes();
  const rows = [...codes.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, e]) => `| \`${code}\` | ${[...e.statuses].sort().join(', ')} | ${e.meaning} |`);
  const fieldRows = [...fieldCodes.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, meaning]) => `| \`${code}\` | ${meaning} |`);
  return [
    '# Error codes',
    '',
    'Generated by `npm run openapi` (scripts/api-docs.ts) from the throw sites in the source; do not edit.',
    'Every error is an RFC 9457 problem document (`application/problem+json`) with `type`, `title`, `status`,',
    '`detail` (below 500 only), `instance` (the request id), this `code`, and `errors[]` naming the fields at fault.',
    'The meaning is the message of the first place that raises the code; `…` stands for a value filled in.',
    '',
    '| code | HTTP status | meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
    '## Field codes',
    '',
    'Codes of `errors[]` entries (`{ field, code, message }`). Where a use case checks several fields at once, the',
    "problem's own `code` is that of its first field error, so these can also appear as the top-level `code` (422).",
    '',
    '| code | message |',
    '| --- | --- |',
    ...fieldRows,
    '',
  ].join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  writeFileSync(path.join(ROOT, 'docs/openapi.json'), `${JSON.stringify(await openApiDocument(), null, 2)}\n`);
  writeFileSync(path.join(ROOT, 'docs/errors.md'), errorCatalogue());
}
