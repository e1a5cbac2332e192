import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadOnlineFraudFeatures } from '../../features/fraud/online-features.js';
import { paymentRiskFrom } from '../../models/fraud/payment-risk.js';
import { createFraudScorer, type FraudScorer } from '../../models/fraud/scorer.js';
import { loadFraudModelSelector, type OwnedFraudModelSelector } from '../../models/registry/fraud-model-selector.js';
import { createApiKey } from '../../payments-core/api-keys/create-api-key.js';
import type { Scope } from '../../payments-core/api-keys/types.js';
import type { PaymentGateway } from '../../payments-core/gateway/port.js';
import { createRazorpayGateway } from '../../payments-core/gateway/razorpay-gateway.js';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';
import { signRazorpayBody } from '../../payments-core/webhooks/verify-signature.js';
import { createWebhookInbox, type WebhookInbox } from '../../payments-core/webhooks/webhook-inbox.js';
import { type Clock, systemClock } from '../../platform/clock.js';
import { type Db, openDb } from '../../platform/db.js';
import { createLog } from '../../platform/log.js';
import type { Mailer } from '../../platform/mail.js';
import { createMetrics, type Metrics } from '../../platform/metrics.js';
import { migrate } from '../../platform/migrate.js';
import { localObjectStore, type ObjectStore } from '../../platform/objects.js';
import { type App, buildApp } from '../../serving/app.js';
import { createTestDatabase, dropTestDatabase } from './db.js';
import { contractRecorder } from './razorpay-contract.js';

import { KEY_ID, KEY_SECRET, SUCCESS_CARD, simCardToken } from './simulator-fixtures.js';

export { KEY_ID, KEY_SECRET, SUCCESS_CARD } from './simulator-fixtures.js';
export const WEBHOOK_SECRET = 'whsec_test_0000000001';

