import type { Sql } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { paise } from '../../platform/money.js';
import type { GatewayDispute } from '../gateway/port.js';
import { linesFor } from '../ledger/journal-rules.js';
import { postEntry } from '../ledger/post-entry.js';
import { noteDisputedAmount } from '../payments/note-disputed-amount.js';
import { DISPUTE_FOR_UPDATE, HELD_BY_DISPUTES, INSERT_DISPUTE, UPDATE_DISPUTE } from './repository.js';
import { DISPUTE_PHASES, DISPUTE_STATUSES, type DisputeStatus, isFinal } from './types.js';

/** The disputed payment, locked: its disputed amount is recomputed under this lock. */
const PAYMENT_OF_DISPUTE = `
SELECT id, school_id FROM payments WHERE gateway_payment_id = $gateway_payment_id FOR UPDATE`;

const RANK: Readonly<Record<DisputeStatus, number>> = { open: 0, under_review: 1, won: 2, lost: 2, closed: 2 };

const at = (unix: number | null): Date | null => (unix === null ? null : new Date(unix * 1000));

/**
 * Applies the gateway's view of a dispute inside the caller's transaction (a `payment.dispute.*` webhook, or the
 * gateway's answer to an accept or contest): creates or moves kosh's dispute, posts a loss once (the school's payable
 * gives back the deducted amount, which the gateway took out of what it holds for us), and records on the payment
 * what its open and lost disputes hold. Webhooks come in any order: a state older than the one kosh holds
 * (`eventAt`) changes nothing, and a decided dispute (won, lost, closed) is never reopened. Returns null when kosh has
 * no payment with that gateway id (the event waits for it), else the dispute's id.
 */
export async function applyGatewayDispute(
  tx: Sql,
  g: GatewayDispute,
  eventAt: Date,
  now: Date,
): Promise<string | null> {
  const payment = await tx.one<{ id: string; school_id: string }>(PAYMENT_OF_DISPUTE, {
    gateway_payment_id: g.paymentId,
  });
  if (payment === undefined) return null;
  const status = (DISPUTE_STATUSES as readonly string[]).includes(g.status) ? (g.status as DisputeStatus) : null;
  const phase = (DISPUTE_PHASES as readonly string[]).includes(g.phase) ? g.phase : null;
  if (status === null || phase === null) throw new Error(`dispute ${g.id}: status ${g.status}, phase ${g.phase}`);
  const existing = await tx.one<{ id: string; status: DisputeStatus; gateway_event_at: Date }>(DISPUTE_FOR_UPDATE, {
    gateway_dispute_id: g.id,
  });
  if (existing !== undefined) {
    const held = existing.gateway_event_at.getTime();
    // Event times are whole seconds: at a tie, a review outranks the opening it followed.
    const stale =
      !isFinal(status) &&
      (held > eventAt.getTime() || (held === eventAt.getTime() && RANK[status] < RANK[existing.status]));
    if (isFinal(existing.status) || stale) return existing.id;
  }
  const id = existing?.id ?? newId('dsp');
  const entryId = status === 'lost' ? await postLoss(tx, id, g, payment, now) : null;
  const row = {
    id,
    amount_deducted: g.amountDeducted,
    phase,
    status,
    respond_by: at(g.respondBy),
    evidence_summary: g.evidenceSummary,
    journal_entry_id: entryId,
    event_at: eventAt,
    at: now,
  };
  if (existing === undefined) {
    await tx.run(INSERT_DISPUTE, {
      ...row,
      gateway_dispute_id: g.id,
      payment_id: payment.id,
      amount: g.amount,
      currency: g.currency,
      reason_code: g.reasonCode,
      reason_description: g.reasonDescription,
      created_at: at(g.createdAt) ?? now,
    });
  } else {
    await tx.run(UPDATE_DISPUTE, row);
  }
  const held = await tx.one<{ held: number }>(HELD_BY_DISPUTES, { payment_id: payment.id });
  await noteDisputedAmount(tx, payment.id, Number(held?.held ?? 0), now);
  return id;
}

/** The loss entry, posted once per dispute (its id derived from the dispute's). */
async function postLoss(
  tx: Sql,
  disputeId: string,
  g: GatewayDispute,
  payment: { id: string; school_id: string },
  now: Date,
): Promise<string> {
  const entryId = `je_dispute_${disputeId}`;
  await postEntry(tx, {
    id: entryId,
    kind: 'dispute_lost',
    refType: 'dispute',
    refId: disputeId,
    currency: g.currency,
    memo: `dispute ${g.id} lost on ${payment.id} (${g.reasonCode})`,
    at: now,
    lines: linesFor('dispute_lost', { schoolId: payment.school_id, amount: paise(g.amountDeducted) }),
  });
  return entryId;
}
