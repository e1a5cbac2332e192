/**
 * The simulator's disputes (chargebacks): Razorpay's Disputes API, and a stand-in for the parent's bank raising and
 * deciding them.
 *
 * Razorpay (https://razorpay.com/docs/api/disputes/, the entity: https://razorpay.com/docs/api/disputes/entity; the
 * razorpay SDK's documents/disputes.md and lib/resources/disputes.js):
 *   GET  /v1/disputes?count=&skip=      "count: number of dispute to fetch (default: 10)", "skip … (default: 0)"
 *   GET  /v1/disputes/:id
 *   POST /v1/disputes/:id/accept        "You can accept only those disputes that are in open state and fall within the
 *                                        respond by date" (https://razorpay.com/docs/payments/disputes/dashboard/);
 *                                        "The corresponding amount will be deducted from your Razorpay account balance.
 *                                        The dispute's status will be changed to lost."
 *   PATCH /v1/disputes/:id/contest {action: draft | submit, amount?, summary?, <evidence documents>}: a draft keeps
 *                                        the dispute `open`; a submission moves it to `under_review`
 *                                        (documents/disputes.md's two responses).
 * Entity: `status` open | under_review | won | lost | closed; `phase` fraud | retrieval | chargeback | pre_arbitration |
 * arbitration; `amount_deducted` "will be 0 unless the status of dispute is updated to lost". Webhooks
 * (https://razorpay.com/docs/webhooks/payloads/disputes/): payment.dispute.created | won | lost | closed | under_review
 * | action_required, each carrying the payment and the dispute. The stored copy of that page lists the events but not
 * their sample bodies; the payload here is Razorpay's usual `{payment: {entity}, dispute: {entity}}`.
 * respond_by: the chargeback phase's turnaround is "T+3 business days", pre-arbitration T+2, arbitration T+1
 * (https://razorpay.com/docs/payments/disputes/chargeback-fees-and-penalties.md); business days skip Saturdays and
 * Sundays here (bank holidays are not modelled).
 * Not modelled: Deduct at Onset (the amount taken when the dispute opens; here only when it is lost), evidence
 * documents (the Documents API), and partial acceptance.
 *
 * Simulator-only (the bank's side):
 *   POST /v1/sim/payments/:id/disputes {amount?, phase?, reason_code?, reason_description?} → an open dispute on a
 *     captured payment, `payment.dispute.created`
 *   POST /v1/sim/disputes/:id/decide {outcome: won | lost | closed | action_required} → the bank's decision and its
 *     webhook
 */

type Json = Record<string, unknown>;

export const DISPUTE_PHASES = ['fraud', 'retrieval', 'chargeback', 'pre_arbitration', 'arbitration'] as const;
type Phase = (typeof DISPUTE_PHASES)[number];

/** Business days to respond, per phase (chargeback-fees-and-penalties; phases the page does not list: as chargeback). */
const RESPOND_DAYS: Readonly<Record<Phase, number>> = {
  fraud: 3,
  retrieval: 3,
  chargeback: 3,
  pre_arbitration: 2,
  arbitration: 1,
};

interface DisputedPayment extends Json {
  readonly id: string;
  readonly amount: number;
  readonly amount_refunded: number;
  readonly currency: string;
  readonly status: string;
}

interface Dispute extends Json {
  id: string;
  entity: 'dispute';
  payment_id: string;
  amount: number;
  currency: string;
  amount_deducted: number;
  reason_code: string;
  reason_description: string;
  respond_by: number;
  status: 'open' | 'under_review' | 'won' | 'lost' | 'closed';
  phase: Phase;
  created_at: number;
  evidence: Json;
}

export interface DisputeDeps {
  readonly id: (prefix: string) => string;
  /** Entity timestamps (unix seconds). */
  readonly now: () => number;
  readonly payment: (paymentId: string) => DisputedPayment | undefined;
  readonly emit: (event: string, entities: Record<string, Json>) => void;
  readonly badRequest: (description: string, field?: string) => Error;
  readonly integer: (v: unknown) => number | undefined;
}

const EVIDENCE_DOCUMENTS = [
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
] as const;

const DAY_S = 86_400;

