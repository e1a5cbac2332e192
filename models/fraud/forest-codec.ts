import type { TreeEnsemble } from './forest-tree.js';
import type { FraudParams, FraudThresholds } from './model.js';

/** Everything a fraud model scores with. */
export interface FraudState {
  readonly featureSetVersion: string;
  readonly featureNames: string[];
  readonly seed: number;
  /** The trees' initial margin. */
  readonly base: number;
  /** logit(p) = intercept + supervised · margin + anomaly · anomaly score */
  readonly calibration: { readonly intercept: number; readonly supervised: number; readonly anomaly: number };
  /** Mean anomaly score on validation: the reference the anomaly part of a reason is measured from. */
  readonly anomalyMean: number;
  readonly isolationNorm: number;
  readonly gbt: TreeEnsemble;
  readonly isolation: TreeEnsemble;
  /** Normalized split gain per feature. */
  readonly importance: number[];
  readonly params: FraudParams;
  readonly thresholds: FraudThresholds | null;
}

/**
 * Artifact layout (little-endian): "KOSHFRD1", u32 header length, the header as UTF-8 JSON, zero padding to a
 * multiple of 8, then the tree arrays back to back (each at a multiple of 8). The scalars live in a Float64Array
 * section rather than in JSON so every stored double is the exact bit pattern trained.
 */
const MAGIC = 'KOSHFRD1';
const FORMAT = 1;

type ArrayKind = 'i32' | 'f64';
interface Section {
  readonly name: string;
  readonly kind: ArrayKind;
  readonly offset: number;
  readonly length: number;
}
interface Header {
  readonly format: number;
  readonly kind: 'fraud';
  readonly featureSetVersion: string;
  readonly featureNames: string[];
  readonly seed: number;
  readonly params: FraudParams;
  readonly thresholds: FraudThresholds | null;
  readonly sections: Section[];
}

const TREE_FIELDS = ['roots', 'feature', 'threshold', 'left', 'right', 'value'] as const;
const kindOf = (a: Int32Array | Float64Array): ArrayKind => (a instanceof Int32Array ? 'i32' : 'f64');

export function encodeFraudArtifact(state: FraudState): Uint8Array {
  const scalars = Float64Array.from([
    state.base,
    state.calibration.intercept,
    state.calibration.supervised,
    state.calibration.anomaly,
    state.anomalyMean,
    state.isolationNorm,
    ...state.importance,
  ]);
  const arrays: [string, Int32Array | Float64Array][] = [['scalars', scalars]];
  for (const field of TREE_FIELDS) arrays.push([`gbt.${field}`, state.gbt[field]]);
  for (const field of TREE_FIELDS) arrays.push([`isolation.${field}`, state.isolation[field]]);
  const sections: Section[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    sections.push({ name, kind: kindOf(a), offset, length: a.length });
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const header: Header = {
    format: FORMAT,
    kind: 'fraud',
    featureSetVersion: state.featureSetVersion,
    featureNames: state.featureNames,
    seed: state.seed,
    params: state.params,
    thresholds: state.thresholds,
    sections,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = Math.ceil((12 + headerBytes.length) / 8) * 8;
  const out = new Uint8Array(dataStart + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  for (let i = 0; i < arrays.length; i++) {
    const a = (arrays[i] as [string, Int32Array | Float64Array])[1];
    const s = sections[i] as Section;
    const view = new DataView(out.buffer, dataStart + s.offset, a.byteLength);
    if (a instanceof Int32Array) for (let k = 0; k < a.length; k++) view.setInt32(4 * k, a[k] as number, true);
    else for (let k = 0; k < a.length; k++) view.setFloat64(8 * k, a[k] as number, true);
  }
  return out;
}

export class FraudArtifactError extends Error {}

export function decodeFraudArtifact(bytes: Uint8Array): FraudState {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    throw new FraudArtifactError('not a kosh fraud model artifact');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = dv.getUint32(8, true);
  if (12 + headerLength > bytes.length) throw new FraudArtifactError('truncated artifact header');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as Header;
  if (header.format !== FORMAT) throw new FraudArtifactError(`unsupported artifact format ${header.format}`);
  if (header.kind !== 'fraud') throw new FraudArtifactError(`artifact holds a ${String(header.kind)} model`);
  const dataStart = Math.ceil((12 + headerLength) / 8) * 8;
  const read = (name: string): Int32Array | Float64Array => {
    const s = header.sections.find((x) => x.name === name);
    if (s === undefined) throw new FraudArtifactError(`artifact lacks ${name}`);
    const width = s.kind === 'i32' ? 4 : 8;
    const start = dataStart + s.offset;
    if (start + width * s.length > bytes.length) throw new FraudArtifactError(`truncated artifact section ${name}`);
    if (s.kind === 'i32') {
      const a = new Int32Array(s.length);
      for (let k = 0; k < s.length; k++) a[k] = dv.getInt32(start + 4 * k, true);
      return a;
    }
    const a = new Float64Array(s.length);
    for (let k = 0; k < s.length; k++) a[k] = dv.getFloat64(start + 8 * k, true);
    return a;
  };
  const tree = (prefix: string): TreeEnsemble => {
    const t = Object.fromEntries(TREE_FIELDS.map((f) => [f, read(`${prefix}.${f}`)]));
    const e = t as unknown as TreeEnsemble;
    if (!(e.roots instanceof Int32Array && e.threshold instanceof Float64Array && e.value instanceof Float64Array))
      throw new FraudArtifactError(`artifact section ${prefix} has the wrong types`);
    const nodes = e.feature.length;
    for (const a of [e.left, e.right, e.threshold, e.value])
      if (a.length !== nodes) throw new FraudArtifactError(`artifact section ${prefix} is inconsistent`);
    for (let k = 0; k < nodes; k++) {
      const f = e.feature[k] as number;
      if (f >= header.featureNames.length) throw new FraudArtifactError(`artifact section ${prefix} is inconsistent`);
      if (f >= 0) {
        const l = e.left[k] as number;
        const r = e.right[k] as number;
        // Children come after their parent, so a walk always ends at a leaf.
        if (!(l > k && l < nodes && r > k && r < nodes))
          throw new FraudArtifactError(`artifact section ${prefix} is inconsistent`);
      }
    }
    for (const root of e.roots)
      if (root < 0 || root >= nodes) throw new FraudArtifactError(`artifact section ${prefix} is inconsistent`);
    return e;
  };
  const scalars = read('scalars');
  const F = header.featureNames.length;
  if (scalars.length !== 6 + F) throw new FraudArtifactError('artifact scalars are inconsistent');
  return {
    featureSetVersion: header.featureSetVersion,
    featureNames: header.featureNames,
    seed: header.seed,
    base: scalars[0] as number,
    calibration: {
      intercept: scalars[1] as number,
      supervised: scalars[2] as number,
      anomaly: scalars[3] as number,
    },
    anomalyMean: scalars[4] as number,
    isolationNorm: scalars[5] as number,
    importance: Array.from(scalars.subarray(6)),
    gbt: tree('gbt'),
    isolation: tree('isolation'),
    params: header.params,
    thresholds: header.thresholds,
  };
}
