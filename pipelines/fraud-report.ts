import { FRAUD_LABEL_DEFINITION } from '../features/fraud/repository.js';
import { EVALUATION_PROTOCOL, type FraudTestEvaluation, type Interval } from '../models/evaluation-protocol.js';
import type { FraudMetrics, FraudThresholds } from '../models/fraud/model.js';

export interface FraudReportInput {
  readonly version: string;
  readonly algorithm: string;
  readonly featureSetVersion: string;
  readonly createdAt: Date;
  readonly trainFrom: Date | null;
  readonly trainTo: Date;
  /** The first attempt of the calibration window (calibrator and thresholds are fitted there). */
  readonly calibrationFrom: Date;
  /** The first attempt of the untouched test window (every reported metric is measured there). */
  readonly validationFrom: Date;
  readonly seed: number;
  readonly dataHash: string;
  readonly trainPositives: number;
  readonly calibrationPositives: number;
  readonly calibrationRows: number;
  /** Frauds in the test window. */
  readonly validationPositives: number;
  readonly trainingMs: number;
  /** Measured on the test window. */
  readonly metrics: FraudMetrics;
  readonly evaluation: FraudTestEvaluation;
  readonly thresholds: FraudThresholds;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number, digits = 4): string => (Number.isFinite(v) ? v.toFixed(digits) : '—');
const pct = (v: number, digits = 2): string => (Number.isFinite(v) ? `${(v * 100).toFixed(digits)} %` : '—');
const rupees = (paise: number): string => `₹${(paise / 100).toLocaleString('en-IN', { maximumFractionDigits: 0 })}`;
/** A value with its 95 % interval. */
const withInterval = (i: Interval, format: (v: number) => string): string =>
  `${format(i.value)} (95 % interval ${format(i.lo)} – ${format(i.hi)})`;

/** At most `max` points of a curve, keeping its first and last: enough for a 320-pixel plot. */
function thin(points: readonly (readonly [number, number])[], max = 400): (readonly [number, number])[] {
  if (points.length <= max) return [...points];
  const step = (points.length - 1) / (max - 1);
  const out: (readonly [number, number])[] = [];
  for (let i = 0; i < max; i++) {
    const p = points[Math.round(i * step)];
    if (p !== undefined) out.push(p);
  }
  return out;
}

/** A square line chart of points in [0,1]², with axes, ticks and an optional diagonal and marker. */
function curveSvg(
  title: string,
  xLabel: string,
  yLabel: string,
  points: readonly (readonly [number, number])[],
  options: { diagonal?: boolean; marker?: { x: number; y: number; label: string } } = {},
): string {
  const size = 320;
  const pad = 44;
  const inner = size - pad - 12;
  const x = (v: number) => pad + Math.min(1, Math.max(0, v)) * inner;
  const y = (v: number) => 12 + (1 - Math.min(1, Math.max(0, v))) * inner;
  const path = thin(points)
    .map(([a, b], i) => `${i === 0 ? 'M' : 'L'}${x(a).toFixed(1)},${y(b).toFixed(1)}`)
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (t) =>
        `<line x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(0) + 4}" stroke="#555"/>` +
        `<text x="${x(t)}" y="${y(0) + 16}" text-anchor="middle">${t}</text>` +
        `<line x1="${x(0) - 4}" y1="${y(t)}" x2="${x(0)}" y2="${y(t)}" stroke="#555"/>` +
        `<text x="${x(0) - 7}" y="${y(t) + 4}" text-anchor="end">${t}</text>` +
        `<line x1="${x(0)}" y1="${y(t)}" x2="${x(1)}" y2="${y(t)}" stroke="#eee"/>`,
    )
    .join('');
  const diagonal = options.diagonal
    ? `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#bbb" stroke-dasharray="4 4"/>`
    : '';
  const m = options.marker;
  const marker =
    m === undefined
      ? ''
      : `<circle cx="${x(m.x)}" cy="${y(m.y)}" r="4" fill="#c0392b"/><text x="${x(m.x) + 7}" y="${y(m.y) - 6}" fill="#c0392b">${esc(m.label)}</text>`;
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + 16}" viewBox="0 0 ${size} ${size + 16}" font-size="10" font-family="sans-serif" role="img" aria-label="${esc(title)}">
<title>${esc(title)}</title>${ticks}
<rect x="${x(0)}" y="${y(1)}" width="${inner}" height="${inner}" fill="none" stroke="#555"/>${diagonal}
<path d="${path}" fill="none" stroke="#1f6feb" stroke-width="2"/>${marker}
<text x="${x(0.5)}" y="${size + 12}" text-anchor="middle">${esc(xLabel)}</text>
<text transform="translate(11 ${y(0.5)}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>
</svg><figcaption>${esc(title)}</figcaption></figure>`;
}

/** Horizontal bars of the features' importance, largest first. */
function importanceSvg(items: readonly { feature: string; importance: number }[]): string {
  const top = [...items].sort((a, b) => b.importance - a.importance).slice(0, 25);
  const max = Math.max(1e-12, ...top.map((i) => Math.abs(i.importance)));
  const label = 210;
  const width = 640;
  const bar = width - label - 70;
  const rowH = 18;
  const rows = top
    .map((item, i) => {
      const w = (Math.abs(item.importance) / max) * bar;
      const yy = i * rowH;
      return (
        `<text x="${label - 6}" y="${yy + 13}" text-anchor="end">${esc(item.feature)}</text>` +
        `<rect x="${label}" y="${yy + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="#2da44e"/>` +
        `<text x="${label + w + 5}" y="${yy + 13}">${num(item.importance, 3)}</text>`
      );
    })
    .join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top.length * rowH + 6}" font-size="11" font-family="sans-serif" role="img" aria-label="Feature importance">
