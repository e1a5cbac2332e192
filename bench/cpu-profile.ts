import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** The repository root, stripped from frame locations. */
const ROOT = new URL('..', import.meta.url).pathname;

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly hitCount?: number;
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** A V8 CPU profile of this process's main thread (the server under test), started and stopped around one phase. */
export async function startCpuProfile(): Promise<{ stop(file: string): Promise<string> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 100 µs between samples: fine enough for a ~200 µs request, cheap enough not to change the ranking.
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return {
    stop: async (file) => {
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
      session.disconnect();
      writeFileSync(file, JSON.stringify(profile));
      return topFrames(profile, 20);
    },
  };
}

/** The top frames by self time, then self time summed by file or package, as markdown tables. */
export function topFrames(profile: Profile, n: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFrame = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const id of profile.samples ?? []) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const path = url.replace(/^file:\/\//, '');
    const modules = path.lastIndexOf('/node_modules/');
    const file =
      modules >= 0
        ? path.slice(modules + '/node_modules/'.length)
        : path.startsWith(ROOT)
          ? path.slice(ROOT.length)
          : path;
    // tsx-loaded files report line 0 for every function: the name and file say enough there.
    const where = file === '' ? '' : lineNumber > 0 ? `${file}:${lineNumber + 1}` : file;
    const frame = `${functionName || '(anonymous)'}\t${where}`;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + 1);
    const scope = /^(@[^/]+\/[^/]+|[^/]+)/.exec(file)?.[1];
    const owner = file === '' ? functionName : modules >= 0 ? `${scope ?? file} (package)` : file;
    byFile.set(owner, (byFile.get(owner) ?? 0) + 1);
    total++;
  }
  const pct = (hits: number) => ((100 * hits) / total).toFixed(1);
  const top = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    `${total.toLocaleString('en')} samples`,
    '',
    '| # | self % | function | where |',
    '| ---: | ---: | --- | --- |',
    ...top(byFrame).map(([frame, hits], i) => {
      const [fn, where] = frame.split('\t');
      return `| ${i + 1} | ${pct(hits)} | \`${fn}\` | ${where === '' || where === undefined ? '' : `\`${where}\``} |`;
    }),
    '',
    '| # | self % | file or package |',
    '| ---: | ---: | --- |',
    ...top(byFile).map(([owner, hits], i) => `| ${i + 1} | ${pct(hits)} | \`${owner}\` |`),
  ].join('\n');
}
