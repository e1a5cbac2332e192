export interface Breakdown {
  readonly key: string;
  readonly attempts: number;
  readonly captured: number;
  readonly failed: number;
  /** captured / (captured + failed); null without finished attempts. */
  readonly success_rate: number | null;
  readonly failure_reasons: { reason: string; count: number }[];
}

export interface PaymentAnalytics {
  readonly object: 'payment_analytics';
  readonly from: Date;
  readonly to: Date;
  readonly school_id: string | null;
  readonly attempts: { total: number; captured: number; failed: number; pending: number };
  readonly success_rate: number | null;
  readonly captured_amount: number;
  readonly by_method: Breakdown[];
  readonly by_bank: Breakdown[];
  readonly by_network: Breakdown[];
  readonly by_hour_ist: Breakdown[];
  readonly retry_recovery: {
    orders_with_failure: number;
    recovered_orders: number;
    recovery_rate: number | null;
    revenue_recovered: number;
    /** Recovered orders the retry queue worked on; null when kosh has no retry queue. */
    recovered_by_retry_queue: number | null;
  };
  readonly time_to_success_seconds: { payments: number; median: number | null; p90: number | null };
  readonly refunds: {
    refunded_payments: number;
    refund_rate: number | null;
    refunded_amount: number;
    refunded_share: number | null;
  };
}
