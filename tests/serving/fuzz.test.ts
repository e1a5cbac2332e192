import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../platform/clock.js';
import { type Harness, seedParent, startHarness } from '../support/harness.js';

/**
 * Every write operation of /openapi.json gets its documented example with real ids, each field of it mutated
 * (dropped, null, of the wrong type, at and past its bounds, hostile text), random JSON bodies, and hostile headers and
 * query strings — generated with a fixed seed, so a failure reproduces. `npm run fuzz` runs many more
 * (`KOSH_FUZZ_RUNS`, `KOSH_FUZZ_SEED`). Whatever kosh answers: never a 5xx; every error problem+json, a 400 or 422
 * naming the fields it refuses; and a refused request changes no table's row count.
 */
const RUNS = Number(process.env['KOSH_FUZZ_RUNS'] ?? 6);
const SEED = Number(process.env['KOSH_FUZZ_SEED'] ?? 20261207);
/** `npm run fuzz`: every hostile value on every field, not a rotating few. */
const DEEP = process.env['KOSH_FUZZ_DEEP'] === '1';

type Json = Record<string, unknown>;
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly schema: Json | null;
  readonly example: unknown;
  readonly query: readonly string[];
}
interface Case {
  readonly what: string;
  readonly url: string;
  readonly body: string | undefined;
  readonly headers: Record<string, string>;
}

/** Text attackers and careless clients send. */
const HOSTILE_TEXT = [
  "' OR 1=1 --",
  '"; DROP TABLE payments; --',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  '\u0000',
  '\u202eevil',
  '😀'.repeat(100),
  'a'.repeat(10_000),
  '\u0024{jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '__proto__',
  '   ',
  '',
  'NaN',
  'Infinity',
  '-0',
  '9'.repeat(400),
  '2026-02-30T25:61:61Z',
];
const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1.5,
  -(2 ** 53) - 2,
  1e308,
  [],
  [null],
  {},
  { __proto__: { admin: true } },
  { constructor: { prototype: { polluted: 1 } } },
  ...HOSTILE_TEXT,
];

/** Operations whose accepted requests take a second or more (an export, a gateway report, training): a quarter of
 * their cases outside `npm run fuzz`. */
const SLOW = new Set([
  'POST /v1/lake/exports',
  'POST /v1/reconciliation/runs/from-gateway',
  'POST /v1/models/churn/train',
  'POST /v1/models/fraud/train',
]);

/**
 * Tables a refused request may write by design: its idempotency record, the shared rate-limit windows and the shared
 * API request counts of the alert rules.
 */
const MAY_CHANGE = new Set(['idempotency_keys', 'rate_windows', 'api_request_counts']);

function operations(doc: Json): Operation[] {
  const ops: Operation[] = [];
  for (const [path, byMethod] of Object.entries(doc['paths'] as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(byMethod)) {
      if (method === 'get' || method === 'parameters') continue;
      const content = (op['requestBody'] as Json | undefined)?.['content'] as Record<string, Json> | undefined;
      const json = content?.['application/json'];
      const params = (op['parameters'] as Json[] | undefined) ?? [];
      ops.push({
        method: method.toUpperCase(),
        path,
        schema: (json?.['schema'] as Json | undefined) ?? null,
        example: json?.['example'],
        query: params.filter((p) => p['in'] === 'query').map((p) => String(p['name'])),
      });
    }
  }
  return ops;
}

/** Which collection an `…_id` field names. */
const COLLECTION_OF: Record<string, string> = {
  customer_id: 'customers',
  school_id: 'schools',
  payment_method_id: 'payment-methods',
  order_id: 'orders',
  plan_id: 'subscription-plans',
  subscription_id: 'subscriptions',
};

/** The documented example with the fuzz's real ids in its `…_id` fields, so valid requests reach the use cases. */
function withRealIds(example: unknown, ids: Record<string, string[]>): Json {
  if (example === null || typeof example !== 'object' || Array.isArray(example)) return {};
  const out: Json = { ...(example as Json) };
  for (const [field, collection] of Object.entries(COLLECTION_OF)) {
    const real = ids[collection]?.[0];
    if (field in out && real !== undefined) out[field] = real;
  }
  return out;
}

