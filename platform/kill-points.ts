/**
 * Named points where a process may die, for the crash tests (`kill -9` from inside, at an exact place):
 * `KOSH_KILL_AT=point` (or `point:n`, the n-th time it is reached) makes `kosh serve` SIGKILL itself the moment it
 * gets there, leaving exactly what it had committed. Production sets none, and then every call is a no-op.
 */
export interface KillPoints {
  at(point: string): void;
}

export const NO_KILL_POINTS: KillPoints = { at() {} };

/** `point` or `point:n`; null or empty = none. */
export function killPointsFrom(spec: string | null, kill: () => void = selfKill): KillPoints {
  if (spec === null || spec.trim() === '') return NO_KILL_POINTS;
  const [point, nth] = spec.trim().split(':');
  const hit = nth === undefined ? 1 : Number(nth);
  let seen = 0;
  return {
    at(p) {
      if (p !== point) return;
      seen++;
      if (seen === hit) kill();
    },
  };
}

function selfKill(): void {
  process.kill(process.pid, 'SIGKILL');
}
