import { existsSync, readFileSync } from 'node:fs';
import { USAGE, usageOf } from './usage.js';

export { usageOf } from './usage.js';

const HELP = ['--help', '-h'];
const VERSION = ['--version', '-v'];

/** kosh's version, from its package.json: the nearest one above this file (bin/, or a build's dist/bin/). */
function version(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir);
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
    if (pkg.name === 'kosh') return pkg.version;
  }
  throw new Error('kosh: its package.json was not found above bin/');
}

/**
 * The CLI entry: returns the exit code. Help and the version are answered from this file alone; a command's own code
 * (bin/commands.ts, and through it the server, the database and the models) is loaded only to run it.
 */
export async function main(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const [command, ...rest] = argv;
  // Help is answered before anything runs: `serve --help` must not serve, nor `migrate --help` migrate.
  if (command !== undefined && !HELP.includes(command) && rest.some((a) => HELP.includes(a))) {
    console.log(usageOf(command));
    return 0;
  }
  if (command === undefined || command === 'help' || HELP.includes(command)) {
    console.log(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === 'completion') {
    const shell = rest[0];
    if (shell !== 'bash' && shell !== 'zsh') {
      console.error('kosh completion: name the shell, bash or zsh');
      return 2;
    }
    const { completionScript } = await import('./completion.js');
    process.stdout.write(completionScript(shell));
    return 0;
  }
  if (VERSION.includes(command)) {
    console.log(`kosh ${version()}`);
    return 0;
  }
  const { runCommand } = await import('./commands.js');
  return runCommand(command, rest, env);
}
