import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** GitHub's heading anchor: lower case, punctuation dropped (letters, digits, spaces, - and _ kept), spaces → -. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fence = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    const m = fence ? null : /^#{1,6} (.*)$/.exec(line);
    if (m === null) continue;
    const base = slug(m[1] ?? '');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Every relative link of a Markdown file outside code blocks: [text](target). */
function linksOf(file: string): string[] {
  const out: string[] = [];
  let fence = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    if (fence) continue;
    for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? '';
      if (!/^[a-z]+:/.test(target)) out.push(target);
    }
  }
  return out;
}

const PAGES = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('the README and the guides', () => {
  it('when a page links a file or a heading → the file exists and has that heading', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const from = path.join(ROOT, page);
      for (const link of linksOf(from)) {
        const [target = '', anchor] = link.split('#');
        const file = target === '' ? from : path.resolve(path.dirname(from), target);
        if (!file.startsWith(ROOT) || !existsSync(file)) {
          broken.push(`${page}: ${link} (no such file)`);
        } else if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).has(anchor)) {
          broken.push(`${page}: ${link} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('when the README is read → it fits on a few screens, starts with the two commands, and links out of the repo nowhere', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThan(150);
    expect(readme.indexOf('npm install && npm start')).toBeLessThan(readme.indexOf('## A five-minute tour'));
    for (const page of PAGES) {
      const text = readFileSync(path.join(ROOT, page), 'utf8');
      expect(text, page).not.toMatch(/\.\.\/shared\/|\bDESIGN\.md\b|^open http/m);
    }
  });
});
