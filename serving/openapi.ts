import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import type { TSchema } from '@sinclair/typebox';
import { CustomerOut } from './routes/customers.js';
import { InstallmentPlanSchema, InstallmentSchema } from './routes/installments.js';
import { InvoiceSchema } from './routes/invoices.js';
import { SchoolOut } from './routes/schools.js';
import { SubscriptionEventSchema, SubscriptionPlanSchema, SubscriptionSchema } from './routes/subscriptions.js';
import { OrderSchema, PaymentMethodSchema, PaymentSchema, RefundSchema, WebhookEventSchema } from './schemas.js';

/**
 * The resources the reference names (`#/components/schemas/<Name>`). Routes keep using the TypeBox objects inline, so
 * validation and serialization stay as they are; the document replaces every copy of one with a `$ref` to its name.
 */
const NAMED: Record<string, TSchema> = {
  School: SchoolOut,
  Customer: CustomerOut,
  PaymentMethod: PaymentMethodSchema,
  Order: OrderSchema,
  Payment: PaymentSchema,
  Refund: RefundSchema,
  InstallmentPlan: InstallmentPlanSchema,
  Installment: InstallmentSchema,
  Plan: SubscriptionPlanSchema,
  Subscription: SubscriptionSchema,
  SubscriptionEvent: SubscriptionEventSchema,
  Invoice: InvoiceSchema,
  WebhookEvent: WebhookEventSchema,
};

/** In the order /docs lists them. */
const TAGS: { name: string; description: string }[] = [
  { name: 'customers', description: 'Parents who pay, each belonging to a school.' },
  {
    name: 'payment methods',
    description: "Saved gateway tokens (cards, UPI, mandates) of a customer: never a card's number.",
  },
  { name: 'orders', description: 'What a customer owes for one purchase; payments settle it.' },
  { name: 'payments', description: 'Attempts to collect an order through Razorpay: authorised, captured or failed.' },
  { name: 'refunds', description: 'Money returned on a captured payment, in part or in whole.' },
  {
    name: 'disputes',
    description:
      "Chargebacks a parent's bank raised against a captured payment: accepted or contested, won or lost; a loss leaves the school payable.",
  },
  { name: 'installments', description: 'An order split into dated parts, each paid as its own order.' },
  { name: 'subscriptions', description: 'Plans and the subscriptions that bill customers on them every period.' },
  { name: 'billing', description: 'Billing runs that charge the subscriptions due, and their records.' },
  { name: 'retries', description: 'Failed charges retried on a schedule.' },
  {
    name: 'dunning',
    description: 'Recovering failed subscription charges: cases, emails and payment method update links.',
  },
  {
    name: 'invoices',
    description: 'GST tax invoices, bills of supply and credit notes, with gapless numbers; templates; GSTR-1.',
  },
  { name: 'ledger', description: 'The double-entry ledger every money movement writes to.' },
  { name: 'reconciliation', description: "Matching the gateway's settlements against kosh's payments and refunds." },
  {
    name: 'payouts',
    description: 'Payouts to schools by bank transfer, recorded by finance, and what the ledger says is still owed.',
  },
  { name: 'webhooks', description: 'Razorpay webhooks in, and the events received.' },
  { name: 'fraud', description: 'Fraud scores for checkout (allow / review / block), rules and manual reviews.' },
  { name: 'models', description: 'Training, the model registry, champions and canaries; feature sets.' },
  { name: 'analytics', description: 'Payment, subscription (MRR, churn, cohorts) and invoice figures.' },
  { name: 'forecast', description: 'Revenue forecast with intervals.' },
  { name: 'churn', description: 'Churn risk per customer and the latest churn report.' },
  { name: 'schools', description: 'Schools: the merchants, with their state and GSTIN.' },
  { name: 'api keys', description: 'API keys and their scopes.' },
  { name: 'jobs', description: 'Scheduled jobs and their runs.' },
  { name: 'lake', description: 'Exports to the Parquet lake.' },
  { name: 'emails', description: 'Outgoing emails (invoices, dunning) and their delivery.' },
  { name: 'alerts', description: 'Alerts raised by the monitoring job.' },
  { name: 'test clocks', description: 'Simulated time for customers on a clock (only with `KOSH_TEST_CLOCKS`).' },
  { name: 'dashboard', description: "The dashboard page's session and data." },
];

