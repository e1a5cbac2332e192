import { describe, expect, it } from 'vitest';
import { filesWithoutTheirTools } from '../support/system-tools.js';

const quiet = (): void => undefined;

describe('tests that need system commands', () => {
  it('when the commands are installed → nothing is left out; when missing → their files are, unless CI requires them', () => {
    expect(filesWithoutTheirTools(process.env)).toEqual([]);
    const none = filesWithoutTheirTools({ PATH: '/nonexistent' }, quiet);
    expect(none).toEqual(
      expect.arrayContaining([
        'tests/serving/dashboard.test.ts',
        'tests/serving/invoices-api.test.ts',
        'tests/notebooks/**',
        'tests/docs/readme-tour.test.ts',
      ]),
    );
    expect(none).not.toContain('tests/serving/payment-flow.test.ts');
    expect(() => filesWithoutTheirTools({ PATH: '/nonexistent', KOSH_REQUIRE_SYSTEM_TOOLS: '1' }, quiet)).toThrow(
      /missing system commands: pdftotext, chromium/,
    );
  });
});