/** The body's top-level field mutations: each field dropped, null, wrong-typed, out of bounds or hostile. */
function mutations(schema: Json | null, base: Json): { what: string; body: unknown }[] {
  const props = (schema?.['properties'] as Record<string, Json> | undefined) ?? {};
  const out: { what: string; body: unknown }[] = [];
  let index = 0;
  for (const [name, prop] of Object.entries(props)) {
    const without = { ...base };
    delete without[name];
    out.push({ what: `without ${name}`, body: without });
    const bounds: unknown[] = [];
    for (const key of ['minimum', 'maximum'] as const) {
      const n = prop[key];
      if (typeof n === 'number') bounds.push(n, key === 'minimum' ? n - 1 : n + 1);
    }
    if (typeof prop['maxLength'] === 'number') bounds.push('x'.repeat(prop['maxLength'] + 1));
    // A few hostile values per field, a different few for each field (all of them under `npm run fuzz`).
    const picks = DEEP ? HOSTILE_VALUES : [0, 1, 2].map((k) => HOSTILE_VALUES[(index * 3 + k) % HOSTILE_VALUES.length]);
    index++;
    for (const value of [...bounds, null, {}, ...picks]) {
      out.push({ what: `${name} = ${JSON.stringify(value)?.slice(0, 40)}`, body: { ...base, [name]: value } });
    }
  }
  out.push({ what: 'an unknown field', body: { ...base, is_admin: true } });
  out.push({ what: 'a __proto__ key', body: JSON.parse(`{"__proto__": {"admin": true}, "x": 1}`) });
  return out;
}

