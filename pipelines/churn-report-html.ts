import type { ChurnModelQuality, ChurnReportSummary, ChurnScoreRow } from './churn-report.js';
import { describeDriver } from './churn-revenue.js';

export interface ChurnReportView {
  readonly reportDate: string;
  readonly modelId: string;
  readonly algorithm: string;
  readonly rows: readonly ChurnScoreRow[];
  readonly summary: ChurnReportSummary;
  readonly history: readonly { report_date: string; mean_probability: number; at_risk: number }[];
  readonly atRisk: number;
  readonly revenueAtRisk: number;
  readonly meanProbability: number;
  readonly ltv: unknown;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const rupees = (minor: number) =>
  `₹${(minor / 100).toLocaleString('en-IN', { minimumFractionDigits: 0, maximumFractionDigits: 0 })}`;
const pct = (p: number) => `${(p * 100).toFixed(1)} %`;

/** Horizontal bars (label, value) as inline SVG. */
function barChart(title: string, items: readonly { label: string; value: number; text: string }[]): string {
  const width = 640;
  const bar = 20;
  const left = 200;
  const max = Math.max(1, ...items.map((i) => i.value));
  const height = items.length * (bar + 6) + 30;
  const bars = items
    .map((it, k) => {
      const y = 24 + k * (bar + 6);
      const w = Math.max(1, ((width - left - 90) * it.value) / max);
      return `<text x="${left - 6}" y="${y + 14}" text-anchor="end">${esc(it.label.slice(0, 28))}</text><rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="#c0392b"/><text x="${(left + w + 6).toFixed(1)}" y="${y + 14}">${esc(it.text)}</text>`;
    })
    .join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(title)}" font-size="12" font-family="system-ui,sans-serif"><text x="0" y="14" font-weight="600">${esc(title)}</text>${bars}</svg></figure>`;
}

/** A histogram of churn probabilities in ten bins. */
function histogram(rows: readonly ChurnScoreRow[]): string {
  const bins = new Array<number>(10).fill(0);
  for (const r of rows) bins[Math.min(9, Math.floor(r.probability * 10))]++;
  const width = 640;
  const height = 200;
  const max = Math.max(1, ...bins);
  const bw = (width - 40) / 10;
  const bars = bins
    .map((n, k) => {
      const h = ((height - 50) * n) / max;
      const x = 30 + k * bw;
      return `<rect x="${x.toFixed(1)}" y="${(height - 25 - h).toFixed(1)}" width="${(bw - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="${k >= 5 ? '#c0392b' : '#7f8c8d'}"/><text x="${(x + bw / 2 - 2).toFixed(1)}" y="${height - 10}" text-anchor="middle">${k / 10}</text><text x="${(x + bw / 2 - 2).toFixed(1)}" y="${(height - 30 - h).toFixed(1)}" text-anchor="middle">${n}</text>`;
    })
    .join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="probability histogram" font-size="11" font-family="system-ui,sans-serif"><text x="0" y="14" font-weight="600">Customers by churn probability</text>${bars}</svg></figure>`;
}

/** Mean churn probability over the recent reports as a line. */
function trend(history: ChurnReportView['history']): string {
  if (history.length < 2) return '<p>Trend: one report so far.</p>';
  const width = 640;
  const height = 180;
  const max = Math.max(0.05, ...history.map((h) => h.mean_probability));
  const x = (k: number) => 40 + (k * (width - 80)) / (history.length - 1);
  const y = (v: number) => height - 30 - ((height - 60) * v) / max;
  const points = history.map((h, k) => `${x(k).toFixed(1)},${y(h.mean_probability).toFixed(1)}`).join(' ');
  const labels = history
    .map(
      (h, k) =>
        `<text x="${x(k).toFixed(1)}" y="${height - 10}" text-anchor="middle">${esc(h.report_date.slice(5))}</text>`,
    )
    .join('');
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="mean probability trend" font-size="11" font-family="system-ui,sans-serif"><text x="0" y="14" font-weight="600">Mean churn probability by report</text><polyline fill="none" stroke="#c0392b" stroke-width="2" points="${points}"/>${labels}</svg></figure>`;
}

