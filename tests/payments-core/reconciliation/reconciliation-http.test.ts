import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRazorpayGateway } from '../../../payments-core/gateway/razorpay-gateway.js';
import { reconcileSettlements } from '../../../payments-core/reconciliation/reconcile-settlements.js';
import { fixedClock } from '../../../platform/clock.js';
import { type Harness, KEY_ID, KEY_SECRET, seedParent, startHarness } from '../../support/harness.js';

const DAY = 86_400_000;

/** A small upload limit, so the refusal of a bigger upload is cheap to test. */
const UPLOAD_LIMIT = 1024 * 1024;

/** Kosh's temporary upload files. */
const uploadFiles = () => readdirSync(tmpdir()).filter((f) => f.startsWith('kosh-upload-'));

/**
 * POSTs an endless CSV report (chunked) over a raw socket, 64 KiB at a time, until kosh answers or closes; resolves
 * with the answer and how many bytes had been sent by then. Write errors after kosh has answered (it closes the
 * connection of a refused upload) are expected, as for any client that keeps sending.
 */
function endlessUpload(url: string, key: string): Promise<{ status: number; body: any; sent: number }> {
  const line = 'pay_Endless00001,payment,0,9764,10000,INR,236,36,false,true,1782900000,1782900000,setl_X\n';
  const chunk = Buffer.from(line.repeat(Math.ceil(65_536 / line.length)));
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let received = '';
    const socket = connect(Number(port), hostname);
    const done = () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      const text = received.slice(received.indexOf('\r\n\r\n') + 4);
      if (status === 0) reject(new Error(`no answer after ${sent} bytes`));
      else resolve({ status, body: JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)), sent });
    };
    socket.on('data', (b: Buffer) => {
      received += b.toString();
      if (/\r\n\r\n[\s\S]*\}/.test(received)) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.write(
      `POST /v1/reconciliation/runs HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: text/csv\r\n` +
        `Authorization: Bearer ${key}\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const pump = () => {
      while (received === '' && !socket.destroyed && sent < 64 * UPLOAD_LIMIT) {
        sent += chunk.length;
        if (!socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

describe('reconciliation over HTTP against the simulator’s settlement report', () => {
  let h: Harness;
  const gatewayIds: string[] = [];
  let refundId = '';
  let discrepancyRun = '';
  // Captured on Wednesday 9 Dec 2026 (IST), settled T+2 working days later, on Friday the 11th: that day's report.
  const captureDay = '2026-12-09';
  const today = '2026-12-11';
  const clock = fixedClock(new Date(`${captureDay}T10:00:00+05:30`));
  const dayStart = new Date(Date.parse(`${captureDay}T00:00:00+05:30`)).toISOString();
  const dayEnd = new Date(Date.parse(`${captureDay}T00:00:00+05:30`) + DAY - 1).toISOString();
  const sim = (path: string, body: unknown) =>
    fetch(`${h.sim.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`,
      },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    h = await startHarness({ uploadLimitBytes: UPLOAD_LIMIT, clock });
    const parent = await seedParent(h);
    for (const amount of [100_000, 50_000, 20_000, 30_000]) {
      const order = await h.api('POST', '/v1/orders', { customer_id: parent.customerId, amount });
      const payment = await h.api('POST', '/v1/payments', {
        order_id: order.body.id,
        payment_method_id: parent.methodId,
      });
      expect(payment.body.status).toBe('captured');
      gatewayIds.push(payment.body.gateway_payment_id);
    }
    const refund = await h.api('POST', '/v1/refunds', {
      payment_id: (await h.api('GET', '/v1/payments?limit=1')).body.data[0].id,
      amount: 10_000,
    });
    expect(refund.status).toBe(201);
    await h.settle();
    refundId = (await h.api('GET', `/v1/refunds/${refund.body.id}`)).body.gateway_refund_id;
    clock.set(new Date(`${today}T12:00:00+05:30`));
  });
  afterAll(async () => h.close());

  it('when the daily job runs → it reconciles yesterday (IST) from the gateway once, and skips it the second time', async () => {
    const gateway = createRazorpayGateway({ keyId: KEY_ID, keySecret: KEY_SECRET, apiUrl: h.sim.url });
    const tomorrow = new Date(`${today}T06:00:00+05:30`);
    tomorrow.setTime(tomorrow.getTime() + DAY);
    const first = await reconcileSettlements({ db: h.db, clock, gateway }, { now: tomorrow });
    // The settlement was fetched and its lines add up to its bank credit: no settlement_mismatch.
    expect(first).toMatchObject({
      report_date: today,
      skipped: false,
      report_lines: 5,
      missing_in_kosh: 0,
      settlement_mismatch: 0,
    });
    const second = await reconcileSettlements({ db: h.db, clock, gateway }, { now: tomorrow });
    expect(second).toEqual({ report_date: today, run_id: first['run_id'], skipped: true });
  });

  it('when the gateway drops one payment, alters an amount and two fees and adds an unknown one → the run says so, item by item', async () => {
    const [a, b, c, d] = gatewayIds;
    clock.advance(60_000); // after the daily job's run, so that it lists first
    const configured = await sim('/v1/sim/settlements/discrepancies', {
      drop: [b],
      alter_amount: { [c as string]: 100 },
      alter_fee: { [d as string]: 40, [a as string]: 500 },
      unknown: 1,
    });
    expect(configured.status).toBe(200);

    const run = await h.api('POST', '/v1/reconciliation/runs/from-gateway', {
      date: today,
      from: dayStart,
      to: dayEnd,
    });
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ source: 'gateway', report_date: today, report_lines: 5, journal_entries: 1 });
    const byStatus = Object.fromEntries(
      run.body.summary.map((s: { status: string; items: number }) => [s.status, s.items]),
    );
    expect(byStatus).toEqual({
      matched: 1, // the refund
      missing_at_gateway: 1,
      missing_in_kosh: 1,
      amount_mismatch: 1,
      fee_mismatch: 2,
      settlement_mismatch: 1,
    });
    // The bank got the day's real net; the misreported lines net less by b's net, +100 amount and −540 fees.
    const [settlement] = (await h.api('GET', `/v1/reconciliation/runs/${run.body.id}/items?status=settlement_mismatch`))
      .body.data;
    const bFee = (
      await h.db.one<{ fee_minor: number }>('SELECT fee_minor FROM payments WHERE gateway_payment_id = $g', {
        g: b,
      })
    )?.fee_minor as number;
    expect(settlement).toMatchObject({ entity_type: 'settlement', resolution: 'open' });
    expect(settlement.settlement_id).toMatch(/^setl_Sim\d{8}$/);
    expect(settlement.settlement_utr).toMatch(/^SIMUTR\d{8}X$/);
    expect(settlement.report_amount - settlement.kosh_amount).toBe(50_000 - bFee - 100 + 540);

    const fees = await h.api('GET', `/v1/reconciliation/runs/${run.body.id}/items?status=fee_mismatch`);
    expect(fees.status).toBe(200);
    const resolution = Object.fromEntries(
      fees.body.data.map((i: { entity_id: string; resolution: string }) => [i.entity_id, i.resolution]),
    );
    expect(resolution).toEqual({ [d as string]: 'auto_adjusted', [a as string]: 'open' });
    const missing = await h.api('GET', `/v1/reconciliation/runs/${run.body.id}/items?status=missing_at_gateway`);
    expect(missing.body.data.map((i: { entity_id: string }) => i.entity_id)).toEqual([b]);
    const matched = await h.api('GET', `/v1/reconciliation/runs/${run.body.id}/items?status=matched`);
    expect(matched.body.data.map((i: { entity_id: string }) => i.entity_id)).toEqual([refundId]);

    const balances = await h.api('GET', '/v1/ledger/balances');
    expect(balances.body.balanced).toBe(true);

    const csv = await h.app.inject({
      method: 'GET',
      url: `/v1/reconciliation/runs/${run.body.id}/items.csv`,
      headers: { authorization: `Bearer ${h.adminKey}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.body.trim().split('\n');
    expect(rows[0]).toMatch(/^id,line_no,status,resolution,entity_type,entity_id/);
    expect(rows).toHaveLength(8); // the header and seven items
    expect(rows.filter((r) => r.includes(',fee_mismatch,auto_adjusted,'))).toHaveLength(1);

    const list = await h.api('GET', '/v1/reconciliation/runs?limit=5');
    expect(list.body.data[0].id).toBe(run.body.id);
    await sim('/v1/sim/settlements/discrepancies', {});
    discrepancyRun = run.body.id;
  });

  it('when finance resolves open items over HTTP → the reason is required (422 /note), a second resolve is 409 item_not_open, and items filter by resolution', async () => {
    const items = async (query: string) =>
      (await h.api('GET', `/v1/reconciliation/runs/${discrepancyRun}/items?${query}`)).body.data as {
        id: string;
        status: string;
      }[];
    const [missing] = await items('status=missing_at_gateway');
    const path = `/v1/reconciliation/items/${missing?.id}/resolve`;

    const noNote = await h.api('POST', path, { resolution: 'write_off' });
    expect(noNote.status).toBe(422);
    expect(noNote.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(noNote.body.errors[0]).toMatchObject({ field: '/note', code: 'required' });

    const done = await h.api('POST', path, { resolution: 'write_off', note: 'never reached the gateway' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ resolution: 'write_off', resolution_note: 'never reached the gateway' });
    expect(done.body.resolved_by).toEqual(expect.any(String));
    expect(done.body.journal_entry_id).toBe(`je_recon_write_off_${missing?.id}`);

    const again = await h.api('POST', path, { resolution: 'adjust', note: 'second thoughts' });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.body).toMatchObject({ code: 'item_not_open', resolution: 'write_off' });

    expect((await items('resolution=write_off')).map((i) => i.id)).toEqual([missing?.id]);
    expect((await items('resolution=open')).map((i) => i.status).sort()).not.toContain('missing_at_gateway');
    const run = await h.api('GET', `/v1/reconciliation/runs/${discrepancyRun}`);
    expect(run.body.summary.find((s: { status: string }) => s.status === 'missing_at_gateway')).toMatchObject({
      open: 0,
      resolved: 1,
    });
    expect((await h.api('GET', '/v1/ledger/balances')).body.balanced).toBe(true);
    const unknown = await h.api('POST', '/v1/reconciliation/items/rci_nope/resolve', {
      resolution: 'adjust',
      note: 'why not',
    });
    expect(unknown.status).toBe(404);
  });

  it('when the simulator is asked for a day page by page, with discrepancies in the query → Razorpay-shaped pages', async () => {
    const [a, b] = gatewayIds;
    const [year, month, day] = today.split('-');
    const get = async (query: string) => {
      const res = await fetch(
        `${h.sim.url}/v1/settlements/recon/combined?year=${year}&month=${month}&day=${day}${query}`,
        {
          headers: { authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}` },
        },
      );
      return { status: res.status, body: (await res.json()) as { count: number; items: Record<string, unknown>[] } };
    };
    const all = await get('&count=100');
    expect(all.body.count).toBe(5); // four captures and one processed refund
    const payment = all.body.items.find((i) => i['entity_id'] === a);
    expect(payment).toMatchObject({ type: 'payment', debit: 0, amount: 100_000, fee: 2360, tax: 360, credit: 97_640 });
    expect(payment).toMatchObject({ settled: true, on_hold: false, currency: 'INR' });
    const pages = [await get('&count=2&skip=0'), await get('&count=2&skip=2'), await get('&count=2&skip=4')];
    expect(pages.map((p) => p.body.count)).toEqual([2, 2, 1]);
    const altered = await get(`&count=100&drop=${b}&alter_fee=${a}:-60&unknown=2`);
    expect(altered.body.count).toBe(6);
    expect(altered.body.items.find((i) => i['entity_id'] === a)).toMatchObject({ fee: 2300, credit: 97_700 });
    expect((await get('&alter_fee=nonsense')).status).toBe(400);

    // The day's settlement entity, shaped as https://razorpay.com/docs/api/settlements/entity: its amount is the
    // report's lines net (credit − debit) when nothing is misreported; an unknown id is a 400.
    const fetchSettlement = (id: string) =>
      fetch(`${h.sim.url}/v1/settlements/${id}`, {
        headers: { authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}` },
      });
    const settlementId = String(all.body.items[0]?.['settlement_id']);
    const entity = (await (await fetchSettlement(settlementId)).json()) as Record<string, unknown>;
    const net = all.body.items.reduce((n, i) => n + Number(i['credit']) - Number(i['debit']), 0);
    expect(entity).toEqual({
      id: settlementId,
      entity: 'settlement',
      amount: net,
      status: 'processed',
      fees: 0,
      tax: 0,
      utr: all.body.items[0]?.['settlement_utr'],
      created_at: expect.any(Number),
    });
    const unknown = await fetchSettlement('setl_Sim19990101');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'BAD_REQUEST_ERROR', description: 'The id provided does not exist.' },
    });
  });

  it('when the report is uploaded as text/csv → it is reconciled; a bad one is a 400 naming the line and stores nothing', async () => {
    const before = (await h.api('GET', '/v1/reconciliation/runs?limit=100')).body.data.length;
    const header =
      'entity_id,type,debit,credit,amount,currency,fee,tax,on_hold,settled,created_at,settled_at,settlement_id';
    const good = `${header}\npay_NotOurs1,payment,0,9764,10000,INR,236,36,false,true,1782900000,1782900000,setl_X\n`;
    const upload = await h.api('POST', '/v1/reconciliation/runs?fee_tolerance=50', good, {
      'content-type': 'text/csv; charset=utf-8',
    });
    expect(upload.status).toBe(201);
    expect(upload.body).toMatchObject({ source: 'upload', fee_tolerance: 50, report_lines: 1 });

    const bad = `${header}\npay_NotOurs2,payment,0,9764,ten,INR,236,36,false,true,1782900000,1782900000,setl_X\n`;
    const refused = await h.api('POST', '/v1/reconciliation/runs', bad, { 'content-type': 'text/csv' });
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'invalid_report', status: 400 });
    expect(refused.body.errors[0]).toMatchObject({ field: '/line/2/amount', code: 'invalid_number' });

    const noColumn = await h.api('POST', '/v1/reconciliation/runs', header.replace(',tax', ''), {
      'content-type': 'text/csv',
    });
    expect(noColumn.status).toBe(400);
    expect(noColumn.body.errors[0]).toMatchObject({ field: '/columns/tax', code: 'missing_column' });
    expect((await h.api('GET', '/v1/reconciliation/runs?limit=100')).body.data.length).toBe(before + 1);

    const reader = await h.keyWith(['payments:read']);
    const forbidden = await h.api('POST', '/v1/reconciliation/runs', good, {
      'content-type': 'text/csv',
      authorization: `Bearer ${reader}`,
    });
    expect(forbidden.status).toBe(403);
  });

  it('when a report bigger than the upload limit streams in → 413 as soon as it passes the limit, nothing stored, no file left', async () => {
    const before = (await h.api('GET', '/v1/reconciliation/runs?limit=100')).body.data.length;
    const filesBefore = uploadFiles();
    const adminKey = await h.keyWith(['billing:admin']);
    const endless = await endlessUpload(h.url, adminKey);
    expect(endless.status).toBe(413);
    expect(endless.body).toMatchObject({ code: 'payload_too_large', status: 413 });
    // kosh answered while the client was still sending, long before the 64 MiB it would have sent
    expect(endless.sent).toBeLessThan(8 * UPLOAD_LIMIT);

    const declared = await h.api('POST', '/v1/reconciliation/runs', 'x', {
      'content-type': 'text/csv',
      'content-length': String(2 * UPLOAD_LIMIT),
    });
    expect(declared.status).toBe(413);
    expect((await h.api('GET', '/v1/reconciliation/runs?limit=100')).body.data.length).toBe(before);
    expect(uploadFiles()).toEqual(filesBefore);
  });
});
