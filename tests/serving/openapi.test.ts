import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue, openApiDocument } from '../../scripts/api-docs.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
type Operation = Record<string, any> & { operationId?: string; summary?: string };

describe('API reference (/openapi.json)', () => {
  let doc: Record<string, any>;
  let ops: [string, Operation][];
  let dir: string | undefined;
  beforeAll(async () => {
    doc = await openApiDocument();
    ops = Object.entries(doc['paths'] as Record<string, Record<string, Operation>>).flatMap(([p, byMethod]) =>
      Object.entries(byMethod).map(([m, op]): [string, Operation] => [`${m.toUpperCase()} ${p}`, op]),
    );
    dir = mkdtempSync(path.join(tmpdir(), 'kosh-openapi-'));
    // Building the app imports every route module: seconds alone, more when the suite shares the cores.
  }, 90_000);
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('when the document is linted with the recommended rules (redocly.yaml) → no error', async () => {
    const file = path.join(dir as string, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const cli = path.join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
    const run = promisify(execFile)(
      process.execPath,
      [cli, 'lint', file, '--config', path.join(ROOT, 'redocly.yaml'), '--format', 'json'],
      {
        cwd: dir,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' },
      },
    );
    const out = await run.then(
      (r) => r.stdout,
      (err: { stdout?: string }) => err.stdout ?? '',
    );
    const report = JSON.parse(out.slice(out.indexOf('{'))) as {
      totals: { errors: number };
      problems: { ruleId: string; severity: string; message: string }[];
    };
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 60_000);

  it('when any operation is listed → it has a unique camelCase operationId, a summary and a tag', () => {
    expect(ops.length).toBeGreaterThan(100);
    for (const [name, op] of ops) {
      expect(op.operationId, name).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(op.summary, name).toBeTruthy();
      expect(op['tags']?.length, name).toBeGreaterThan(0);
    }
    const ids = ops.map(([, op]) => op.operationId);
    expect(ids.length).toBe(new Set(ids).size);
  });

  it('when an operation can fail → each error status is problem+json of the named Problem schema', () => {
    expect(Object.keys(doc['components'].schemas)).toEqual(
      expect.arrayContaining(['Problem', 'Payment', 'Order', 'Invoice', 'Subscription', 'Customer', 'Plan', 'Refund']),
    );
    for (const [name, op] of ops) {
      const errors = Object.entries(op['responses'] as Record<string, any>).filter(([s]) => /^([45]|default)/.test(s));
      expect(errors.length, name).toBeGreaterThan(0);
      for (const [status, res] of errors) {
        expect(res.content, `${name} ${status}`).toEqual({
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        });
      }
    }
  });

  it('when an operation needs a scope, takes a body or pages → its scope, Idempotency-Key, example and paging are documented', () => {
    const get = (name: string) => ops.find(([n]) => n === name)?.[1] as Operation;
    const create = get('POST /v1/payments');
    expect(create['x-required-scope']).toEqual(['payments:write']);
    expect(create['description']).toContain('`payments:write`');
    expect(create['responses']['200'] ?? create['responses']['201']).toBeDefined();
    for (const [name, op] of ops) {
      const scoped = op['x-required-scope'] !== undefined;
      const header = (op['parameters'] ?? []).find((p: { name: string }) => p.name === 'Idempotency-Key');
      expect(header !== undefined, name).toBe(scoped && name.startsWith('POST '));
      const body = op['requestBody']?.content?.['application/json'];
      if (body !== undefined) expect(body.example, name).toBeDefined();
    }
    const list = (get('GET /v1/invoices')['parameters'] as { name: string; description?: string }[]).filter((p) =>
      ['limit', 'starting_after'].includes(p.name),
    );
    expect(list.map((p) => [p.name, typeof p.description])).toEqual([
      ['limit', 'string'],
      ['starting_after', 'string'],
    ]);
    expect(get('POST /webhooks/razorpay')['security']).toEqual([]);
  });

  it('when docs/errors.md is compared with the codes thrown in the source → it is current (npm run openapi)', () => {
    expect(readFileSync(path.join(ROOT, 'docs/errors.md'), 'utf8')).toBe(errorCatalogue());
  });
});
