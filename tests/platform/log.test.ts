import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** What one info line looks like on stdout from a fresh process with `format`. */
function lineWith(format: string): string {
  const script = `import { createLog } from './platform/log.ts';
createLog({ level: 'info', format: '${format}' }).info({ job: 'billing-run' }, 'job run');`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  return run.stdout;
}

describe('log lines', () => {
  it('when the format is pretty → one readable line for a person; json → one JSON object per line for a machine', () => {
    const pretty = lineWith('pretty');
    expect(pretty).toMatch(/INFO.*job run/);
    expect(pretty).toContain('billing-run');
    expect(() => JSON.parse(pretty)).toThrow();
    const json = JSON.parse(lineWith('json'));
    expect(json).toMatchObject({ level: 30, msg: 'job run', job: 'billing-run', service: 'kosh' });
    // auto, with stdout a pipe (not a terminal): JSON.
    expect(JSON.parse(lineWith('auto'))).toMatchObject({ msg: 'job run' });
  });
});