const ERROR_MEANING = {
  400: 'The request failed validation (`validation_failed`, `invalid_json`): `errors[]` names each field',
  401: 'No API key, or an unknown one (`missing_api_key`, `invalid_api_key`)',
  403: "The key lacks the operation's scope (`missing_scope`)",
  404: 'No such resource (`<resource>_not_found`)',
  429: 'Too many requests (`rate_limited`); `Retry-After` says when to try again',
  500: 'An unexpected failure (`internal_error`); the body discloses nothing more',
} as const;

const SUCCESS: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'Done; no content' };

const IDEMPOTENCY_KEY = {
  type: 'string',
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x21-\\x7e]+$',
  description:
    'Makes a retry safe: the first answer (2xx or 4xx) is replayed for the same request with `Idempotent-Replayed: true`; another body under the same key is 422 `idempotency_key_reused`; while the first is running, 409 `idempotency_key_in_use`. A 5xx is not stored, so a retry resumes the work.',
};

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A plausible value for a request body schema, for the operations that declare no `examples` of their own. */
function exampleOf(schema: unknown, name = ''): unknown {
  if (!isObject(schema)) return null;
  if (Array.isArray(schema['examples']) && schema['examples'].length > 0) return schema['examples'][0];
  if (schema['default'] !== undefined) return schema['default'];
  if (schema['const'] !== undefined) return schema['const'];
  if (Array.isArray(schema['enum'])) return schema['enum'][0];
  for (const union of ['anyOf', 'oneOf'] as const) {
    const branches = schema[union];
    if (Array.isArray(branches)) {
      const branch = branches.find((b) => isObject(b) && b['type'] !== 'null') ?? branches[0];
      return exampleOf(branch, name);
    }
  }
  switch (schema['type']) {
    case 'object': {
      const props = isObject(schema['properties']) ? schema['properties'] : {};
      const required = Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
      const chosen = required.length > 0 ? required : Object.keys(props).slice(0, 2);
      return Object.fromEntries(chosen.map((k) => [k, exampleOf(props[k], k)]));
    }
    case 'array': {
      const min = typeof schema['minItems'] === 'number' ? schema['minItems'] : 1;
      return Array.from({ length: Math.max(1, min) }, () => exampleOf(schema['items'], name));
    }
    case 'integer':
    case 'number': {
      const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : undefined;
      const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : undefined;
      const wanted = /amount/.test(name) ? 150_000 : 1;
      return Math.min(max ?? wanted, Math.max(min ?? wanted, wanted, schema['exclusiveMinimum'] === 0 ? 1 : 0));
    }
    case 'boolean':
      return true;
    case 'string':
      return exampleString(schema, name);
    default:
      return null;
  }
}

/** Strings that fit the usual patterns of kosh's inputs; the first one a pattern accepts is used. */
const PATTERNED = ['2026-07-01', '2026-07-01T00:00:00.000Z', 'KA', '29', '560001', '#1A73E8', '996331', 'NOS', 'MIT'];

function exampleString(schema: JsonObject, name: string): string {
  if (schema['format'] === 'date-time') return '2026-07-01T00:00:00.000Z';
  if (schema['format'] === 'date') return '2026-07-01';
  if (schema['format'] === 'email' || name === 'email') return 'asha.rao@example.in';
  const pattern = typeof schema['pattern'] === 'string' ? schema['pattern'] : '';
  const prefix = /^\^\(?([a-z]+)(?:\|[a-z|]+\))?_/.exec(pattern);
  if (prefix !== null) return `${prefix[1]}_Q7mX2kT9wR4p`;
  if (pattern !== '') {
    const fits = PATTERNED.find((candidate) => new RegExp(pattern).test(candidate));
    if (fits !== undefined) return fits;
  }
  if (name === 'phone') return '+919876543210';
  if (name === 'name') return 'Asha Rao';
  if (name === 'currency') return 'INR';
  const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 1;
  const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : 64;
  const text = name === '' ? 'text' : name.replace(/_/g, ' ');
  return text.length >= min && text.length <= max ? text : 'x'.repeat(min);
}

