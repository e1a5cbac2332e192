import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getBalances } from '../../../payments-core/ledger/get-balances.js';
import { importPayments } from '../../../payments-core/payments/import-payments.js';
import type { ImportPayment } from '../../../payments-core/payments/import-types.js';
import {
  getReconciliationRun,
  listReconciliationItems,
} from '../../../payments-core/reconciliation/find-reconciliation-runs.js';
import { reconcileSettlementReport } from '../../../payments-core/reconciliation/reconcile-settlement-report.js';
import { resolveReconciliationItem } from '../../../payments-core/reconciliation/resolve-reconciliation-item.js';
import { firstRaggedLine } from '../../../payments-core/reconciliation/stage-report.js';
import { fixedClock } from '../../../platform/clock.js';
import type { Db } from '../../../platform/db.js';
import { AppError } from '../../../platform/errors.js';
import { migrate } from '../../../platform/migrate.js';
import { openTestDb } from '../../support/db.js';

const at = (minute: number) => new Date(Date.UTC(2026, 6, 1, 10, minute, 0));
const unix = (minute: number) => at(minute).getTime() / 1000;
const clock = fixedClock(new Date('2026-07-02T03:00:00Z'));

/** Five captured payments (2 % + 18 % GST fees, as Razorpay charges) and one processed refund. */
async function seed(db: Db): Promise<void> {
  const payment = (n: number, amount: number, fee: number, tax: number): ImportPayment => ({
    id: `pay_${n}`,
    orderId: `ord_${n}`,
    customerId: 'cus_1',
    schoolId: 'sch_1',
    paymentMethodId: null,
    method: 'upi',
    amount,
    currency: 'INR',
    status: 'captured',
    fee,
    tax,
    gatewayPaymentId: `pay_G${n}`,
    errorCode: null,
    errorReason: null,
    errorDescription: null,
    deviceId: null,
    ip: null,
    fraudLabel: null,
    createdAt: at(n),
  });
  const payments = [
    payment(1, 100_000, 2360, 360),
    payment(2, 50_000, 1180, 180),
    payment(3, 20_000, 472, 72),
    payment(4, 30_000, 708, 108),
    payment(5, 40_000, 944, 144),
  ];
  await importPayments(
    { db },
    {
      schools: [{ id: 'sch_1', name: 'Vidya', city: 'Pune', stateCode: 'MH', gstin: null, createdAt: at(0) }],
      customers: [
        {
          id: 'cus_1',
          schoolId: 'sch_1',
          name: 'A',
          email: 'a@x.in',
          phone: '+919800000000',
          stateCode: 'MH',
          createdAt: at(0),
        },
      ],
      orders: payments.map((p) => ({
        id: p.orderId,
        customerId: 'cus_1',
        schoolId: 'sch_1',
        amount: p.amount,
        currency: 'INR',
        status: 'paid' as const,
        description: null,
        gatewayOrderId: `order_G${p.id.slice(4)}`,
        createdAt: p.createdAt,
      })),
      payments,
      refunds: [
        {
          id: 'rfd_1',
          paymentId: 'pay_1',
          amount: 10_000,
          status: 'processed',
          reason: null,
          gatewayRefundId: 'rfnd_G1',
          createdAt: at(20),
          settledAt: at(30),
        },
      ],
    },
  );
  // A webhook about a payment on an order kosh never made: kept as unmatched.
  await db.run(
    `INSERT INTO webhook_events (id, provider, event_id, event_type, entity_id, payload, status, received_at)
     VALUES ('whe_1', 'razorpay', 'evt_1', 'payment.captured', 'pay_Gunknown', '{}', 'unmatched', $at)`,
    { at: at(9) },
  );
}

const HEADER =
  'entity_id,type,debit,credit,amount,currency,fee,tax,on_hold,settled,created_at,settled_at,settlement_id,settlement_utr,order_id,order_receipt,method';
