import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { completionScript, grammar } from '../../bin/completion.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** What bash completes for the words typed so far (the last one being completed), with kosh's script loaded. */
function complete(...words: string[]): string[] {
  const line = ['kosh', ...words];
  const script = `${completionScript('bash')}
COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}; _kosh; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const run = spawnSync('bash', ['-c', script], { cwd: ROOT, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return run.stdout.split('\n').filter((w) => w !== '');
}

describe('shell completion', () => {
  it('when a command, a subcommand or an option is half typed → bash offers what the usage names, and nothing else', () => {
    expect(complete('ke')).toEqual(['keys']);
    expect(complete('keys', 'r')).toEqual(['revoke', 'rotate']);
    expect(complete('keys', 'rotate', 'key_1', '--g')).toEqual(['--grace']);
    expect(complete('models', 'promote', 'v1', '--')).toEqual([
      '--task',
      '--state',
      '--json',
      '--force',
      '--reason',
      '--help',
    ]);
    expect(complete('completion', '')).toEqual(['bash', 'zsh']);
    expect(complete('nonsense', '--')).toEqual([]);
  });

  it('when the usage is read → every command is completed, and zsh gets the same through bashcompinit', () => {
    const g = grammar();
    expect(g.commands).toEqual(
      expect.arrayContaining(['serve', 'keys', 'jobs', 'models', 'train', 'doctor', 'razorpay-sim']),
    );
    expect(g.of.get('seed')?.options).toEqual(['--seed', '--payments', '--months', '--schools', '--force', '--help']);
    const zsh = completionScript('zsh');
    expect(zsh).toContain('bashcompinit');
    expect(zsh).toContain('complete -o default -F _kosh kosh');
  });
});