interface RouteInfo {
  method: string | string[];
  url: string;
  config?: unknown;
}

/** Scope, idempotency, error answers and an example, added to an operation's document from its route. */
function documentRoute({ schema, url, route }: { schema: JsonObject; url: string; route: RouteInfo }): {
  schema: JsonObject;
  url: string;
} {
  if (schema === undefined || schema['hide'] === true) return { schema, url };
  const config = isObject(route.config) ? route.config : {};
  const scope = config['scope'] as string | readonly string[] | undefined;
  const scopes = scope === undefined ? [] : typeof scope === 'string' ? [scope] : [...scope];
  const method = Array.isArray(route.method) ? route.method[0] : route.method;
  const isPost = method === 'POST';
  const out: JsonObject = { ...schema };
  const notes: string[] = [];
  if (scopes.length > 0) {
    out['x-required-scope'] = scopes;
    notes.push(`**Scope:** ${scopes.map((s) => `\`${s}\``).join(' or ')}.`);
  } else if (out['security'] === undefined) {
    out['security'] = [];
  }
  if (isPost && scopes.length > 0) {
    out['x-idempotent'] = true;
    notes.push('**Idempotent** with an `Idempotency-Key` header.');
    const headers = isObject(schema['headers']) ? schema['headers'] : { type: 'object', properties: {} };
    out['headers'] = {
      ...headers,
      properties: {
        ...(isObject(headers['properties']) ? headers['properties'] : {}),
        'Idempotency-Key': IDEMPOTENCY_KEY,
      },
    };
  }
  if (notes.length > 0) {
    out['description'] = [typeof schema['description'] === 'string' ? schema['description'] : '', notes.join(' ')]
      .filter((s) => s !== '')
      .join('\n\n');
  }
  if (isObject(schema['body']) && !Array.isArray(schema['body']['examples']) && schema['body']['type'] === 'object') {
    out['body'] = { ...schema['body'], examples: [exampleOf(schema['body'])] };
  }
  out['response'] = errorResponses(schema, route, scopes.length > 0);
  return { schema: out, url };
}

/** Each error status the operation can answer, inferred from its route, beside the ones the route declares. */
function errorResponses(schema: JsonObject, route: RouteInfo, authenticated: boolean): JsonObject {
  // A route without a response schema sends a document (a PDF, a CSV, an Arrow stream) or nothing.
  const response = isObject(schema['response'])
    ? schema['response']
    : { 200: { type: 'string', format: 'binary' }, '4xx': { $ref: 'Problem' } };
  const problem = response['4xx'] ?? response['4XX'];
  const out: JsonObject = {};
  for (const [status, s] of Object.entries(response)) if (!/^[45]xx$/i.test(status)) out[status] = s;
  if (problem === undefined) return out;
  const method = Array.isArray(route.method) ? route.method[0] : route.method;
  const query = isObject(schema['querystring']) ? schema['querystring'] : {};
  const paged = isObject(query['properties']) && 'starting_after' in query['properties'];
  const idempotent = method === 'POST' && authenticated;
  // Each status the plugins and the route's shape can answer, with why; a route's own declaration comes first.
  const reasons = new Map<number, string[]>([[500, [ERROR_MEANING[500]]]]);
  const add = (status: number, reason: string) => reasons.set(status, [...(reasons.get(status) ?? []), reason]);
  if (method === 'POST' || schema['body'] !== undefined || schema['querystring'] !== undefined || schema['params'])
    add(400, method === 'GET' ? ERROR_MEANING[400].replace(', `invalid_json`', '') : ERROR_MEANING[400]);
  if (authenticated) add(401, ERROR_MEANING[401]);
  if (authenticated) add(403, ERROR_MEANING[403]);
  add(403, "the caller's address is denied (`ip_not_allowed`, `KOSH_DENY_CIDRS`)");
  if (route.url.includes(':')) add(404, ERROR_MEANING[404]);
  if (idempotent) add(409, 'a request with this Idempotency-Key is still being processed (`idempotency_key_in_use`)');
  if (idempotent) add(422, 'the Idempotency-Key was used with another request (`idempotency_key_reused`)');
  if (!(isObject(route.config) && route.config['cardGuard'] === false)) {
    add(422, 'the body or query string carries a card number or CVV (`card_data_not_accepted`)');
  }
  if (paged) add(422, '`starting_after` names no item of this list (`invalid_cursor`)');
  if (!(isObject(route.config) && route.config['rateLimit'] === false)) add(429, ERROR_MEANING[429]);
  for (const [status, why] of reasons) {
    const declared = out[status];
    const own = isObject(declared) && typeof declared['description'] === 'string' ? [declared['description']] : [];
    const text = [...own, ...why].map((t, i) => (i === 0 ? t.charAt(0).toUpperCase() + t.slice(1) : t)).join('; or ');
    out[status] = { ...(problem as JsonObject), description: text };
  }
  // What neither the route nor the inference names (a use case's own 409, 422, 502, 503) is still a problem document.
  out['default'] = {
    ...(problem as JsonObject),
    description: 'Any other error, as a problem document; every `code` and its status is in docs/errors.md',
  };
  return out;
}

const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : isObject(v)
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
          .join(',')}}`
      : JSON.stringify(v);

/** Names resources, sends every error as `application/problem+json`, and orders the tags. */
function finishDocument({ openapiObject }: { openapiObject: Partial<Record<string, unknown>> }): JsonObject {
  const doc = openapiObject as JsonObject;
  const components = doc['components'] as JsonObject;
  const schemas = components['schemas'] as JsonObject;
  const byShape = new Map<string, string>();
  for (const name of Object.keys(NAMED)) byShape.set(canonical(schemas[name]), name);
  const named = (node: unknown, self?: string): unknown => {
    if (Array.isArray(node)) return node.map((n) => named(n));
    if (!isObject(node)) return node;
    const name = byShape.get(canonical(node));
    if (name !== undefined && name !== self) return { $ref: `#/components/schemas/${name}` };
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, named(v)]));
  };
  for (const name of Object.keys(schemas)) schemas[name] = { ...(named(schemas[name], name) as JsonObject) };
  const paths = named(doc['paths']) as Record<string, Record<string, JsonObject>>;
  for (const ops of Object.values(paths)) {
    for (const op of Object.values(ops)) {
      const responses = isObject(op['responses']) ? op['responses'] : {};
      for (const [status, res] of Object.entries(responses)) {
        if (!isObject(res)) continue;
        if (res['description'] === 'Default Response') res['description'] = SUCCESS[Number(status)] ?? 'Success';
        if (!/^([45]|default)/.test(status) || !isObject(res['content'])) continue;
        const media = Object.values(res['content'])[0];
        if (media !== undefined) res['content'] = { 'application/problem+json': media };
      }
    }
  }
  return { ...doc, paths };
}

