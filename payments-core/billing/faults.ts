/**
 * Named kill points of the billing run, injected as a dependency so the crash tests can stop the run where a
 * process could die and prove that the rerun neither charges twice nor skips anyone. Production passes none.
 */
export const KILL_POINTS = [
  'after_billing_record_insert',
  'before_gateway_call',
  'mid_batch',
  'after_gateway_call_before_store',
  'after_store_before_ledger',
  'before_period_advance',
] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

export interface Faults {
  /** Called when the run reaches `point`; throws a `Crash` to kill the run there. */
  at(point: KillPoint): void;
}

/** What a kill point throws: the run stops as a killed process would, leaving whatever it had committed. */
export class Crash extends Error {
  constructor(readonly point: KillPoint) {
    super(`simulated crash at ${point}`);
    this.name = 'Crash';
  }
}

/**
 * Kills the run the `hit`-th time (1-based) it reaches `point`. A killed process does nothing more, so after that
 * every kill point throws: work running beside the killed chunk stops at its next point, not after it.
 */
export function crashAt(point: KillPoint, hit = 1): Faults & { fired: boolean } {
  let seen = 0;
  const faults = {
    fired: false,
    at(p: KillPoint) {
      if (faults.fired) throw new Crash(p);
      if (p !== point) return;
      seen++;
      if (seen < hit) return;
      faults.fired = true;
      throw new Crash(p);
    },
  };
  return faults;
}