<title>Feature importance</title>${rows}</svg><figcaption>Feature importance (top ${top.length})</figcaption></figure>`;
}

/**
 * The training report: one self-contained HTML page (inline CSS and SVG, no scripts, no external files) with
 * the metrics, thresholds, training window and data hash, ROC and PR curves and feature importance.
 */
export function renderFraudReport(r: FraudReportInput): string {
  const m = r.metrics;
  const t = r.thresholds;
  const e = r.evaluation;
  const rows: [string, string][] = [
    ['ROC-AUC', withInterval(e.rocAuc, (v) => num(v))],
    ['PR-AUC (average precision)', withInterval(e.prAuc, (v) => num(v))],
    ['Recall at the block threshold', withInterval(e.recall, (v) => pct(v))],
    ['Precision at the block threshold', withInterval(e.precision, (v) => pct(v))],
    ['Block rate (all test payments)', withInterval(e.blockRate, (v) => pct(v, 3))],
    ['Good payments blocked (false-positive rate)', withInterval(e.goodBlockRate, (v) => pct(v, 3))],
    [
      'Fraud stopped against good payments blocked',
      `${e.fraudsBlocked} frauds, ${rupees(e.fraudPaiseBlocked)} saved; ${e.goodBlocked} good payments, ${rupees(e.goodPaiseBlocked)} blocked`,
    ],
    ['Recall at 0.5 % FPR', pct(m.recallAtHalfPercentFpr)],
    ['Calibration error (ECE)', num(m.calibrationError)],
  ];
  const thresholdRows: [string, string, string, string][] = [
    ['review', num(t.review), pct(t.reviewFpr, 3), pct(t.reviewRecall)],
    ['block', num(t.block), pct(t.blockFpr, 3), pct(t.blockRecall)],
  ];
  const data: [string, string][] = [
    ['Data window', `${r.trainFrom?.toISOString() ?? 'start of data'} → ${r.trainTo.toISOString()}`],
    ['Train window (oldest)', `${r.trainFrom?.toISOString() ?? 'start of data'} → ${r.calibrationFrom.toISOString()}`],
    ['Calibration window', `${r.calibrationFrom.toISOString()} → ${r.validationFrom.toISOString()}`],
    ['Test window (newest, untouched)', `${r.validationFrom.toISOString()} → ${r.trainTo.toISOString()}`],
    ['Training rows', `${m.trainRows.toLocaleString('en-IN')} (${r.trainPositives} fraud)`],
    ['Calibration rows', `${r.calibrationRows.toLocaleString('en-IN')} (${r.calibrationPositives} fraud)`],
    ['Test rows', `${m.validationRows.toLocaleString('en-IN')} (${r.validationPositives} fraud)`],
    ['Label definition', FRAUD_LABEL_DEFINITION],
    ['Seed', String(r.seed)],
    ['Data hash (sha256)', r.dataHash],
    ['Training time', `${(r.trainingMs / 1000).toFixed(1)} s`],
  ];
  const table = (head: string[], body: string[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body
      .map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kosh fraud model ${esc(r.version)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}code{background:#f6f8fa;padding:0 .25rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}
th{background:#f6f8fa}.charts{display:flex;flex-wrap:wrap;gap:2rem}figure{margin:0}figcaption{font-size:.85rem;color:#57606a}
</style></head><body>
<h1>Fraud model <code>${esc(r.version)}</code></h1>
<p>${esc(r.algorithm)} on feature set <code>${esc(r.featureSetVersion)}</code>, trained ${esc(r.createdAt.toISOString())}.
</p>
<h2>Evaluation protocol</h2><p><code>${esc(EVALUATION_PROTOCOL.name)}</code>: ${esc(EVALUATION_PROTOCOL.description)}
Intervals: ${EVALUATION_PROTOCOL.bootstrapResamples} resamples, seed ${r.seed}.</p>
<p>Labels: ${esc(FRAUD_LABEL_DEFINITION)}.</p>
<h2>Test metrics</h2>${table(['metric', 'value'], rows)}
<h2>Thresholds (fitted on the calibration window)</h2>${table(['decision', 'score ≥', 'calibration false-positive rate', 'calibration recall'], thresholdRows)}
<h2>Curves</h2><div class="charts">
${curveSvg('ROC curve (test window)', 'false-positive rate', 'true-positive rate (recall)', m.roc, { diagonal: true, marker: { x: e.goodBlockRate.value, y: e.recall.value, label: `block ≥ ${num(t.block, 3)}` } })}
${curveSvg('Precision–recall curve (test window)', 'recall', 'precision', m.pr)}
</div>
<h2>Feature importance</h2>${importanceSvg(m.featureImportance)}
<h2>Data</h2>${table(['', ''], data)}
</body></html>
`;
}
