import type { Sql } from '../../platform/db.js';

export type RetryState = 'scheduled' | 'processing' | 'succeeded' | 'dead' | 'requires_authentication' | 'cancelled';

export const RETRY_STATES: readonly RetryState[] = [
  'scheduled',
  'processing',
  'succeeded',
  'dead',
  'requires_authentication',
  'cancelled',
];

/** A failed off-session charge waiting for another attempt, of any source (installment, subscription renewal). */
export interface RetryItem {
  readonly object: 'retry';
  readonly id: string;
  readonly source_type: string;
  readonly source_id: string;
  readonly order_id: string;
  readonly customer_id: string;
  readonly payment_method_id: string | null;
  readonly amount: number;
  readonly currency: string;
  readonly state: RetryState;
  readonly attempts: number;
  readonly max_attempts: number;
  readonly next_attempt_at: Date | null;
  readonly last_payment_id: string | null;
  readonly last_error_code: string | null;
  readonly reason: string | null;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** How a source (an installment, later a subscription renewal) hears about its retry and says if it still wants one. */
export interface RetrySource {
  /** False once the source no longer needs this charge (paid another way, cancelled, superseded). */
  stillDue(tx: Sql, sourceId: string): Promise<boolean>;
  /** Called in the transaction that moves the item to a terminal or waiting state. */
  onOutcome(tx: Sql, event: { sourceId: string; state: RetryState; reason: string | null; at: Date }): Promise<void>;
}
