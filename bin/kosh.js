#!/usr/bin/env node
// The `kosh` CLI. After `npm run build` it runs the compiled dist/ (a fast start: no TypeScript at run time);
// without a build, or when a source file changed since, it runs the TypeScript sources through tsx.
import { distIsCurrent } from './sources.mjs';

let main;
if (distIsCurrent()) {
  ({ main } = await import('../dist/bin/cli.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./cli.ts'));
}
process.exitCode = await main(process.argv.slice(2), process.env);
