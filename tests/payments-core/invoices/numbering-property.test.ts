import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDraftInvoices } from '../../../payments-core/invoices/create-draft-invoice.js';
import { finalizeDrafts } from '../../../payments-core/invoices/finalize-drafts.js';
import { finalizeInvoice } from '../../../payments-core/invoices/finalize-invoice.js';
import { draft, gstLine, invoiceDb, mealLine } from './support.js';

class Injected extends Error {}

describe('gapless numbering (property)', () => {
  it('when drafts are finalised concurrently, some twice and some rolled back → per series 1..n, no gap, no duplicate', async () => {
    const { db, clock } = await invoiceDb();
    try {
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ exempt: fc.boolean(), fail: fc.boolean(), twice: fc.boolean() }), {
            minLength: 1,
            maxLength: 25,
          }),
          async (plan) => {
            round++;
            const drafts = await createDraftInvoices(
              db,
              plan.map((p, i) => draft(`prop_${round}_${i}`, [p.exempt ? mealLine(10_000) : gstLine(10_000)])),
              clock,
            );
            // All at once: plain finalisations, duplicates of them, and finalisations whose transaction fails
            // after the number was taken (the rollback must hand the number back).
            const attempts = plan.flatMap((p, i) => {
              const id = (drafts[i] as { id: string }).id;
              const one = p.fail
                ? db.transaction(async (tx) => {
                    await finalizeDrafts(tx, [id], clock.now());
                    throw new Injected();
                  })
                : finalizeInvoice({ db, clock }, id);
              return p.twice && !p.fail ? [one, finalizeInvoice({ db, clock }, id)] : [one];
            });
            const settled = await Promise.allSettled(attempts);
            for (const s of settled) {
              if (s.status === 'rejected' && !(s.reason instanceof Injected)) {
                expect(s.reason).toMatchObject({ kind: 'conflict', code: 'invoice_not_draft' });
              }
            }
            const expectedFinal = plan.filter((p) => !p.fail).length;
            const finalised = await db.one<{ n: number }>(
              `SELECT count(*) AS n FROM invoices WHERE source_ref LIKE $p AND number IS NOT NULL`,
              { p: `prop_${round}_%` },
            );
            expect(finalised?.n).toBe(expectedFinal);
            const rows = await db.all<{ series: string; seq: number; number: string; invoice_number: string }>(
              `SELECT n.series, n.seq, n.number, i.number AS invoice_number
               FROM invoice_numbers n JOIN invoices i ON i.id = n.invoice_id ORDER BY n.series, n.seq`,
            );
            const bySeries = new Map<string, number[]>();
            for (const r of rows) {
              expect(r.invoice_number).toBe(r.number);
              bySeries.set(r.series, [...(bySeries.get(r.series) ?? []), r.seq]);
            }
            for (const seqs of bySeries.values()) expect(seqs).toEqual(seqs.map((_, i) => i + 1));
            expect(new Set(rows.map((r) => r.number)).size).toBe(rows.length);
            const counters = await db.all<{ series: string; last_seq: number }>(
              'SELECT series, last_seq FROM invoice_number_counters',
            );
            for (const c of counters) expect(c.last_seq).toBe(bySeries.get(c.series)?.length);
          },
        ),
        { numRuns: 15, seed: 20260510 },
      );
    } finally {
      await db.close();
    }
  }, 120_000);
});
