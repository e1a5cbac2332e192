export type TestClockStatus = 'ready' | 'advancing';

/** A clock with its own frozen time, as Stripe has them: its customers' objects live on that time. */
export interface TestClock {
  readonly object: 'test_clock';
  readonly id: string;
  readonly name: string | null;
  readonly frozen_time: Date;
  readonly status: TestClockStatus;
  /** While advancing: the time it advances to. */
  readonly advancing_to: Date | null;
  readonly customers: number;
  readonly created_at: Date;
}
