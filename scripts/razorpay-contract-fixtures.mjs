#!/usr/bin/env node
// Writes tests/fixtures/razorpay-contract/<entity>.json from Razorpay's documented examples: the razorpay-node SDK's
// `documents/*.md` (each section: the SDK call with its request example, the parameter table, * = mandatory, and the
// response example; each file names its API reference page). Run by hand against a checkout of razorpay-node:
//   node scripts/razorpay-contract-fixtures.mjs /path/to/razorpay-node <commit>
// The fixtures are committed; tests never need the checkout. A section the SDK documents only by a link is written
// by hand below (`manual`), from the page it cites.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [repo, commit = 'HEAD'] = process.argv.slice(2);
if (repo === undefined) {
  console.error('usage: node scripts/razorpay-contract-fixtures.mjs <razorpay-node checkout> [commit]');
  process.exit(2);
}
const out = path.join(import.meta.dirname, '..', 'tests', 'fixtures', 'razorpay-contract');

/** entity → [document, section heading (nth occurrence when repeated), HTTP method, path template, where it goes] */
const SECTIONS = {
  customers: [
    ['customer', 'Create customer', 'POST', '/v1/customers', 'body'],
    ['customer', 'Fetch Customer by ID', 'GET', '/v1/customers/:id', 'query'],
  ],
  tokens: [
    ['token', 'Fetch tokens by customer id', 'GET', '/v1/customers/:id/tokens', 'query'],
    ['token', 'Fetch particular token', 'GET', '/v1/customers/:id/tokens/:token_id', 'query'],
    ['token', 'Delete token', 'DELETE', '/v1/customers/:id/tokens/:token_id', 'query'],
  ],
  orders: [
    ['order', 'Create order', 'POST', '/v1/orders', 'body'],
    ['upi', 'Create order', 'POST', '/v1/orders', 'body'],
    ['order', 'Fetch all orders', 'GET', '/v1/orders', 'query'],
    ['order', 'Fetch an Order With Id', 'GET', '/v1/orders/:id', 'query'],
    ['order', 'Fetch payments for an order', 'GET', '/v1/orders/:id/payments', 'query'],
  ],
  payments: [
    ['payment', 'Capture payment', 'POST', '/v1/payments/:id/capture', 'body'],
    ['payment', 'Fetch a payment', 'GET', '/v1/payments/:id', 'query'],
    [
      'payment',
      'Create Payment UPI s2s / VPA token (Third party validation)#2',
      'POST',
      '/v1/payments/create/upi',
      'body',
    ],
    ['upi', 'Create a recurring payment', 'POST', '/v1/payments/create/recurring', 'body'],
  ],
  refunds: [
    ['refund', 'Create a normal refund', 'POST', '/v1/payments/:id/refund', 'body'],
    ['refund', 'Fetch multiple refunds for a payment', 'GET', '/v1/payments/:id/refunds', 'query'],
    ['refund', 'Fetch a specific refund for a payment', 'GET', '/v1/payments/:id/refunds/:refund_id', 'query'],
    ['refund', 'Fetch particular refund', 'GET', '/v1/refunds/:id', 'query'],
  ],
  'payment-links': [
    ['paymentLink', 'Create payment link', 'POST', '/v1/payment_links', 'body'],
    ['paymentLink', 'Fetch all payment link', 'GET', '/v1/payment_links', 'query'],
    ['paymentLink', 'Fetch specific payment link', 'GET', '/v1/payment_links/:id', 'query'],
    ['paymentLink', 'Cancel a payment link', 'POST', '/v1/payment_links/:id/cancel', 'body'],
  ],
  'registration-links': [
    ['emandate', 'Create registration link', 'POST', '/v1/subscription_registration/auth_links', 'body'],
    ['papernach', 'Create registration link', 'POST', '/v1/subscription_registration/auth_links', 'body'],
    ['invoice', 'Fetch all invoices', 'GET', '/v1/invoices', 'query'],
    ['invoice', 'Fetch invoice', 'GET', '/v1/invoices/:id', 'query'],
  ],
  settlements: [
    ['settlement', 'Settlement recon', 'GET', '/v1/settlements/recon/combined', 'query'],
    ['settlement', 'Fetch a settlement', 'GET', '/v1/settlements/:id', 'query'],
  ],
  disputes: [
    ['disputes', 'Fetch All Disputes', 'GET', '/v1/disputes', 'query'],
    ['disputes', 'Fetch a Dispute', 'GET', '/v1/disputes/:id', 'query'],
    ['disputes', 'Contest a Dispute', 'PATCH', '/v1/disputes/:id/contest', 'body'],
  ],
};