export interface Harness {
  readonly app: App;
  /** The harness's database, for a child process or a restart on the same data. */
  readonly databaseUrl: string;
  readonly url: string;
  readonly db: Db;
  readonly sim: RazorpaySimulator;
  /** The gateway the app uses (the real SDK adapter, wrapped if asked): for calling job functions directly. */
  readonly gateway: PaymentGateway;
  readonly inbox: WebhookInbox;
  /** A local object store in a temp directory, removed at close. */
  readonly objects: ObjectStore;
  /** The fraud model selector the app uses (registry polling off: the model routes reload it). */
  readonly fraudModels: OwnedFraudModelSelector;
  /** The fraud scorer, when started with `fraudScoring`. */
  readonly fraudScorer: FraudScorer | null;
  readonly adminKey: string;
  /** Every log line the app wrote. */
  readonly logs: string[];
  /** The app's metrics registry, counters and API request log (platform/metrics.ts): pass it in job deps. */
  readonly metrics: Metrics;
  api(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  keyWith(scopes: Scope[]): Promise<string>;
  /** Waits until the simulator has delivered every webhook and kosh has applied every stored event. */
  settle(): Promise<void>;
  /**
   * Tokenises a test card at the simulator for a Razorpay customer, as the hosted checkout's `save: 1` would; kosh
   * only ever sees the token.
   */
  tokenize(
    gatewayCustomerId: string,
    number?: string,
    expiry?: { month: number; year: number },
  ): Promise<{ id: string; last4: string; network: string; expiry_month: number; expiry_year: number }>;
  /** A signed delivery straight to kosh's webhook endpoint over a socket. */
  deliver(body: string, eventId: string, signature?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    /** A database to use and keep (to restart on it, or share it with a child process); default: a fresh one, dropped at close. */
    databaseUrl?: string;
    clock?: Clock;
    rateLimitPerMinute?: number;
    /** How long a client may take to send a whole request (default 30 s). */
    requestTimeoutMs?: number;
    /** How long a connection may stay silent both ways (default 600 s). */
    connectionTimeoutMs?: number;
    /** The largest upload accepted (default 256 MB). */
    uploadLimitBytes?: number;
    /** Wraps the real SDK adapter, e.g. to crash after a gateway call has gone through. */
    wrapGateway?: (gateway: PaymentGateway) => PaymentGateway;
    simulator?: {
      latencyMs?: number;
      refundProcessingMs?: number | null;
      upiDebitDelayMs?: number | null;
      /** Working days from capture to settlement (default 2, Razorpay's T+2). */
      settlementCycleDays?: number;
      emandateConfirmDelayMs?: number | null;
    };
    /** The adapter's HTTP timeout (default 10 s): short in tests of unknown outcomes. */
    gatewayTimeoutMs?: number;
    /** Enables the fraud scorer (screening payments, /v1/fraud/*); off by default. */
    fraudScoring?: boolean | { budgetMs?: number };
    /** The email transport for the `mailer` job (e.g. SMTP to a test server on loopback). */
    mailer?: Mailer;
    /** Enables the /v1/test-clocks routes (`KOSH_TEST_CLOCKS`); off by default, as in production. */
    testClocks?: boolean;
    /**
     * Gives the app no object store: finalised invoices are not rendered to PDF nor emailed (the finalize-invoices
     * job leaves that for later). `h.objects` is still made, for direct calls.
     */
    withoutObjectStore?: boolean;
  } = {},
): Promise<Harness> {
  const clock = options.clock ?? systemClock;
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const log = createLog({ level: 'debug', destination });
  const ownDatabase = options.databaseUrl === undefined;
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const db = await openDb(databaseUrl);
  await migrate(db, clock);
  const metrics = createMetrics();
  const contract = contractRecorder();
  const sim = await startRazorpaySimulator({
    keyId: KEY_ID,
    keySecret: KEY_SECRET,
    refundProcessingMs: options.simulator?.refundProcessingMs ?? 0,
    latencyMs: options.simulator?.latencyMs ?? 0,
    ...(options.simulator?.upiDebitDelayMs === undefined ? {} : { upiDebitDelayMs: options.simulator.upiDebitDelayMs }),
    ...(options.simulator?.settlementCycleDays === undefined
      ? {}
      : { settlementCycleDays: options.simulator.settlementCycleDays }),
    ...(options.simulator?.emandateConfirmDelayMs === undefined
      ? {}
      : { emandateConfirmDelayMs: options.simulator.emandateConfirmDelayMs }),
    seed: 7,
    now: () => clock.now(),
    // Razorpay's 24 h of webhook retries in 2 s: a delivery kosh refused is retried within milliseconds.
    timeScale: 2000 / 86_400,
    // Every request kosh's adapter sends is checked against Razorpay's documented contract; close() fails on any.
    observe: contract.observe,
  });
  const real = createRazorpayGateway({
    keyId: KEY_ID,
    keySecret: KEY_SECRET,
    apiUrl: sim.url,
    ...(options.gatewayTimeoutMs === undefined ? {} : { timeoutMs: options.gatewayTimeoutMs }),
  });
  const gateway = options.wrapGateway?.(real) ?? real;
  const inbox = createWebhookInbox({ db, clock, log, gateway });
  const objectsDir = mkdtempSync(path.join(tmpdir(), 'kosh-objects-'));
  const objects = localObjectStore(objectsDir);
  const fraudModels = await loadFraudModelSelector({ db, objects, clock, log }, { refreshMs: 0 });
  const fraudScorer =
    options.fraudScoring === undefined || options.fraudScoring === false
      ? null
      : await createFraudScorer(
          {
            db,
            clock,
            log,
            features: await loadOnlineFraudFeatures({ db }, { now: clock.now() }),
            models: fraudModels,
            metrics,
          },
          options.fraudScoring === true || options.fraudScoring.budgetMs === undefined
            ? {}
            : { budgetMs: options.fraudScoring.budgetMs },
        );
  const app = await buildApp({
    db,
    clock,
    gateway,
    log,
    inbox,
    ...(options.withoutObjectStore === true ? {} : { objects }),
    metrics,
    ...(options.mailer === undefined ? {} : { mailer: options.mailer }),
    fraudModels,
    ...(fraudScorer === null ? {} : { fraudScorer, paymentRisk: paymentRiskFrom({ db, clock, log }, fraudScorer) }),
    config: {
      webhookSecrets: [WEBHOOK_SECRET, 'whsec_old_rotated'],
      webhookAllowCidrs: [],
      denyCidrs: [],
      rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.connectionTimeoutMs === undefined ? {} : { connectionTimeoutMs: options.connectionTimeoutMs }),
      ...(options.uploadLimitBytes === undefined ? {} : { uploadLimitBytes: options.uploadLimitBytes }),
      ...(options.testClocks === undefined ? {} : { testClocks: options.testClocks }),
    },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  sim.configure({ webhook: { url: `${url}/webhooks/razorpay`, secret: WEBHOOK_SECRET } });
  const adminKey = (await createApiKey({ db, clock }, { name: 'test admin', scopes: ['admin'] })).secret;

  const api: Harness['api'] = async (method, path, body, headers = {}) => {
    const res = await app.inject({
      method,
      url: path,
      headers: { authorization: `Bearer ${adminKey}`, ...headers },
      ...(body === undefined
        ? {}
        : {
            payload: typeof body === 'string' ? body : JSON.stringify(body),
            headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', ...headers },
          }),
    });
    let parsed: unknown = res.body;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      // not JSON
    }
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };

  return {
    app,
    databaseUrl,
    url,
    db,
    sim,
    gateway,
    inbox,
    objects,
    fraudModels,
    fraudScorer,
    adminKey,
    logs,
    metrics,
    api,
    keyWith: async (scopes) => (await createApiKey({ db, clock }, { name: 'scoped', scopes })).secret,
    settle: async () => {
      for (let i = 0; i < 3; i++) {
        await sim.idle();
        inbox.kick();
        await inbox.idle();
      }
    },
    tokenize: async (gatewayCustomerId, number, expiry) => {
      const json = await simCardToken(sim, gatewayCustomerId, number, { expiry, name: 'Test Parent' });
      return {
        id: json.id,
        last4: json.card.last4,
        network: json.card.network,
        expiry_month: Number(json.card.expiry_month),
        expiry_year: Number(json.card.expiry_year),
      };
    },
    deliver: async (body, eventId, signature) => {
      const res = await fetch(`${url}/webhooks/razorpay`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-razorpay-event-id': eventId,
          'x-razorpay-signature': signature ?? signRazorpayBody(body, WEBHOOK_SECRET),
        },
        body,
      });
      return { status: res.status, body: await res.json() };
    },
    close: async () => {
      await sim.close();
      await app.close();
      await inbox.idle();
      fraudModels.close();
      await fraudModels.idle();
      await fraudScorer?.close();
      await db.close();
      if (ownDatabase) await dropTestDatabase(databaseUrl);
      rmSync(objectsDir, { recursive: true, force: true });
      if (contract.violations.length > 0) {
        throw new Error(
          `kosh sent ${contract.violations.length} request(s) Razorpay's documented contract does not allow:\n${contract.violations.join('\n')}`,
        );
      }
    },
  };
}