describe('fuzzing every write operation of /openapi.json', () => {
  let h: Harness;
  let ops: Operation[];
  const ids: Record<string, string[]> = {};
  let countSql = '';

  beforeAll(async () => {
    h = await startHarness({ clock: fixedClock(new Date('2026-07-01T06:30:00Z')), fraudScoring: true });
    const parent = await seedParent(h);
    const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount: 50_000 });
    const plan = await h.api('POST', '/v1/subscription-plans', {
      school_id: parent.schoolId,
      name: 'Lunch monthly',
      amount: 300_000,
      interval: 'month',
    });
    const sub = await h.api('POST', '/v1/subscriptions', {
      customer_id: parent.customerId,
      plan_id: plan.body.id,
      payment_method_id: parent.methodId,
    });
    Object.assign(ids, {
      customers: [parent.customerId],
      schools: [parent.schoolId],
      'payment-methods': [parent.methodId],
      orders: [order.body.id],
      'subscription-plans': [plan.body.id],
      subscriptions: [sub.body.id],
    });
    ops = operations((await h.api('GET', '/openapi.json')).body);
    const tables = await h.db.all<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    countSql = `SELECT ${tables
      .filter((t) => !MAY_CHANGE.has(t.name) && !t.name.startsWith('schema_'))
      .map((t) => `(SELECT count(*) FROM "${t.name}")::int AS "${t.name}"`)
      .join(', ')}`;
  }, 120_000);
  afterAll(async () => h?.close());

  /** A path with a real id where the fuzz has one for that collection (every other time), else a hostile one. */
  const fill = (path: string, n: number): string =>
    path.replace(/\/([a-z-]+)\/\{(\w+)\}/g, (_m, collection: string) => {
      const real = ids[collection]?.[0];
      const fake = ['cus_DoesNotExist1', '..%2F..%2Fetc', '%00', 'x'.repeat(300), "1' OR '1'='1"][n % 5] as string;
      return `/${collection}/${real !== undefined && n % 2 === 0 ? real : encodeURIComponent(fake)}`;
    });

  function cases(op: Operation): Case[] {
    const json = { 'content-type': 'application/json' };
    const all: Case[] = [];
    const base = withRealIds(op.example, ids);
    const bodies =
      op.schema === null ? [] : [{ what: 'the documented example', body: base }, ...mutations(op.schema, base)];
    for (const [i, b] of bodies.entries()) {
      all.push({ what: b.what, url: fill(op.path, i), body: JSON.stringify(b.body), headers: json });
    }
    const random = fc.sample(fc.jsonValue({ maxDepth: 4 }), { seed: SEED, numRuns: RUNS });
    for (const [i, v] of random.entries()) {
      all.push({ what: `random JSON #${i}`, url: fill(op.path, i), body: JSON.stringify(v), headers: json });
    }
    const example = JSON.stringify(base);
    all.push(
      { what: 'truncated JSON', url: fill(op.path, 0), body: example.slice(0, -1), headers: json },
      {
        what: 'JSON sent as text/plain',
        url: fill(op.path, 0),
        body: example,
        headers: { 'content-type': 'text/plain' },
      },
      { what: 'a JSON array', url: fill(op.path, 0), body: `[${example}]`, headers: json },
      {
        what: 'a hostile Idempotency-Key',
        url: fill(op.path, 0),
        body: example,
        headers: { ...json, 'idempotency-key': 'ключ\u0000'.repeat(60) },
      },
      {
        what: 'hostile query strings',
        url: `${fill(op.path, 1)}?${[...op.query, 'limit', 'x'].map((q) => `${q}=%27%20OR%201%3D1&${q}[]=1`).join('&')}`,
        body: example,
        headers: json,
      },
    );
    return DEEP || !SLOW.has(`${op.method} ${op.path}`) ? all : all.filter((_c, i) => i % 4 === 0);
  }

  it('when every write operation is sent valid, boundary and hostile input → no 5xx, errors are problem+json naming fields, refusals write nothing', async () => {
    expect(ops.length).toBeGreaterThan(50);
    const problems: string[] = [];
    let sent = 0;
    await h.fraudScorer?.decisions.flush();
    let counts = await h.db.one<Record<string, number>>(countSql);
    const slowest: [number, string][] = [];
    for (const op of ops) {
      const started = performance.now();
      for (const c of cases(op)) {
        const res = await h.api(op.method as 'POST', c.url, c.body, c.headers);
        sent++;
        // The decision log is written in batches off the request path: what this request decided is in the table now.
        await h.fraudScorer?.decisions.flush();
        const name = `${op.method} ${c.url.slice(0, 80)} (${c.what})`;
        const after = await h.db.one<Record<string, number>>(countSql);
        if (res.status >= 500) problems.push(`${name} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        if (res.status >= 400) {
          const body = res.body as Json;
          if (
            !String(res.headers['content-type']).startsWith('application/problem+json') ||
            body['status'] !== res.status
          ) {
            problems.push(`${name} → ${res.status} is not problem+json: ${JSON.stringify(body).slice(0, 200)}`);
          }
          const fields = (body['errors'] as Json[] | undefined) ?? [];
          if ((res.status === 400 || res.status === 422) && !fields.every((e) => String(e['field']).startsWith('/'))) {
            problems.push(`${name} → ${res.status} without the field: ${JSON.stringify(body).slice(0, 200)}`);
          }
          if (res.status === 422 && fields.length === 0) {
            problems.push(`${name} → 422 names no field: ${JSON.stringify(body).slice(0, 200)}`);
          }
          const changed = Object.keys(after ?? {}).filter((t) => after?.[t] !== counts?.[t]);
          if (changed.length > 0)
            problems.push(`${name} → ${res.status} ${body['code']} but wrote ${changed.join(', ')}`);
        }
        counts = after;
      }
      slowest.push([performance.now() - started, `${op.method} ${op.path}`]);
    }
    slowest.sort((a, b) => b[0] - a[0]);
    if (process.env['KOSH_FUZZ_OUT'] !== undefined)
      console.log(
        slowest
          .slice(0, 12)
          .map(([ms, op]) => `${ms.toFixed(0)} ms ${op}`)
          .join('\n'),
      );
    if (process.env['KOSH_FUZZ_OUT'] !== undefined) writeFileSync(process.env['KOSH_FUZZ_OUT'], problems.join('\n'));
    console.log(`fuzz: ${sent} requests on ${ops.length} write operations, seed ${SEED}, ${problems.length} problems`);
    expect(problems).toEqual([]);
  }, 600_000);
});
