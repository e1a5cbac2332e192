import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../platform/clock.js';
import { type Harness, startHarness } from '../../support/harness.js';
import { runSchoolYear, scriptYear } from '../../support/school-year.js';

/**
 * The school year of tests/support/school-year.ts with a few subscriptions (the bench runs 200): seed 94 gives four
 * whose script holds every kind of action (each proration behaviour, a plan change, pause and resume, cancel now and
 * at period end, a declined renewal and its recovery) on four of the five plans, one of them inter-state and a
 * registered business (GSTIN: its invoices are B2B in GSTR-1).
 * PDFs are not rendered (no object store): the year checks money, not documents, and rendering is most of an advance.
 */
const SUBSCRIPTIONS = 4;
const SEED = 94;

describe('a school year on a test clock', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      clock: fixedClock(new Date('2027-06-01T06:00:00Z')),
      testClocks: true,
      withoutObjectStore: true,
    });
  });
  afterAll(async () => h.close());

  it('when subscriptions change, pause, cancel, fail and recover for 12 months → billed = ∫ price × quantity, ledger, invoices and GSTR-1 tie, no gaps', async () => {
    const kinds = new Set(
      scriptYear(SUBSCRIPTIONS, SEED).steps.map((s) =>
        s.action.kind === 'change'
          ? s.action.behavior
          : s.action.kind === 'cancel'
            ? `cancel:${s.action.atPeriodEnd}`
            : s.action.kind,
      ),
    );
    expect([...kinds].sort()).toEqual([
      'always_invoice',
      'cancel:false',
      'cancel:true',
      'create_prorations',
      'decline',
      'none',
      'pause',
      'recover',
      'resume',
    ]);
    const year = await runSchoolYear(h, { subscriptions: SUBSCRIPTIONS, seed: SEED });
    expect(year.problems).toEqual([]);
    expect(year.checks).toHaveLength(6);
    expect(year.declines).toBeGreaterThan(0);
  }, 120_000);
});
