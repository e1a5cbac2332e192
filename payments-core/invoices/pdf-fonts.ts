import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The Noto Sans family a document prints with, from the @fontsource packages (WOFF files inside the npm packages,
 * pinned in package.json; nothing is downloaded at run time). Each file covers one script, so every text run is
 * printed with the face of its script: a name in Devanagari with Noto Sans Devanagari, the ₹ sign with the
 * latin-ext face, digits and Latin letters with the latin face.
 */
export type Script =
  | 'latin'
  | 'latin-ext'
  | 'devanagari'
  | 'bengali'
  | 'gujarati'
  | 'tamil'
  | 'telugu'
  | 'kannada'
  | 'malayalam';
export type Weight = 'regular' | 'bold';

const PACKAGE: Record<Script, [pkg: string, subset: string]> = {
  latin: ['noto-sans', 'latin'],
  'latin-ext': ['noto-sans', 'latin-ext'],
  devanagari: ['noto-sans-devanagari', 'devanagari'],
  bengali: ['noto-sans-bengali', 'bengali'],
  gujarati: ['noto-sans-gujarati', 'gujarati'],
  tamil: ['noto-sans-tamil', 'tamil'],
  telugu: ['noto-sans-telugu', 'telugu'],
  kannada: ['noto-sans-kannada', 'kannada'],
  malayalam: ['noto-sans-malayalam', 'malayalam'],
};
export const SCRIPTS = Object.keys(PACKAGE) as Script[];

/** The Unicode blocks of the Indic scripts (Devanagari's dandas U+0964–0965 serve the others too). */
const BLOCKS: readonly [from: number, to: number, script: Script][] = [
  [0x0900, 0x097f, 'devanagari'],
  [0xa8e0, 0xa8ff, 'devanagari'],
  [0x0980, 0x09ff, 'bengali'],
  [0x0a80, 0x0aff, 'gujarati'],
  [0x0b80, 0x0bff, 'tamil'],
  [0x0c00, 0x0c7f, 'telugu'],
  [0x0c80, 0x0cff, 'kannada'],
  [0x0d00, 0x0d7f, 'malayalam'],
  // Latin Extended-A/B, Latin Extended Additional and the currency signs (₹ is U+20B9) are in the latin-ext face.
  [0x0100, 0x024f, 'latin-ext'],
  [0x1e00, 0x1eff, 'latin-ext'],
  [0x20a0, 0x20c0, 'latin-ext'],
];

const JOINERS = new Set([0x200c, 0x200d, 0x0964, 0x0965]);
const INDIC = new Set<Script>(['devanagari', 'bengali', 'gujarati', 'tamil', 'telugu', 'kannada', 'malayalam']);

function scriptOf(codePoint: number): Script | null {
  for (const [from, to, script] of BLOCKS) if (codePoint >= from && codePoint <= to) return script;
  return JOINERS.has(codePoint) ? null : 'latin';
}

/**
 * Splits text into runs of one script each. Joiners (ZWJ, ZWNJ) and dandas stay with the Indic run around them;
 * everything that is not Indic or latin-ext (spaces, digits, punctuation) prints with the latin face.
 */
export function scriptRuns(text: string): { script: Script; text: string }[] {
  const runs: { script: Script; text: string }[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const last = runs.at(-1);
    const script = scriptOf(cp) ?? (last !== undefined && INDIC.has(last.script) ? last.script : 'devanagari');
    if (last !== undefined && last.script === script) last.text += ch;
    else runs.push({ script, text: ch });
  }
  return runs;
}

/** The registered font name of a script and weight, e.g. `noto-devanagari-bold`. */
export const fontName = (script: Script, weight: Weight): string => `noto-${script}-${weight}`;

const require = createRequire(import.meta.url);
let loaded: Map<string, Buffer> | undefined;

/** The font files, read once per process (they are constant data of the installed packages). */
export function fontFiles(): ReadonlyMap<string, Buffer> {
  if (loaded === undefined) {
    const files = new Map<string, Buffer>();
    for (const script of SCRIPTS) {
      const [pkg, subset] = PACKAGE[script];
      for (const [weight, css] of [
        ['regular', 400],
        ['bold', 700],
      ] as const) {
        const file = require.resolve(`@fontsource/${pkg}/files/${pkg}-${subset}-${css}-normal.woff`);
        files.set(fontName(script, weight), readFileSync(file));
      }
    }
    loaded = files;
  }
  return loaded;
}

type TextOptions = PDFKit.Mixins.TextOptions;

/**
 * Makes one pdfkit document print every `text` call with the Noto face of each script run: registers the faces,
 * maps the standard font names the layout asks for (`Helvetica`, `Helvetica-Bold`, …) to Noto Sans of that weight,
 * and splits each text into script runs. A single-script text is one pdfkit call, exactly as before; a mixed one
 * is placed run by run (a right- or centre-aligned single line measured as a whole) or chained with `continued`.
 */
export function useScriptFonts(doc: PDFKit.PDFDocument): void {
  for (const [name, bytes] of fontFiles()) doc.registerFont(name, bytes);
  let weight: Weight = 'regular';
  const setFont = doc.font.bind(doc) as (name: string, size?: number) => PDFKit.PDFDocument;
  const write = doc.text.bind(doc) as (text: string, x?: number, y?: number, o?: TextOptions) => PDFKit.PDFDocument;
  // pdfkit reads an undefined x as "options come first": a continued run passes its options alone.
  const writeOn = doc.text.bind(doc) as (text: string, o: TextOptions) => PDFKit.PDFDocument;
  const face = (script: Script) => setFont(fontName(script, weight));
  doc.font = ((name: string, size?: number) => {
    weight = /bold/i.test(name) ? 'bold' : 'regular';
    return setFont(fontName('latin', weight), size);
  }) as typeof doc.font;
  doc.text = ((text: string, a?: number | TextOptions, b?: number, c?: TextOptions) => {
    const [x, y, options] = typeof a === 'object' ? [undefined, undefined, a] : [a, b, c];
    const runs = scriptRuns(String(text));
    const only = runs[0];
    if (runs.length <= 1 || only === undefined) {
      face(only?.script ?? 'latin');
      write(String(text), x, y, options);
      return face('latin');
    }
    const align = options?.align;
    const width = options?.width;
    if ((align === 'right' || align === 'center') && width !== undefined && x !== undefined && y !== undefined) {
      const widths = runs.map((r) => face(r.script).widthOfString(r.text));
      const total = widths.reduce((s, w) => s + w, 0);
      // One line, placed as a whole (an amount wider than its cell overflows to the left rather than wrap its ₹).
      if (!String(text).includes('\n')) {
        let at = x + (align === 'right' ? width - total : (width - total) / 2);
        runs.forEach((r, i) => {
          face(r.script);
          write(r.text, at, y, { lineBreak: false });
          at += widths[i] ?? 0;
        });
        face('latin');
        doc.x = x;
        doc.y = y + doc.currentLineHeight(true);
        return doc;
      }
    }
    runs.forEach((r, i) => {
      face(r.script);
      const last = i === runs.length - 1;
      if (i === 0) write(r.text, x, y, { ...options, continued: !last });
      else writeOn(r.text, { continued: !last });
    });
    return face('latin');
  }) as typeof doc.text;
}