const line = (id: string, type: string, amount: number, fee: number, tax: number, minute: number) =>
  [
    id,
    type,
    type === 'refund' ? amount : 0,
    type === 'refund' ? 0 : amount - fee,
    amount,
    'INR',
    fee,
    tax,
    'false',
    'true',
    unix(minute),
    unix(minute) + 86_400,
    'setl_T1',
    'UTR1',
    '',
    '',
    'upi',
  ].join(',');

/** Every kind of discrepancy once, in Razorpay's column order, amounts in paise. */
const REPORT = [
  HEADER,
  line('pay_G1', 'payment', 100_000, 2360, 360, 1), // line 2: matched
  line('pay_G2', 'payment', 50_100, 1180, 180, 2), // line 3: amount +100 → open
  line('pay_G3', 'payment', 20_000, 522, 72, 3), // line 4: fee +50 ≤ 100 → auto-adjusted
  line('pay_G4', 'payment', 30_000, 1208, 108, 4), // line 5: fee +500 > 100 → open
  line('pay_Gunknown', 'payment', 9_000, 212, 32, 4), // line 6: missing in kosh
  line('rfnd_G1', 'refund', 10_000, 0, 0, 20), // line 7: matched
].join('\n'); // pay_G5, captured at 10:05, is left out: missing at the gateway when the window covers it

