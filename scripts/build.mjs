// `npm run build`: kosh's runtime TypeScript compiled file by file into dist/ (esbuild: types are stripped, not
// checked — `npm run typecheck` checks them), the other runtime files (migrations, dashboard pages) copied beside,
// and the build stamp written last. `node scripts/build.mjs --out DIR` builds elsewhere (the build test does).
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { BUILD_STAMP, ROOT, runtimeFiles } from '../bin/sources.mjs';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
const out = path.resolve(ROOT, values.out);
const started = performance.now();
rmSync(out, { recursive: true, force: true });
const { modules: sources, assets } = runtimeFiles();
await build({
  entryPoints: sources.map((f) => path.join(ROOT, f)),
  outdir: out,
  outbase: ROOT,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const file of assets) {
  mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
  copyFileSync(path.join(ROOT, file), path.join(out, file));
}
writeFileSync(path.join(out, path.basename(BUILD_STAMP)), `${new Date().toISOString()}\n`);
console.log(
  `built ${sources.length} modules and copied ${assets.length} files into ${path.relative(ROOT, out) || '.'} in ${Math.round(performance.now() - started)} ms`,
);
