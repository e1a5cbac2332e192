// Reading forecasting data: the long CSV `series,t,value` that `kosh forecast evaluate` takes, and the two
// wide layouts of ../shared/datasets (M3: one row per series; tourism: one column per series) it is made from.
import { invalid } from '../../platform/errors.js';

export interface SeriesValues {
  readonly id: string;
  readonly values: number[];
}

/** Parses a long CSV with a header naming `series`, `t` and `value`; rows are ordered by t within a series. */
export function parseLongCsv(text: string, file = 'csv'): SeriesValues[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const [iSeries, iT, iValue] = ['series', 't', 'value'].map((c) => header.indexOf(c));
  if (iSeries === undefined || iT === undefined || iValue === undefined || iSeries < 0 || iT < 0 || iValue < 0)
    throw invalid('missing_columns', `${file}: the header must name series, t and value`, [
      { field: 'header', code: 'missing_columns', message: 'expected series,t,value' },
    ]);
  const bySeries = new Map<string, { t: number; v: number }[]>();
  for (let i = 1; i < lines.length; i++) {
    const cells = (lines[i] as string).split(',');
    const id = (cells[iSeries] ?? '').trim();
    const t = Number(cells[iT]);
    const v = Number(cells[iValue]);
    if (id === '' || !Number.isFinite(t) || !Number.isFinite(v))
      throw invalid('bad_row', `${file}: line ${i + 1} is not series,t,value`, [
        { field: `line ${i + 1}`, code: 'bad_row', message: lines[i] as string },
      ]);
    let rows = bySeries.get(id);
    if (rows === undefined) {
      rows = [];
      bySeries.set(id, rows);
    }
    rows.push({ t, v });
  }
  return [...bySeries.entries()].map(([id, rows]) => ({
    id,
    values: rows.sort((a, b) => a.t - b.t).map((r) => r.v),
  }));
}

/** Writes series as a long CSV; t counts from `firstT` within each series. */
export function toLongCsv(series: readonly SeriesValues[], firstT = 1): string {
  const out = ['series,t,value'];
  for (const s of series) for (const [i, v] of s.values.entries()) out.push(`${s.id},${i + firstT},${v}`);
  return `${out.join('\n')}\n`;
}

/** M3 layout: `series,category,n,h,start_year,start_month,y1..` (train) or `series,category,h,…,y1..` (test). */
export function parseM3Wide(text: string): SeriesValues[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',');
  const first = header.indexOf('y1');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const values = cells
      .slice(first)
      .filter((c) => c.trim() !== '')
      .map(Number);
    return { id: cells[0] as string, values };
  });
}

/** Tourism layout: one column per series; rows: name, n, start year, [start period], values… */
export function parseTourismWide(text: string, metaRows: number): SeriesValues[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const names = (lines[0] ?? '').split(',').map((c) => c.trim().replace(/"/g, ''));
  const rows = lines.map((l) => l.split(','));
  return names.map((id, j) => {
    const n = Number((rows[1] as string[])[j]);
    const values: number[] = [];
    for (let r = 1 + metaRows; r < rows.length && values.length < n; r++) {
      const c = (rows[r] as string[])[j];
      if (c !== undefined && c.trim() !== '') values.push(Number(c));
    }
    return { id, values };
  });
}