describe('reconcileSettlementReport', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb();
    await migrate(db, clock);
    await seed(db);
  });
  afterEach(async () => db.close());

  it('when a report holds every kind of discrepancy → each line gets its status, small fee differences are booked, the ledger still sums to zero', async () => {
    const run = await reconcileSettlementReport(
      { db, clock },
      { source: 'upload', report: { csv: REPORT }, windowStart: at(0), windowEnd: at(10) },
    );
    const items = await db.all<Record<string, unknown>>(
      `SELECT line_no, status, resolution, entity_id, kosh_id, report_amount_minor, kosh_amount_minor, report_fee_minor,
              kosh_fee_minor, journal_entry_id IS NOT NULL AS adjusted, webhook_event_ids, note
       FROM reconciliation_items WHERE run_id = $id ORDER BY id`,
      { id: run.id },
    );
    expect(items.map((i) => [i.line_no, i.entity_id, i.status, i.resolution])).toEqual([
      [null, 'pay_G5', 'missing_at_gateway', 'open'],
      [2, 'pay_G1', 'matched', 'none'],
      [3, 'pay_G2', 'amount_mismatch', 'open'],
      [4, 'pay_G3', 'fee_mismatch', 'auto_adjusted'],
      [5, 'pay_G4', 'fee_mismatch', 'open'],
      [6, 'pay_Gunknown', 'missing_in_kosh', 'open'],
      [7, 'rfnd_G1', 'matched', 'none'],
    ]);
    expect(items[2]).toMatchObject({ report_amount_minor: 50_100, kosh_amount_minor: 50_000, adjusted: false });
    expect(items[3]).toMatchObject({ report_fee_minor: 522, kosh_fee_minor: 472, adjusted: true });
    expect(items[5]).toMatchObject({ kosh_id: null, webhook_event_ids: ['whe_1'] });
    expect(items[0]).toMatchObject({ kosh_id: 'pay_5', kosh_amount_minor: 40_000 });

    expect(run).toMatchObject({ source: 'upload', report_lines: 6, journal_entries: 1, unmatched_webhook_events: 1 });
    expect(run.summary).toEqual([
      expect.objectContaining({ status: 'amount_mismatch', items: 1, open: 1, amount_difference: 100 }),
      expect.objectContaining({ status: 'fee_mismatch', items: 2, auto_adjusted: 1, open: 1, fee_difference: 550 }),
      expect.objectContaining({ status: 'matched', items: 2, report_amount: 110_000, kosh_amount: 110_000 }),
      expect.objectContaining({ status: 'missing_at_gateway', items: 1, kosh_amount: 40_000 }),
      expect.objectContaining({ status: 'missing_in_kosh', items: 1, report_amount: 9_000 }),
    ]);

    // The fee the gateway kept beyond kosh's: fees +50, clearing −50 (no GST difference).
    const lines = await db.all<{ account: string; amount_minor: number }>(
      `SELECT l.account, l.amount_minor FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
       WHERE e.kind = 'adjustment' ORDER BY l.line_no`,
    );
    expect(lines).toEqual([
      { account: 'gateway_clearing', amount_minor: -50 },
      { account: 'gateway_fees', amount_minor: 50 },
    ]);
    const balances = await getBalances({ db });
    expect(balances.balanced).toBe(true);
    expect(balances.totals).toEqual([{ currency: 'INR', total: 0 }]);

    const open = await listReconciliationItems({ db }, run.id, { status: 'fee_mismatch', limit: 1 });
    expect(open.data).toHaveLength(1);
    expect(open.has_more).toBe(true);
  });

  it('when the same report is reconciled again → the booked difference now matches and nothing is posted twice', async () => {
    const input = { source: 'upload' as const, report: { csv: REPORT }, windowStart: at(0), windowEnd: at(10) };
    await reconcileSettlementReport({ db, clock }, input);
    const again = await reconcileSettlementReport({ db, clock }, input);
    expect(again.journal_entries).toBe(0);
    const g3 = await db.one<{ status: string }>(
      'SELECT status FROM reconciliation_items WHERE run_id = $id AND entity_id = $e',
      { id: again.id, e: 'pay_G3' },
    );
    expect(g3?.status).toBe('matched');
    const entries = await db.one<{ n: number }>(
      "SELECT count(*)::BIGINT AS n FROM journal_entries WHERE kind = 'adjustment'",
    );
    expect(entries?.n).toBe(1);
    expect((await getBalances({ db })).balanced).toBe(true);
  });

  it('when the amount tolerance is raised → an amount difference is booked through adjustments, but never on a record kosh holds in another state', async () => {
    await db.run("UPDATE payments SET status = 'failed' WHERE id = 'pay_4'");
    const run = await reconcileSettlementReport(
      { db, clock },
      {
        source: 'upload',
        report: { csv: REPORT },
        tolerances: { amountToleranceMinor: 1_000_000, feeToleranceMinor: 1_000 },
      },
    );
    const items = await db.all<{ entity_id: string; status: string; resolution: string; note: string | null }>(
      `SELECT entity_id, status, resolution, note FROM reconciliation_items
       WHERE run_id = $id AND entity_id IN ('pay_G2', 'pay_G4') ORDER BY entity_id`,
      { id: run.id },
    );
    expect(items).toEqual([
      { entity_id: 'pay_G2', status: 'amount_mismatch', resolution: 'auto_adjusted', note: null },
      { entity_id: 'pay_G4', status: 'amount_mismatch', resolution: 'open', note: 'kosh payment is failed' },
    ]);
    const lines = await db.all<{ account: string; amount_minor: number }>(
      `SELECT l.account, l.amount_minor FROM journal_lines l
       JOIN reconciliation_items i ON i.journal_entry_id = l.entry_id
       WHERE i.run_id = $id AND i.entity_id = 'pay_G2' ORDER BY l.line_no`,
      { id: run.id },
    );
    // The gateway holds 100 paise more than kosh booked: into clearing, against the adjustments account.
    expect(lines).toEqual([
      { account: 'gateway_clearing', amount_minor: 100 },
      { account: 'adjustments', amount_minor: -100 },
    ]);
  });

  it("when a gateway settlement's bank credit differs from what its lines net → one open settlement_mismatch naming the settlement and UTR; a matching one adds nothing", async () => {
    // setl_T1's lines net 193,618 paise (credits net of fee − the refund's debit); the bank got 618 less.
    const settlement = (id: string, amount: number) => ({
      id,
      amount,
      fees: 0,
      tax: 0,
      utr: `UTR_${id}`,
      status: 'processed',
      createdAt: unix(0) + 86_400,
    });
    const run = await reconcileSettlementReport(
      { db, clock },
      {
        source: 'gateway',
        report: { csv: REPORT },
        settlements: [settlement('setl_T1', 193_000), settlement('setl_Tother', 5)],
      },
    );
    const items = await listReconciliationItems({ db }, run.id, { status: 'settlement_mismatch' });
    expect(items.data).toEqual([
      expect.objectContaining({
        entity_type: 'settlement',
        entity_id: 'setl_T1',
        settlement_id: 'setl_T1',
        settlement_utr: 'UTR_setl_T1',
        resolution: 'open',
        report_amount: 193_000,
        kosh_amount: 193_618,
        note: 'settlement setl_T1 (UTR UTR_setl_T1, processed) credited 193000 paise; its 6 report lines net 193618',
      }),
    ]);
    expect(run.summary.find((s) => s.status === 'settlement_mismatch')).toMatchObject({ items: 1, open: 1 });

    const matching = await reconcileSettlementReport(
      { db, clock },
      { source: 'gateway', report: { csv: REPORT }, settlements: [settlement('setl_T1', 193_618)] },
    );
    expect(matching.summary.find((s) => s.status === 'settlement_mismatch')).toBeUndefined();

    // Adjusted by a person: the gateway holds 618 less for us than the lines said.
    const resolved = await resolveReconciliationItem(
      { db, clock },
      {
        itemId: items.data[0]?.id ?? '',
        resolution: 'adjust',
        note: 'bank statement shows 193000',
        resolvedBy: 'key_fin',
      },
    );
    const lines = await db.all<{ account: string; amount_minor: number }>(
      'SELECT account, amount_minor FROM journal_lines WHERE entry_id = $id ORDER BY line_no',
      { id: resolved.journal_entry_id },
    );
    expect(lines).toEqual([
      { account: 'gateway_clearing', amount_minor: -618 },
      { account: 'adjustments', amount_minor: 618 },
    ]);
    expect((await getBalances({ db })).balanced).toBe(true);
  });

  describe('resolving open items', () => {
    const run = () =>
      reconcileSettlementReport(
        { db, clock },
        { source: 'upload', report: { csv: REPORT }, windowStart: at(0), windowEnd: at(10) },
      );
    const itemOf = async (runId: string, entityId: string) =>
      (
        await db.one<{ id: string }>('SELECT id FROM reconciliation_items WHERE run_id = $r AND entity_id = $e', {
          r: runId,
          e: entityId,
        })
      )?.id as string;
    const linesOf = (entryId: string | null) =>
      db.all<{ account: string; amount_minor: number }>(
        'SELECT account, amount_minor FROM journal_lines WHERE entry_id = $id ORDER BY line_no',
        { id: entryId },
      );
    const entries = async () =>
      (await db.one<{ n: number }>("SELECT count(*)::BIGINT AS n FROM journal_entries WHERE kind <> 'capture'"))?.n;

    it('when a person adjusts, writes off and matches items → the ledger books each difference once, with who and why, and still sums to zero', async () => {
      const { id } = await run();
      const later = fixedClock(new Date('2026-07-03T05:00:00Z'));
      const resolve = (entityId: string, resolution: 'adjust' | 'write_off' | 'matched_manually', extra = {}) =>
        itemOf(id, entityId).then((itemId) =>
          resolveReconciliationItem(
            { db, clock: later },
            { itemId, resolution, note: `checked ${entityId} with the bank`, resolvedBy: 'key_fin', ...extra },
          ),
        );

      // The gateway reported 100 paise more for pay_G2: clearing follows it, against the adjustments account.
      const adjusted = await resolve('pay_G2', 'adjust');
      expect(adjusted).toMatchObject({
        resolution: 'adjust',
        resolved_by: 'key_fin',
        resolution_note: 'checked pay_G2 with the bank',
        resolved_at: later.now(),
        journal_entry_id: `je_adjustment_${adjusted.id}`,
      });
      expect(await linesOf(adjusted.journal_entry_id)).toEqual([
        { account: 'gateway_clearing', amount_minor: 100 },
        { account: 'adjustments', amount_minor: -100 },
      ]);

      // pay_G5 never reached the gateway: kosh's capture (net of fee and GST) is written off as a loss.
      const written = await resolve('pay_G5', 'write_off');
      expect(written.journal_entry_id).toBe(`je_recon_write_off_${written.id}`);
      expect(await linesOf(written.journal_entry_id)).toEqual([
        { account: 'gateway_clearing', amount_minor: -(40_000 - 944) },
        { account: 'write_offs', amount_minor: 40_000 },
        { account: 'gateway_fees', amount_minor: -(944 - 144) },
        { account: 'gateway_fee_gst', amount_minor: -144 },
      ]);

      // The unknown payment is one kosh holds under another id: no money moves.
      const unknownId = await resolve('pay_Gunknown', 'write_off', { koshId: 'pay_1' }).catch((e) => e);
      expect(unknownId).toMatchObject({ kind: 'invalid', fields: [{ field: '/kosh_id' }] });
      const wrong = await resolve('pay_Gunknown', 'matched_manually', { koshId: 'pay_nope' }).catch((e) => e);
      expect(wrong).toMatchObject({ code: 'unknown_kosh_id', fields: [{ field: '/kosh_id' }] });
      const matched = await resolve('pay_Gunknown', 'matched_manually', { koshId: 'pay_1' });
      expect(matched).toMatchObject({ resolution: 'matched_manually', kosh_id: 'pay_1', journal_entry_id: null });

      const balances = await getBalances({ db });
      expect(balances.balanced).toBe(true);
      expect(balances.totals).toEqual([{ currency: 'INR', total: 0 }]);
      const balance = (account: string) => balances.accounts.find((a) => a.account === account)?.balance;
      expect([balance('adjustments'), balance('write_offs')]).toEqual([-100, 40_000]);

      const detail = await listReconciliationItems({ db }, id, { resolution: 'open' });
      expect(detail.data.map((i) => i.entity_id)).toEqual(['pay_G4']);
      const { summary } = await getReconciliationRun({ db }, id);
      expect(summary.map((s) => [s.status, s.open, s.resolved])).toEqual([
        ['amount_mismatch', 0, 1],
        ['fee_mismatch', 1, 0],
        ['matched', 0, 0],
        ['missing_at_gateway', 0, 1],
        ['missing_in_kosh', 0, 1],
      ]);
    });

    it('when one item is resolved again, or several times at once → one wins, the other is item_not_open, the ledger moves once', async () => {
      const { id } = await run();
      const itemId = await itemOf(id, 'pay_G4');
      const before = await entries();
      const resolve = () =>
        resolveReconciliationItem(
          { db, clock },
          { itemId, resolution: 'adjust', note: 'fee plan changed', resolvedBy: 'key_fin' },
        );
      // Four at once on warm connections, so that they overlap inside their transactions: only the row lock makes
      // every loser see the winner's resolution (without it a loser fails on the ledger's unique entry instead).
      await Promise.all([1, 2, 3, 4].map(() => db.transaction((tx) => tx.run('SELECT pg_sleep(0.02)'))));
      const outcomes = await Promise.allSettled([resolve(), resolve(), resolve(), resolve()]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(lost).toHaveLength(3);
      for (const loser of lost) {
        expect(loser.reason).toMatchObject({
          kind: 'conflict',
          code: 'item_not_open',
          extra: { resolution: 'adjust' },
        });
      }
      const third = await resolve().catch((e) => e);
      expect(third).toMatchObject({ code: 'item_not_open', extra: { resolution: 'adjust' } });
      expect(await entries()).toBe((before ?? 0) + 1);
      // The fee the gateway kept beyond kosh's, +500: fees up, clearing down.
      const item = await db.one<{ journal_entry_id: string }>(
        'SELECT journal_entry_id FROM reconciliation_items WHERE id = $id',
        { id: itemId },
      );
      expect(await linesOf(item?.journal_entry_id ?? null)).toEqual([
        { account: 'gateway_clearing', amount_minor: -500 },
        { account: 'gateway_fees', amount_minor: 500 },
      ]);
      expect((await getBalances({ db })).balanced).toBe(true);

      const matchedItem = await itemOf(id, 'pay_G1');
      const notOpen = await resolveReconciliationItem(
        { db, clock },
        { itemId: matchedItem, resolution: 'matched_manually', note: 'fine', resolvedBy: 'key_fin' },
      ).catch((e) => e);
      expect(notOpen).toMatchObject({ code: 'item_not_open', extra: { resolution: 'none' } });
      const noNote = await resolveReconciliationItem(
        { db, clock },
        { itemId: await itemOf(id, 'pay_G2'), resolution: 'adjust', note: undefined, resolvedBy: 'key_fin' },
      ).catch((e) => e);
      expect(noNote).toMatchObject({ kind: 'invalid', fields: [{ field: '/note', code: 'required' }] });
    });
  });

  it("when no window is given → it spans the report's payments, so a capture after the last one is not flagged", async () => {
    const run = await reconcileSettlementReport({ db, clock }, { source: 'upload', report: { csv: REPORT } });
    expect(run.window_start).toEqual(at(1));
    expect(run.summary.find((s) => s.status === 'missing_at_gateway')).toBeUndefined();
  });

  it('when amounts are in rupees (amount_unit=rupees) and times carry an offset → exact paise, the right instant', async () => {
    const csv = `${HEADER}\npay_G1,payment,0,976.40,1000.00,INR,23.60,3.60,0,1,2026-07-01T15:31:00+05:30,,setl_T1,UTR1,,,upi\n`;
    const run = await reconcileSettlementReport({ db, clock }, { source: 'upload', report: { csv }, unit: 'rupees' });
    expect(run.summary).toEqual([
      expect.objectContaining({ status: 'matched', items: 1, report_amount: 100_000, kosh_amount: 100_000 }),
    ]);
    expect(run.window_start).toEqual(at(1));
  });

  it.each([
    ['a column is missing', HEADER.replace(',fee,', ','), '/columns/fee', 'missing_column'],
    [
      'an amount is not a number',
      `${HEADER}\n${line('pay_G1', 'payment', 100_000, 2360, 360, 1).replace('100000', '1000x')}`,
      '/line/2/amount',
      'invalid_number',
    ],
    [
      'a fee has decimals in paise',
      `${HEADER}\n${line('pay_G1', 'payment', 1, 0, 0, 1)}\n${line('pay_G2', 'payment', 5, 0, 0, 1).replace(',0,0,false', ',1.5,0,false')}`,
      '/line/3/fee',
      'invalid_number',
    ],
    [
      'an entity repeats',
      `${HEADER}\n${line('pay_G1', 'payment', 1, 0, 0, 1)}\n${line('pay_G1', 'payment', 1, 0, 0, 1)}`,
      '/line/3/entity_id',
      'duplicate_entity',
    ],
    [
      'a row is ragged',
      `${HEADER}\n${line('pay_G1', 'payment', 1, 0, 0, 1)}\npay_G2,payment,0`,
      '/line/3',
      'invalid_csv',
    ],
  ])('when %s → invalid_report naming the place, and nothing is stored', async (_what, csv, field, code) => {
    const err = await reconcileSettlementReport({ db, clock }, { source: 'upload', report: { csv } }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('invalid_report');
    expect(err.fields[0].code).toBe(code);
    if (field !== undefined) expect(err.fields[0].field).toBe(field);
    const stored = await db.one<{ runs: number; items: number; entries: number }>(
      `SELECT (SELECT count(*) FROM reconciliation_runs)::BIGINT AS runs,
              (SELECT count(*) FROM reconciliation_items)::BIGINT AS items,
              (SELECT count(*) FROM journal_entries WHERE kind = 'adjustment')::BIGINT AS entries`,
    );
    expect(stored).toEqual({ runs: 0, items: 0, entries: 0 });
  });

  it('when a quoted field holds a comma or a newline → it is one field; the first short record is named by its line', () => {
    expect(firstRaggedLine('a,b,c\n1,"x,y",3\r\n"multi\nline",2,3\n')).toBeNull();
    expect(firstRaggedLine('a,b,c\n1,"x,y",3\n"multi\nline",2\n')).toEqual({ line: 3, fields: 2, expected: 3 });
    expect(firstRaggedLine('a,b\n1,2\n\n3\n')).toEqual({ line: 4, fields: 1, expected: 2 });
  });
});
