import { describe, expect, it } from 'vitest';
import { type ConfigError, loadConfig } from '../../../platform/config.js';

describe('invoicing configuration', () => {
  it('when nothing is set → the demo supplier in Karnataka, 60-minute finalisation delay, 15 due days', () => {
    const c = loadConfig({});
    expect(c.invoicing).toEqual({
      supplier: {
        gstin: '29AABCK0510K1ZR',
        legalName: 'Kosh School Meals Private Limited (demo)',
        address: '12 Residency Road, Bengaluru, Karnataka 560025',
        email: 'billing@kosh.example',
        stateCode: '29',
      },
      finalizeDelayMinutes: 60,
      dueDays: 15,
    });
  });

  it('when a Maharashtra GSTIN is configured → the supplier state is 27', () => {
    const c = loadConfig({
      KOSH_SUPPLIER_GSTIN: '27AAPFU0939F1ZV',
      KOSH_SUPPLIER_STATE: 'MH',
      KOSH_INVOICE_DUE_DAYS: '7',
    });
    expect(c.invoicing.supplier.stateCode).toBe('27');
    expect(c.invoicing.dueDays).toBe(7);
  });

  it('when the GSTIN check character is wrong or the state disagrees → every problem listed at start', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ KOSH_SUPPLIER_GSTIN: '27AAPFU0939F1ZW' })[0]).toMatch(/KOSH_SUPPLIER_GSTIN.*check character/);
    expect(problems({ KOSH_SUPPLIER_GSTIN: 'not-a-gstin' })[0]).toMatch(/KOSH_SUPPLIER_GSTIN.*15 characters/);
    expect(problems({ KOSH_SUPPLIER_GSTIN: '27AAPFU0939F1ZV', KOSH_SUPPLIER_STATE: 'KA' })[0]).toMatch(
      /KOSH_SUPPLIER_STATE KA .* does not match/,
    );
    expect(problems({ KOSH_INVOICE_FINALIZE_DELAY_MINUTES: '-1' })[0]).toMatch(/KOSH_INVOICE_FINALIZE_DELAY_MINUTES/);
  });
});
