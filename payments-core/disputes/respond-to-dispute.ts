import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db.js';
import { conflict, invalid } from '../../platform/errors.js';
import type { GatewayDispute, PaymentGateway } from '../gateway/port.js';
import { applyGatewayDispute } from './apply-gateway-dispute.js';
import { getDispute } from './find-disputes.js';
import type { Dispute } from './types.js';

type Deps = { db: Db; clock: Clock; gateway: PaymentGateway };

/**
 * Accepts a dispute (the school agrees the parent should have the money back): the gateway deducts its amount and
 * answers it `lost`, which kosh applies as it would the `payment.dispute.lost` webhook (the loss posted once).
 * Only an open dispute can be accepted; the gateway also refuses one past its respond-by date.
 */
export async function acceptDispute(deps: Deps, id: string): Promise<Dispute> {
  const dispute = await openDispute(deps, id);
  return applyAnswer(deps, await deps.gateway.acceptDispute(dispute.gateway_dispute_id));
}

/**
 * Contests a dispute with a written explanation (and, for part of it, the amount contested): submitted to the gateway,
 * the dispute goes `under_review` until the bank decides (`payment.dispute.won` / `lost`).
 */
export async function contestDispute(
  deps: Deps,
  id: string,
  input: { summary: string; amount?: number | undefined },
): Promise<Dispute> {
  const dispute = await openDispute(deps, id);
  if (input.amount !== undefined && input.amount > dispute.amount) {
    throw invalid('contest_exceeds_dispute', `cannot contest ${input.amount}: the dispute is for ${dispute.amount}`, [
      { field: '/amount', code: 'out_of_range', message: `at most the disputed ${dispute.amount} paise` },
    ]);
  }
  return applyAnswer(deps, await deps.gateway.contestDispute(dispute.gateway_dispute_id, input));
}

async function openDispute(deps: Deps, id: string): Promise<Dispute> {
  const dispute = await getDispute(deps, id);
  if (dispute.status !== 'open') {
    throw conflict('dispute_not_open', `dispute ${id} is ${dispute.status}; only an open dispute can be answered`);
  }
  return dispute;
}

async function applyAnswer(deps: Deps, answer: GatewayDispute): Promise<Dispute> {
  const now = deps.clock.now();
  const id = await deps.db.transaction((tx) => applyGatewayDispute(tx, answer, now, now));
  if (id === null) throw new Error(`the payment of dispute ${answer.id} vanished`);
  return getDispute(deps, id);
}