/** A school, a parent at it, and a saved card token: what most payment tests start from. */
export async function seedParent(
  h: Harness,
  card = SUCCESS_CARD,
): Promise<{ schoolId: string; customerId: string; methodId: string }> {
  const school = await h.api('POST', '/v1/schools', {
    name: 'Greenwood High',
    city: 'Bengaluru',
    state_code: 'KA',
    gstin: '29ABCDE1234F1Z5',
  });
  const customer = await h.api('POST', '/v1/customers', {
    school_id: school.body.id,
    name: 'Asha Rao',
    email: 'asha@example.in',
    phone: '+919876543210',
    state_code: 'KA',
  });
  const { methodId } = await saveCard(h, customer.body.id, card);
  return { schoolId: school.body.id, customerId: customer.body.id, methodId };
}

/** The customer's Razorpay customer, through kosh (made when first asked for). */
export async function gatewayCustomerOf(h: Harness, customerId: string): Promise<string> {
  const res = await h.api('POST', `/v1/customers/${customerId}/gateway-customer`);
  if (res.status !== 200) throw new Error(`gateway customer: ${JSON.stringify(res.body)}`);
  return res.body.gateway_customer_id;
}

/**
 * Tokenises a test card at the simulator for the customer's Razorpay customer (the checkout's `save: 1`) and saves
 * the token as one of the customer's payment methods.
 */
export async function saveCard(
  h: Harness,
  customerId: string,
  card = SUCCESS_CARD,
  options: { isDefault?: boolean; mandateType?: 'emandate' } = {},
): Promise<{ methodId: string; token: string }> {
  const token = await h.tokenize(await gatewayCustomerOf(h, customerId), card);
  const method = await h.api('POST', `/v1/customers/${customerId}/payment-methods`, {
    type: 'card',
    gateway_token: token.id,
    card_network: token.network,
    card_last4: token.last4,
    card_exp_month: token.expiry_month,
    card_exp_year: token.expiry_year,
    ...(options.isDefault === undefined ? {} : { is_default: options.isDefault }),
    ...(options.mandateType === undefined ? {} : { mandate_type: options.mandateType }),
  });
  if (method.status !== 201) throw new Error(`payment method: ${JSON.stringify(method.body)}`);
  return { methodId: method.body.id, token: token.id };
}

/** A Razorpay-format event body, as Razorpay sends it. */
export function razorpayEvent(event: string, entities: Record<string, Record<string, unknown>>): string {
  const payload: Record<string, { entity: Record<string, unknown> }> = {};
  for (const [name, entity] of Object.entries(entities)) payload[name] = { entity };
  return JSON.stringify({
    entity: 'event',
    account_id: 'acc_TestAccount01',
    event,
    contains: Object.keys(entities),
    payload,
    created_at: Math.floor(Date.now() / 1000),
  });
}