/** @fastify/swagger's options: the reference at /openapi.json and /docs. */
export function swaggerOptions(): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'kosh',
        version: '0.1.0',
        description:
          'Payments, billing and risk intelligence for school meals. Amounts are integer paise (₹1 = 100). Errors are RFC 9457 problem documents with a stable `code` (docs/errors.md). Lists are newest first: `limit` (1–100, default 10) and `starting_after` (the last id of the previous page) page through them while `has_more` is true.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: 'http://localhost:3000', description: 'kosh on this machine (`npm start`)' }],
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key (`kosh_…`) with the scopes it needs' },
        },
        schemas: Object.fromEntries(Object.entries(NAMED).map(([name, schema]) => [name, schema])) as Record<
          string,
          JsonObject
        >,
      },
      security: [{ bearer: [] }],
    },
    refResolver: {
      // Shared schemas are named by their `$id` (`Problem`), not `def-<n>`.
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`,
    },
    transform: documentRoute as unknown as NonNullable<FastifyDynamicSwaggerOptions['transform']>,
    transformObject: finishDocument as unknown as NonNullable<FastifyDynamicSwaggerOptions['transformObject']>,
  };
}

/** /docs: one collapsed group per tag (with its description), searchable, each operation showing its operationId. */
export const swaggerUiOptions = {
  routePrefix: '/docs',
  uiConfig: { docExpansion: 'none', deepLinking: true, displayOperationId: true, filter: true },
} as const;
