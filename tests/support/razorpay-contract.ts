import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ObservedRequest } from '../../payments-core/gateway/simulator/server.js';

/**
 * Razorpay's documented contract for the endpoints kosh uses: one fixture file per entity in
 * tests/fixtures/razorpay-contract/, each endpoint with its documented parameters (mandatory and optional), request
 * and response example, and the page it comes from (written by scripts/razorpay-contract-fixtures.mjs from the
 * razorpay-node SDK's documents, which quote Razorpay's API reference).
 */
export interface ContractEndpoint {
  readonly entity: string;
  readonly title: string;
  readonly doc: string | null;
  readonly source: string;
  readonly method: string;
  readonly path: string;
  readonly in: 'body' | 'query';
  readonly required: readonly string[];
  readonly optional: readonly string[];
  readonly request: Record<string, unknown> | null;
  readonly response: Record<string, unknown> | null;
}

const DIR = path.join(import.meta.dirname, '..', 'fixtures', 'razorpay-contract');

export function loadContract(): ContractEndpoint[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => {
      const file = JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as {
        entity: string;
        endpoints: Omit<ContractEndpoint, 'entity'>[];
      };
      return file.endpoints.map((e) => ({ ...e, entity: file.entity }));
    });
}

const pathPattern = (template: string) => new RegExp(`^${template.replace(/:[a-z_]+/g, '[^/]+')}/?$`);

/** The fields a request sends, as the contract names them (`expand[]` for a repeated query key). */
const fieldsOf = (endpoint: ContractEndpoint, request: ObservedRequest) =>
  Object.keys(endpoint.in === 'body' ? request.body : request.query).map((k) => k.replace(/\[\d*\]$/, '[]'));

/**
 * What is wrong with a request against the contract: nothing when it matches one documented variant of its endpoint
 * (every mandatory parameter sent, nothing undocumented); else one line saying what.
 */
export function contractViolation(contract: readonly ContractEndpoint[], request: ObservedRequest): string | null {
  const variants = contract.filter((e) => e.method === request.method && pathPattern(e.path).test(request.path));
  if (variants.length === 0) return `${request.method} ${request.path}: no documented endpoint`;
  const problems = variants.map((e) => {
    const fields = fieldsOf(e, request);
    const known = new Set([...e.required, ...e.optional]);
    const unknown = fields.filter((f) => !known.has(f));
    const missing = e.required.filter((f) => !fields.includes(f));
    return { e, unknown, missing };
  });
  if (problems.some((p) => p.unknown.length === 0 && p.missing.length === 0)) return null;
  return problems
    .map(
      (p) =>
        `${request.method} ${request.path} against "${p.e.title}" (${p.e.doc}): ` +
        [
          p.missing.length > 0 ? `missing ${p.missing.join(', ')}` : '',
          p.unknown.length > 0 ? `undocumented ${p.unknown.join(', ')}` : '',
        ]
          .filter((x) => x !== '')
          .join('; '),
    )
    .join(' | ');
}

/** Records the violations of the requests kosh's adapter (the razorpay SDK) sends; tests' own calls are not judged. */
export function contractRecorder(): { observe: (r: ObservedRequest) => void; violations: string[]; checked: number } {
  const contract = loadContract();
  const recorder = {
    violations: [] as string[],
    checked: 0,
    observe(r: ObservedRequest) {
      if (!r.userAgent.startsWith('razorpay-node@')) return;
      recorder.checked++;
      const v = contractViolation(contract, r);
      if (v !== null && !recorder.violations.includes(v)) recorder.violations.push(v);
    },
  };
  return recorder;
}