/** `days` business days (Monday–Friday, by the IST calendar) after unix time `t`, at the same time of day. */
function businessDaysAfter(t: number, days: number): number {
  let at = t;
  let left = days;
  while (left > 0) {
    at += DAY_S;
    const weekday = new Date((at + 19_800) * 1000).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return at;
}

export function createDisputes(deps: DisputeDeps) {
  const disputes = new Map<string, Dispute>();

  const must = (id: string): Dispute => {
    const d = disputes.get(id);
    if (d === undefined) throw deps.badRequest('The id provided does not exist', 'id');
    return d;
  };
  const announce = (event: string, d: Dispute) => {
    const payment = deps.payment(d.payment_id);
    deps.emit(event, { ...(payment === undefined ? {} : { payment }), dispute: d });
  };

  /** The parent's bank raising a dispute on a captured payment. */
  function raise(paymentId: string, body: Json): Dispute {
    const payment = deps.payment(paymentId);
    if (payment === undefined) throw deps.badRequest('The id provided does not exist', 'payment_id');
    if (payment.status !== 'captured' && payment.status !== 'refunded') {
      throw deps.badRequest('Only a captured payment can be disputed', 'payment_id');
    }
    const open = [...disputes.values()].some(
      (d) => d.payment_id === paymentId && (d.status === 'open' || d.status === 'under_review'),
    );
    if (open) throw deps.badRequest('The payment already has an open dispute', 'payment_id');
    const disputable = payment.amount - payment.amount_refunded;
    const amount = body['amount'] === undefined ? disputable : deps.integer(body['amount']);
    if (amount === undefined || amount < 1 || amount > disputable) {
      throw deps.badRequest(`The amount must be between 1 and ${disputable}`, 'amount');
    }
    const phase = String(body['phase'] ?? 'chargeback');
    if (!(DISPUTE_PHASES as readonly string[]).includes(phase)) {
      throw deps.badRequest(`phase must be one of ${DISPUTE_PHASES.join(', ')}`, 'phase');
    }
    const created = deps.now();
    const d: Dispute = {
      id: deps.id('disp'),
      entity: 'dispute',
      payment_id: paymentId,
      amount,
      currency: payment.currency,
      amount_deducted: 0,
      reason_code: String(body['reason_code'] ?? phase),
      reason_description: String(body['reason_description'] ?? ''),
      respond_by: businessDaysAfter(created, RESPOND_DAYS[phase as Phase]),
      status: 'open',
      phase: phase as Phase,
      created_at: created,
      evidence: {
        amount,
        summary: null,
        ...Object.fromEntries(EVIDENCE_DOCUMENTS.map((k) => [k, null])),
        others: null,
        submitted_at: null,
      },
    };
    disputes.set(d.id, d);
    announce('payment.dispute.created', d);
    return d;
  }

  function lose(d: Dispute): Dispute {
    d.status = 'lost';
    d.amount_deducted = d.amount;
    announce('payment.dispute.lost', d);
    return d;
  }

  /** The merchant accepting: only an open dispute within its respond-by date. */
  function accept(id: string): Dispute {
    const d = must(id);
    if (d.status !== 'open') throw deps.badRequest(`The dispute is ${d.status}; only an open dispute can be accepted`);
    if (deps.now() > d.respond_by) throw deps.badRequest('The respond by date of the dispute has passed');
    return lose(d);
  }

  /** The merchant contesting: a draft keeps the evidence; a submission puts the dispute under review. */
  function contest(id: string, body: Json): Dispute {
    const d = must(id);
    if (d.status !== 'open') throw deps.badRequest(`The dispute is ${d.status}; only an open dispute can be contested`);
    if (deps.now() > d.respond_by) throw deps.badRequest('The respond by date of the dispute has passed');
    const action = body['action'];
    if (action !== 'draft' && action !== 'submit') throw deps.badRequest('action must be draft or submit', 'action');
    const evidence: Json = { ...d.evidence };
    if (body['amount'] !== undefined) {
      const amount = deps.integer(body['amount']);
      if (amount === undefined || amount < 1 || amount > d.amount) {
        throw deps.badRequest(`The amount must be between 1 and ${d.amount}`, 'amount');
      }
      evidence['amount'] = amount;
    }
    if (body['summary'] !== undefined) {
      if (typeof body['summary'] !== 'string' || body['summary'].length > 1000) {
        throw deps.badRequest('summary must be text of at most 1000 characters', 'summary');
      }
      evidence['summary'] = body['summary'];
    }
    for (const key of EVIDENCE_DOCUMENTS) {
      const docs = body[key];
      if (docs === undefined) continue;
      if (!Array.isArray(docs) || docs.some((doc) => typeof doc !== 'string' || !/^doc_\w+$/.test(doc))) {
        throw deps.badRequest(`${key} must be a list of document ids (doc_…)`, key);
      }
      evidence[key] = docs;
    }
    if (action === 'submit') {
      const documented = EVIDENCE_DOCUMENTS.some((k) => evidence[k] !== null);
      if (evidence['summary'] === null && !documented) {
        throw deps.badRequest('Evidence is required to contest a dispute: a summary or documents', 'summary');
      }
      evidence['submitted_at'] = deps.now();
      d.status = 'under_review';
    }
    d.evidence = evidence;
    if (action === 'submit') announce('payment.dispute.under_review', d);
    return d;
  }

  /** The bank's decision. */
  function decide(id: string, body: Json): Dispute {
    const d = must(id);
    const outcome = body['outcome'];
    if (d.status === 'won' || d.status === 'lost' || d.status === 'closed') {
      throw deps.badRequest(`The dispute is already ${d.status}`);
    }
    if (outcome === 'lost') return lose(d);
    if (outcome === 'won' || outcome === 'closed') {
      d.status = outcome;
      announce(`payment.dispute.${outcome}`, d);
      return d;
    }
    if (outcome === 'action_required') {
      d.status = 'open';
      announce('payment.dispute.action_required', d);
      return d;
    }
    throw deps.badRequest('outcome must be won, lost, closed or action_required', 'outcome');
  }

  function list(query: URLSearchParams): Json {
    const count = deps.integer(query.get('count') ?? '10');
    const skip = deps.integer(query.get('skip') ?? '0');
    if (count === undefined || count < 1 || count > 100)
      throw deps.badRequest('count must be between 1 and 100', 'count');
    if (skip === undefined || skip < 0) throw deps.badRequest('skip must be 0 or more', 'skip');
    const items = [...disputes.values()].sort((a, b) => b.created_at - a.created_at).slice(skip, skip + count);
    return { entity: 'collection', count: items.length, items };
  }

  return { raise, accept, contest, decide, list, fetch: must };
}