function segmentTable(title: string, items: ChurnReportSummary['by_school']): string {
  const rows = items
    .map(
      (s) =>
        `<tr><td>${esc(s.name)}</td><td>${s.customers}</td><td>${s.at_risk}</td><td>${pct(s.mean_probability)}</td><td>${rupees(s.revenue_at_risk_minor)}</td></tr>`,
    )
    .join('');
  return `<h2>${esc(title)}</h2><table><thead><tr><th>${esc(title.replace('By ', ''))}</th><th>customers</th><th>at risk</th><th>mean P(churn)</th><th>revenue at risk / month</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function revenueLines(summary: ChurnReportSummary): string {
  const r = summary.revenue;
  return `<p>Recurring: ${rupees(r.recurring_at_risk_minor)} at risk of ${rupees(r.mrr_minor)} MRR (${pct(r.mrr_minor === 0 ? 0 : r.recurring_at_risk_minor / r.mrr_minor)}). Meal packs: ${rupees(r.meal_packs_at_risk_minor)} at risk of ${rupees(r.meal_packs_monthly_minor)} a month.</p>`;
}

function qualityLine(q: ChurnModelQuality | null): string {
  if (q === null) return '<p>Model quality: not recorded for this model.</p>';
  const auc =
    q.roc_auc_lo === null || q.roc_auc_hi === null
      ? q.roc_auc.toFixed(3)
      : `${q.roc_auc.toFixed(3)} [${q.roc_auc_lo.toFixed(3)}, ${q.roc_auc_hi.toFixed(3)}]`;
  return `<p>How far to trust it (${q.window === 'test' ? 'the untouched newest month' : 'the month it was calibrated on, optimistic'}, ${q.rows} families): accuracy ${pct(q.accuracy)} against ${pct(q.majority_accuracy)} for answering "nobody churns" (churn base rate ${pct(q.base_rate)}); ROC-AUC ${auc}. The 85 % accuracy target is ${q.meets_accuracy_target ? 'met' : 'not met'}${q.majority_accuracy > 0.85 ? ', but the majority answer alone meets it, so rank by ROC-AUC' : ''}.</p>`;
}

/** The nightly report as one self-contained HTML page: no script, no external asset, charts as inline SVG. */
export function renderChurnReportHtml(v: ChurnReportView): string {
  const top = v.rows.slice(0, 50);
  const change = v.summary.change_since_last_week;
  const changeText =
    change === null
      ? 'No report from a week ago to compare with.'
      : `Since ${esc(change.previous_report_date)}: at-risk customers ${change.at_risk >= 0 ? '+' : ''}${change.at_risk}, revenue at risk ${change.revenue_at_risk_minor >= 0 ? '+' : '−'}${rupees(Math.abs(change.revenue_at_risk_minor))}, mean probability ${change.mean_probability >= 0 ? '+' : ''}${(change.mean_probability * 100).toFixed(1)} points.`;
  const customerRows = top
    .map(
      (r) =>
        `<tr><td>${r.rank}</td><td>${esc(r.customer_name)}</td><td>${esc(r.school_name)}</td><td>${esc(r.plan)}</td><td>${pct(r.probability)}</td><td>${esc(r.drivers.map(describeDriver).join('; '))}</td><td>${rupees(r.revenue_at_risk_minor)}</td><td>${r.p_alive === null ? '—' : pct(r.p_alive)}</td><td>${r.clv_minor === null ? '—' : rupees(r.clv_minor)}</td><td>${r.probability_change_7d === null ? '—' : `${(r.probability_change_7d * 100).toFixed(1)}`}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Churn report ${esc(v.reportDate)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:72rem;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}td:nth-child(-n+4),th:nth-child(-n+4){text-align:left}.kpi{display:flex;gap:2rem}.kpi div{font-size:1.4rem;font-weight:600}</style></head>
<body><h1>Churn report ${esc(v.reportDate)}</h1>
<p>Model ${esc(v.modelId)} (${esc(v.algorithm)}). Probability = calibrated P(no paid order or a subscription ending in the next 30 days).
Revenue at risk = probability × monthly revenue: a family's live subscriptions monthly-normalised as MRR counts them (a quarterly charge ÷ 3, yearly ÷ 12, weekly × 52/12), else a third of its last 90 days' meal-pack payments.</p>
${revenueLines(v.summary)}
${qualityLine(v.summary.model_quality)}
<section class="kpi"><p>customers<div>${v.rows.length}</div></p><p>at risk (P ≥ 0.5)<div>${v.atRisk}</div></p><p>revenue at risk / month<div>${rupees(v.revenueAtRisk)}</div></p><p>mean P(churn)<div>${pct(v.meanProbability)}</div></p></section>
<p>${changeText}</p>
${histogram(v.rows)}
${barChart(
  'Revenue at risk by school',
  v.summary.by_school
    .slice(0, 12)
    .map((s) => ({ label: s.name, value: s.revenue_at_risk_minor, text: rupees(s.revenue_at_risk_minor) })),
)}
${trend(v.history)}
${segmentTable('By school', v.summary.by_school)}
${segmentTable('By plan', v.summary.by_plan)}
<h2>Most revenue at risk (top ${top.length})</h2>
<table><thead><tr><th>#</th><th>family</th><th>school</th><th>plan</th><th>P(churn)</th><th>top reasons</th><th>at risk / month</th><th>P(alive)</th><th>CLV 12 m</th><th>Δ 7 d (points)</th></tr></thead><tbody>${customerRows}</tbody></table>
</body></html>`;
}
