import { type SubscriptionSeed, seedSubscriptions } from '../../../data/seed-subscriptions.js';
import type { BillingDeps } from '../../../payments-core/billing/types.js';
import type { PaymentGateway } from '../../../payments-core/gateway/port.js';
import { createRazorpayGateway } from '../../../payments-core/gateway/razorpay-gateway.js';
import { type RazorpaySimulator, startRazorpaySimulator } from '../../../payments-core/gateway/simulator/server.js';
import { fixedClock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db.js';
import { createLog } from '../../../platform/log.js';
import { migrate } from '../../../platform/migrate.js';
import { openTestDb } from '../../support/db.js';
import { KEY_ID, KEY_SECRET, SUCCESS_CARD } from '../../support/harness.js';
import { simCardToken, simCustomer } from '../../support/simulator-fixtures.js';

export interface BillingEnv {
  readonly db: Db;
  readonly sim: RazorpaySimulator;
  readonly gateway: PaymentGateway;
  readonly clock: ReturnType<typeof fixedClock>;
  deps(extra?: Partial<BillingDeps>): BillingDeps;
  /** Tokenises a card at the simulator for the seeded parents' Razorpay customer, as the hosted checkout would. */
  token(card?: string): Promise<string>;
  /** The Razorpay customer every seeded parent maps to. */
  gatewayCustomerId(): Promise<string>;
  seed(
    seed: Omit<SubscriptionSeed, 'token' | 'gatewayCustomerId'> & { card?: string },
  ): Promise<{ planId: string; ids: string[] }>;
  /** Captured payments at the gateway per kosh payment key: the gateway's side of "charged once". */
  capturedAtGateway(): Map<string, number>;
  close(): Promise<void>;
}

/** A fresh database, the simulator on loopback and the real SDK adapter, with a clock the test moves. */
export async function billingEnv(start: Date): Promise<BillingEnv> {
  const clock = fixedClock(start);
  const db = await openTestDb();
  await migrate(db, clock);
  const sim = await startRazorpaySimulator({ keyId: KEY_ID, keySecret: KEY_SECRET, seed: 11 });
  const gateway = createRazorpayGateway({ keyId: KEY_ID, keySecret: KEY_SECRET, apiUrl: sim.url });
  const log = createLog({ level: 'silent' });
  const tokens = new Map<string, string>();
  let customer: string | null = null;
  const gatewayCustomerId = async () => {
    customer ??= await simCustomer(sim);
    return customer;
  };
  const token = async (card = SUCCESS_CARD) => {
    const known = tokens.get(card);
    if (known !== undefined) return known;
    const customerId = await gatewayCustomerId();
    const { id } = await simCardToken(sim, customerId, card);
    tokens.set(card, id);
    return id;
  };
  return {
    db,
    sim,
    gateway,
    clock,
    deps: (extra = {}) => ({ db, clock, gateway, log, ...extra }),
    token,
    gatewayCustomerId,
    seed: async (seed) =>
      seedSubscriptions(db, { ...seed, token: await token(seed.card), gatewayCustomerId: await gatewayCustomerId() }),
    capturedAtGateway: () => {
      const counts = new Map<string, number>();
      for (const p of sim.payments()) {
        if (p.status !== 'captured' || p.kosh_id === null) continue;
        counts.set(p.kosh_id, (counts.get(p.kosh_id) ?? 0) + 1);
      }
      return counts;
    },
    close: async () => {
      await sim.close();
      await db.close();
    },
  };
}
