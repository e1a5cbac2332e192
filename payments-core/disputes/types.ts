export const DISPUTE_STATUSES = ['open', 'under_review', 'won', 'lost', 'closed'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];
export const DISPUTE_PHASES = ['fraud', 'retrieval', 'chargeback', 'pre_arbitration', 'arbitration'] as const;
export type DisputePhase = (typeof DISPUTE_PHASES)[number];

/** A dispute (chargeback) against a captured payment, as the gateway last reported it. */
export interface Dispute {
  readonly object: 'dispute';
  readonly id: string;
  readonly gateway_dispute_id: string;
  readonly payment_id: string;
  readonly amount: number;
  readonly amount_deducted: number;
  readonly currency: string;
  readonly reason_code: string;
  readonly reason_description: string | null;
  readonly phase: DisputePhase;
  readonly status: DisputeStatus;
  readonly respond_by: Date | null;
  readonly evidence_summary: string | null;
  readonly journal_entry_id: string | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** A status the bank has decided: nothing moves it again. */
export const isFinal = (status: DisputeStatus): boolean => status === 'won' || status === 'lost' || status === 'closed';