/** Sections the SDK documents only by a link: written from the page it links to. */
const MANUAL = {
  payments: [
    {
      title: 'Create an Authorization Payment (UPI AutoPay, intent)',
      doc: 'https://razorpay.com/docs/api/payments/recurring-payments/upi/create-authorization-transaction/',
      method: 'POST',
      path: '/v1/payments/create/upi',
      in: 'body',
      required: [
        'amount',
        'currency',
        'order_id',
        'email',
        'contact',
        'customer_id',
        'recurring',
        'ip',
        'referer',
        'user_agent',
        'upi',
      ],
      optional: ['method', 'description', 'notes', 'callback_url', 'save'],
      request: {
        amount: 100,
        currency: 'INR',
        order_id: 'order_1Aa00000000002',
        email: 'gaurav.kumar@example.com',
        contact: '9123456780',
        method: 'upi',
        customer_id: 'cust_1Aa00000000001',
        recurring: 1,
        ip: '192.168.0.103',
        referer: 'http',
        user_agent: 'Mozilla/5.0',
        description: 'Test flow',
        notes: { note_key: 'value1' },
        upi: { flow: 'intent' },
      },
      response: { razorpay_payment_id: 'pay_1Aa00000000001', link: 'upi://mandate?pa=...' },
    },
  ],
  settlements: [
    {
      title: 'Fetch all settlements',
      doc: 'https://razorpay.com/docs/api/settlements/fetch-all',
      source:
        'razorpay/razorpay-node@9737ef17342b8a551f7af2413c8d24df559accc8:documents/settlement.md (parameters; its example response shows a payment by mistake, so the response is the settlement entity of https://razorpay.com/docs/api/settlements/ in a collection)',
      method: 'GET',
      path: '/v1/settlements',
      in: 'query',
      required: [],
      optional: ['from', 'to', 'count', 'skip'],
      request: null,
      response: {
        entity: 'collection',
        count: 1,
        items: [
          {
            id: 'setl_DGlQ1Rj8os78Ec',
            entity: 'settlement',
            amount: 9973635,
            status: 'processed',
            fees: 471699,
            tax: 42070,
            utr: '1568176960vxp0rj',
            created_at: 1568176960,
          },
        ],
      },
    },
  ],
  disputes: [
    {
      title: 'Accept a Dispute',
      doc: 'https://razorpay.com/docs/api/disputes/accept',
      method: 'POST',
      path: '/v1/disputes/:id/accept',
      in: 'body',
      required: [],
      optional: [],
      request: {},
      // The page's response: the dispute, now lost, its whole amount deducted ("The dispute status will change from
      // `open` to `lost`").
      response: {
        id: 'disp_AHfqOvkldwsbqt',
        entity: 'dispute',
        payment_id: 'pay_EsyWjHrfzb59eR',
        amount: 10000,
        currency: 'INR',
        amount_deducted: 10000,
        reason_code: 'pre_arbitration',
        respond_by: 1590604200,
        status: 'lost',
        phase: 'pre_arbitration',
        created_at: 1590059211,
      },
    },
  ],
};

const DISPUTES_DOC = 'https://razorpay.com/docs/api/disputes/';
const FIXUPS = {
  /**
   * Where the SDK's table covers two requests: the payment link's table marks `upi_link*`, which "Must be set to true
   * … to creating UPI Payment Link only"; the standard link (request #1, kosh's) does not send it.
   */
  'POST /v1/payment_links': (e) => {
    e.required = e.required.filter((n) => n !== 'upi_link');
    e.optional = ['upi_link', ...e.optional];
  },
  // The SDK's `invoices.all` always sends `count` (default 10) and `skip` (0), as every Razorpay collection takes
  // (https://razorpay.com/docs/api/payments/invoices/fetch-all: count, skip); the SDK's table omits them.
  'GET /v1/invoices': (e) => {
    e.optional = [...e.optional, 'count', 'skip'];
  },
  // documents/disputes.md's reference link points at the Documents API; the Disputes API's own page is this.
  'GET /v1/disputes': (e) => {
    e.doc = DISPUTES_DOC;
  },
  'GET /v1/disputes/:id': (e) => {
    e.doc = DISPUTES_DOC;
  },
  // The contest section has no parameter table and two examples (a draft, then a submission): `action` is what
  // tells them apart, and the submission's fields are optional.
  'PATCH /v1/disputes/:id/contest': (e) => {
    e.doc = DISPUTES_DOC;
    e.required = ['action'];
    e.optional = [
      'amount',
      'summary',
      'shipping_proof',
      'billing_proof',
      'cancellation_proof',
      'customer_communication',
      'proof_of_service',
      'explanation_letter',
      'refund_confirmation',
      'access_activity_log',
      'refund_cancellation_policy',
      'term_and_conditions',
      'others',
    ];
  },
};

