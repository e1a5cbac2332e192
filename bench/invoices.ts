import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import PDFDocument from 'pdfkit';
import { createDraftInvoices, type DraftInvoiceInput } from '../payments-core/invoices/create-draft-invoice.js';
import { finalizeDrafts } from '../payments-core/invoices/finalize-drafts.js';
import { loadFinalDocuments } from '../payments-core/invoices/invoice-document.js';
import { storeInvoicePdfs } from '../payments-core/invoices/publish-invoice.js';
import { renderInvoicePdf } from '../payments-core/invoices/render-invoice-pdf.js';
import { fixedClock } from '../platform/clock.js';
import { openDb } from '../platform/db.js';
import { localObjectStore } from '../platform/objects.js';
import { createBenchDatabase, startBenchServer } from './bench-database.js';

/** A bare one-line A4 PDF from pdfkit: the floor any invoice PDF stands on. */
function barePdf(i: number): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', info: { CreationDate: new Date(0) } });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
  });
  doc.font('Helvetica').fontSize(10).text(`Invoice ${i}`, 40, 40);
  doc.end();
  return done;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * `npm run bench -- invoices [--customers 50000] [--pdf-seconds 60] [--runs 1]`: a monthly invoice run for N
 * customers on PostgreSQL (KOSH_BENCH_DATABASE_URL, else the embedded default) — drafts (set-wise), finalisation with gapless numbers (set-wise), then PDFs rendered
 * and stored for as many invoices as fit in --pdf-seconds (the rest is extrapolated from the measured ms per PDF).
 * Baselines from the same run: a raw INSERT … SELECT of N invoice-shaped rows, and pdfkit rendering a bare one-line PDF.
 */
