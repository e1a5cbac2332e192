import { execFileSync } from 'node:child_process';

/**
 * The Debian packages' commands some test files need (scripts/debian-packages.txt installs them before `npm test`),
 * and those files. Where a command cannot be installed (no apt, no root), its files are left out with a printed
 * reason and the rest of the suite runs; with KOSH_REQUIRE_SYSTEM_TOOLS=1 (CI) a missing command fails the run.
 */
export const TOOL_TESTS: Readonly<Record<string, readonly string[]>> = {
  pdftotext: [
    'tests/payments-core/invoices/unicode-pdf.test.ts',
    'tests/payments-core/invoices/lifecycle.test.ts',
    'tests/payments-core/invoices/place-of-supply.test.ts',
    'tests/payments-core/invoices/invoice-rules.test.ts',
    'tests/serving/invoices-api.test.ts',
  ],
  chromium: ['tests/serving/dashboard.test.ts'],
  'jupyter-nbconvert': ['tests/notebooks/**'],
  jq: ['tests/docs/readme-tour.test.ts'],
  curl: ['tests/docs/readme-tour.test.ts'],
};

function installed(command: string, path: string | undefined): boolean {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${command}`], { stdio: 'ignore', env: { PATH: path ?? '' } });
    return true;
  } catch {
    return false;
  }
}

/** The test files to leave out on this machine, each missing command reported once on stderr. */
export function filesWithoutTheirTools(
  env: Readonly<Record<string, string | undefined>> = process.env,
  say: (line: string) => void = (line) => process.stderr.write(line),
): string[] {
  const missing = Object.keys(TOOL_TESTS).filter((c) => !installed(c, env.PATH));
  if (missing.length === 0) return [];
  if (env.KOSH_REQUIRE_SYSTEM_TOOLS === '1') {
    throw new Error(`missing system commands: ${missing.join(', ')} (scripts/system-deps.sh installs them)`);
  }
  const files = [...new Set(missing.flatMap((c) => TOOL_TESTS[c] ?? []))];
  say(
    `kosh tests: skipping ${files.length} file(s) because ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed ` +
      `(scripts/system-deps.sh could not install them here):\n  ${files.join('\n  ')}\n`,
  );
  return files;
}
