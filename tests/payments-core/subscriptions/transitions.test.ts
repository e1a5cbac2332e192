import { describe, expect, it } from 'vitest';
import { canMove, TERMINAL_STATUSES, TRANSITIONS } from '../../../payments-core/subscriptions/transitions.js';
import type { SubscriptionStatus } from '../../../payments-core/subscriptions/types.js';

describe('the subscription transition table', () => {
  const states = Object.keys(TRANSITIONS) as SubscriptionStatus[];

  it('when read → it names Razorpay states plus trialing, terminal states have no exit, and nothing goes back to created', () => {
    expect(states.sort()).toEqual(
      [
        'active',
        'authenticated',
        'cancelled',
        'completed',
        'created',
        'expired',
        'halted',
        'paused',
        'pending',
        'trialing',
      ].sort(),
    );
    for (const s of TERMINAL_STATUSES) expect(TRANSITIONS[s]).toEqual([]);
    for (const from of states) {
      expect(canMove(from, from)).toBe(false);
      expect(canMove(from, 'created')).toBe(false);
      for (const to of TRANSITIONS[from]) expect(states).toContain(to);
    }
    expect(canMove('halted', 'active')).toBe(true);
    expect(canMove('paused', 'pending')).toBe(false);
    expect(canMove('cancelled', 'active')).toBe(false);
  });
});