export async function invoicesBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      customers: { type: 'string', default: '50000' },
      'pdf-seconds': { type: 'string', default: '60' },
      runs: { type: 'string', default: '1' },
    },
  });
  const n = Number(values.customers);
  const pdfBudgetMs = Number(values['pdf-seconds']) * 1000;
  const runs = Number(values.runs);
  const results: Record<string, number[]> = {};
  const record = (k: string, v: number) => {
    results[k] = [...(results[k] ?? []), v];
  };
  const server = await startBenchServer();
  console.log(`database: ${server.label}`);
  try {
    for (let run = 1; run <= runs; run++) {
      const dir = mkdtempSync(path.join(tmpdir(), 'kosh-bench-invoices-'));
      const clock = fixedClock(new Date('2026-06-01T00:30:00Z'));
      const database = await createBenchDatabase(server.url, { clock });
      try {
        const db = await openDb(database.url);
        const objects = localObjectStore(path.join(dir, 'objects'));
        await db.run(
          `INSERT INTO schools SELECT 'sch_' || i, 'School ' || i, 'Bengaluru', CASE WHEN i % 5 = 0 THEN 'MH' ELSE 'KA' END,
        NULL, $at FROM generate_series(0, 99) t(i)`,
          { at: clock.now() },
        );
        await db.run(
          `INSERT INTO customers (id, school_id, name, email, phone, state_code, created_at)
         SELECT 'cus_' || i, 'sch_' || (i % 100), 'Parent ' || i, 'parent' || i || '@example.com', '+9198' || lpad(i::VARCHAR, 8, '0'),
           CASE WHEN i % 5 = 0 THEN 'MH' ELSE 'KA' END, $at FROM generate_series(0, $n::BIGINT - 1) t(i)`,
          { at: clock.now(), n },
        );

        // Baseline 1: the raw insert of N invoice-shaped rows, set-wise.
        await db.run('CREATE TABLE bench_raw AS SELECT * FROM invoices LIMIT 0');
        let t = performance.now();
        await db.run(
          `INSERT INTO bench_raw (id, kind, document_type, status, source, source_ref, customer_id, school_id, currency, supply_type,
           supplier_state_code, place_of_supply, taxable_minor, exempt_minor, cgst_minor, sgst_minor, igst_minor, round_off_minor,
           total_minor, amount_paid_minor, amount_credited_minor, auto_finalize, created_at, updated_at)
         SELECT 'raw_' || i, 'invoice', 'bill_of_supply', 'draft', 'subscription_period', 'r' || i, 'cus_' || i, 'sch_1', 'INR', 'intra',
           '29', '29', 0, 250000, 0, 0, 0, 0, 250000, 0, 0, true, $at, $at FROM generate_series(0, $n::BIGINT - 1) t(i)`,
          { at: clock.now(), n },
        );
        const rawMs = performance.now() - t;
        record('raw_insert_per_s', n / (rawMs / 1000));

        // The monthly run: one exempt meal line for everyone, a taxable snack line for every third family.
        const inputs: DraftInvoiceInput[] = Array.from({ length: n }, (_, i) => ({
          source: 'subscription_period',
          sourceRef: `bench_${i}`,
          customerId: `cus_${i}`,
          schoolId: `sch_${i % 100}`,
          currency: 'INR',
          lines: [
            {
              description: 'School lunch plan, June 2026',
              quantity: 1,
              unitAmountMinor: 250_000,
              amountMinor: 250_000,
              taxCategory: 'gst_exempt_school_meals',
              gstRateBp: null,
              periodStart: new Date('2026-05-31T18:30:00Z'),
              periodEnd: new Date('2026-06-30T18:30:00Z'),
            },
            ...(i % 3 === 0
              ? [
                  {
                    description: 'Snack add-on',
                    quantity: 4,
                    unitAmountMinor: 12_375,
                    amountMinor: 49_500,
                    taxCategory: 'gst' as const,
                    gstRateBp: 500,
                  },
                ]
              : []),
          ],
        }));
        t = performance.now();
        const ids: string[] = [];
        for (let s = 0; s < n; s += 5000) {
          const out = await db.transaction((tx) => createDraftInvoices(tx, inputs.slice(s, s + 5000), clock));
          ids.push(...out.map((o) => o.id));
        }
        const draftMs = performance.now() - t;
        record('drafts_per_s', n / (draftMs / 1000));

        t = performance.now();
        for (let s = 0; s < n; s += 5000) {
          await db.transaction((tx) => finalizeDrafts(tx, ids.slice(s, s + 5000), clock.now()));
        }
        const finalizeMs = performance.now() - t;
        record('finalized_per_s', n / (finalizeMs / 1000));
        const gaps = await db.one<{ n: number; max: number }>(
          `SELECT count(*) AS n, max(seq) AS max FROM invoice_numbers WHERE series = 'BOS'`,
        );

        // Baseline 2: bare pdfkit.
        const bare: number[] = [];
        for (let i = 0; i < 200; i++) {
          const s = performance.now();
          await barePdf(i);
          bare.push(performance.now() - s);
        }
        record('bare_pdf_ms', median(bare));

        // PDFs: render + store, in numbering order, within the time budget.
        const perPdf: number[] = [];
        t = performance.now();
        let bytes = 0;
        for (let s = 0; s < ids.length; s += 200) {
          if (performance.now() - t > pdfBudgetMs) break;
          const started = performance.now();
          const stored = await storeInvoicePdfs({ db, objects }, ids.slice(s, s + 200));
          const each = (performance.now() - started) / stored.length;
          for (const o of stored) {
            perPdf.push(each);
            bytes += o.bytes.length;
          }
        }
        // A sample rendered twice must give the same bytes (deterministic PDFs).
        const again = await storeInvoicePdfs({ db, objects }, ids.slice(0, 20));
        const first = await Promise.all(again.map((o) => objects.get('invoices', o.key)));
        if (again.some((o, i) => !Buffer.from(first[i] ?? []).equals(o.bytes))) throw new Error('PDF bytes drifted');
        const renderOnly: number[] = [];
        for (const doc of await loadFinalDocuments(db, ids.slice(0, 200))) {
          const s0 = performance.now();
          await renderInvoicePdf(doc.data, doc.template);
          renderOnly.push(performance.now() - s0);
        }
        record('render_only_ms', median(renderOnly));
        const pdfWallMs = perPdf.reduce((a, b) => a + b, 0);
        record('pdfs_rendered', perPdf.length);
        record('pdf_ms_mean', pdfWallMs / perPdf.length);
        record('pdf_kb_mean', bytes / perPdf.length / 1024);
        const extrapolatedPdfMs = (pdfWallMs / perPdf.length) * n;
        const totalMs = draftMs + finalizeMs + extrapolatedPdfMs;
        record('run_total_s', totalMs / 1000);
        record('invoices_per_s_with_pdf', n / (totalMs / 1000));
        console.log(
          `run ${run}: raw insert ${Math.round(n / (rawMs / 1000))}/s | drafts ${Math.round(n / (draftMs / 1000))}/s (${(draftMs / 1000).toFixed(1)} s) | finalise ${Math.round(n / (finalizeMs / 1000))}/s (${(finalizeMs / 1000).toFixed(1)} s, BOS 1..${gaps?.max} for ${gaps?.n}) | ` +
            `bare pdf ${median(bare).toFixed(2)} ms | invoice pdf render ${median(renderOnly).toFixed(2)} ms median, load+render+store ${(pdfWallMs / perPdf.length).toFixed(2)} ms mean over ${perPdf.length} | ` +
            `full run ${(totalMs / 1000).toFixed(0)} s (PDFs extrapolated) = ${(n / (totalMs / 1000)).toFixed(0)} invoices/s`,
        );
        await db.close();
      } finally {
        await database.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await server.stop();
  }
  const m = (k: string) => median(results[k] ?? [0]);
  console.log(
    `\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; customers ${n}; median of ${runs} run(s)`,
  );
  console.log('| step | figure | ratio to baseline |');
  console.log('| --- | ---: | ---: |');
  console.log(
    `| baseline: raw INSERT … SELECT of invoice-shaped rows | ${Math.round(m('raw_insert_per_s')).toLocaleString('en')} rows/s | 1.000 |`,
  );
  console.log(
    `| drafts (createDraftInvoices, 5 000 per batch, with lines) | ${Math.round(m('drafts_per_s')).toLocaleString('en')} /s | ${(m('drafts_per_s') / m('raw_insert_per_s')).toFixed(3)} |`,
  );
  console.log(
    `| finalisation (finalizeDrafts, numbers + snapshot) | ${Math.round(m('finalized_per_s')).toLocaleString('en')} /s | ${(m('finalized_per_s') / m('raw_insert_per_s')).toFixed(3)} |`,
  );
  console.log(`| baseline: pdfkit bare one-line PDF | ${m('bare_pdf_ms').toFixed(2)} ms | 1.000 |`);
  console.log(
    `| invoice PDF render only (median of 200) | ${m('render_only_ms').toFixed(2)} ms | ${(m('render_only_ms') / m('bare_pdf_ms')).toFixed(2)} × |`,
  );
  console.log(
    `| invoice PDF load + render + store, batches of 200 (mean, ${Math.round(m('pdfs_rendered'))} measured, ${m('pdf_kb_mean').toFixed(1)} KiB each) | ${m('pdf_ms_mean').toFixed(2)} ms | ${(m('pdf_ms_mean') / m('bare_pdf_ms')).toFixed(2)} × |`,
  );
  console.log(
    `| whole monthly run incl. PDFs (extrapolated) | ${m('run_total_s').toFixed(0)} s = ${Math.round(m('invoices_per_s_with_pdf'))} invoices/s | |`,
  );
}