const git = (file) => execFileSync('git', ['-C', repo, 'show', `${commit}:documents/${file}.md`], { encoding: 'utf8' });
const sha = execFileSync('git', ['-C', repo, 'rev-parse', commit], { encoding: 'utf8' }).trim();

function section(text, heading) {
  const [title, nth = '1'] = heading.split('#');
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].replace(/^###\s+/, '').trim() !== title || !lines[i].startsWith('###')) continue;
    if (++seen < Number(nth)) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('###'));
    return lines.slice(i + 1, end === -1 ? undefined : end).join('\n');
  }
  throw new Error(`no section ${heading}`);
}

/** The object literal passed to the SDK call (JSON with the SDK docs' quirks: trailing commas, ids as bare words). */
function requestExample(body) {
  const js = /```js\n([\s\S]*?)```/.exec(body)?.[1] ?? '';
  const start = js.indexOf('{');
  if (start === -1) return null;
  let depth = 0;
  for (let i = start; i < js.length; i++) {
    if (js[i] === '{') depth++;
    if (js[i] === '}' && --depth === 0) {
      const text = js.slice(start, i + 1).replace(/,(\s*[}\]])/g, '$1');
      try {
        return JSON.parse(text);
      } catch {
        return null;
      }
    }
  }
  return null;
}

function parameters(body) {
  const required = [];
  const optional = [];
  for (const line of body.split('\n')) {
    const m = /^\|\s*([A-Za-z_][\w.[\]]*)(\*)?/.exec(line);
    if (m === null || m[1] === 'Name') continue;
    (m[2] === '*' ? required : optional).push(m[1]);
  }
  return { required, optional };
}

function responseExample(body) {
  const json = /\*\*Response:\*\*[\s\S]*?```json\n([\s\S]*?)```/.exec(body)?.[1];
  if (json === undefined) return null;
  try {
    return JSON.parse(json.replace(/,(\s*[}\]])/g, '$1'));
  } catch {
    return null;
  }
}

mkdirSync(out, { recursive: true });
for (const [entity, sections] of Object.entries(SECTIONS)) {
  const docs = {};
  const endpoints = sections.map(([file, heading, method, pathTemplate, where]) => {
    docs[file] ??= git(file);
    const body = section(docs[file], heading);
    const reference = /For reference click \[here\]\((https:[^)]+)\)/.exec(docs[file])?.[1] ?? null;
    const { required, optional } = parameters(body);
    const request = requestExample(body);
    // Path parameters (ids) are not request fields.
    const isPathParam = (n) => /Id$|^id$/.test(n) && !['order_id', 'customer_id', 'reference_id'].includes(n);
    return {
      title: heading.split('#')[0],
      doc: reference,
      source: `razorpay/razorpay-node@${sha}:documents/${file}.md`,
      method,
      path: pathTemplate,
      in: where,
      required: required.filter((n) => !isPathParam(n)),
      optional: [...new Set([...optional, ...Object.keys(request ?? {})])].filter(
        (n) => !isPathParam(n) && !required.includes(n),
      ),
      request,
      response: responseExample(body),
    };
  });
  for (const m of MANUAL[entity] ?? []) endpoints.push({ ...m, source: m.source ?? m.doc });
  for (const e of endpoints) FIXUPS[`${e.method} ${e.path}`]?.(e);
  writeFileSync(path.join(out, `${entity}.json`), `${JSON.stringify({ entity, endpoints }, null, 2)}\n`);
  console.log(`${entity}: ${endpoints.length} documented examples`);
}
