// What `npm run build` compiles into dist/, and how bin/kosh.js tells whether that build is current. Plain JS:
// the launcher reads it before it knows whether TypeScript can run.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The folders kosh's TypeScript runs from (tests, benchmarks and scripts stay TypeScript through tsx). */
export const RUNTIME_DIRS = ['bin', 'features', 'models', 'payments-core', 'pipelines', 'platform', 'serving'];
/** data/ also holds the embedded database and the object store: only its own modules, not its subfolders. */
const FLAT_DIRS = ['data'];
/** Files the code reads beside itself at run time, copied as they are. */
export const ASSET_DIRS = ['platform/migrations', 'serving/dashboard'];

/** Written last by the build: dist/ is current while no source file is newer than it. */
export const BUILD_STAMP = path.join('dist', '.build-stamp');

function filesIn(rel, { recursive, keep }) {
  const out = [];
  for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
    const child = path.join(rel, entry.name);
    if (entry.isDirectory() && recursive) out.push(...filesIn(child, { recursive, keep }));
    else if (entry.isFile() && keep(entry.name)) out.push(child);
  }
  return out;
}

const isModule = (name) => name.endsWith('.ts') && !name.endsWith('.d.ts');

/** What the build reads, relative to the root: the modules to compile and the assets to copy. */
export function runtimeFiles() {
  return {
    modules: [
      ...RUNTIME_DIRS.flatMap((dir) => filesIn(dir, { recursive: true, keep: isModule })),
      ...FLAT_DIRS.flatMap((dir) => filesIn(dir, { recursive: false, keep: isModule })),
    ],
    assets: ASSET_DIRS.flatMap((dir) => filesIn(dir, { recursive: true, keep: () => true })),
  };
}

/** True when dist/ holds a build no source file has changed since. */
export function distIsCurrent() {
  let built;
  try {
    built = statSync(path.join(ROOT, BUILD_STAMP)).mtimeMs;
  } catch {
    return false;
  }
  const { modules, assets } = runtimeFiles();
  return [...modules, ...assets].every((file) => statSync(path.join(ROOT, file)).mtimeMs <= built);
}
