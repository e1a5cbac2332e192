import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { openDb } from '../platform/db.js';
import { createLog } from '../platform/log.js';
import { startBenchApp } from './bench-app.js';
import { createBenchDatabase, startBenchServer } from './bench-database.js';

const MB = 1024 * 1024;

/**
 * Sends `total` bytes of CSV report lines (or `junk` lines that are no report) as one chunked upload over a raw
 * socket, until kosh answers; returns the status and the bytes sent by then.
 */
function upload(
  url: string,
  key: string,
  total: number,
  kind: 'lines' | 'junk',
): Promise<{ status: number; sent: number }> {
  const line =
    kind === 'lines'
      ? 'pay_Upload000001,payment,0,9764,10000,INR,236,36,false,true,1782900000,1782900000,setl_X\n'
      : 'this is not a settlement report line at all, only words\n';
  const header =
    'entity_id,type,debit,credit,amount,currency,fee,tax,on_hold,settled,created_at,settled_at,settlement_id\n';
  const chunk = Buffer.from(line.repeat(Math.ceil(65_536 / line.length)));
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let sent = 0;
    let received = '';
    const socket = connect(Number(port), hostname);
    socket.on('data', (b: Buffer) => {
      received += b.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0), sent }));
    socket.write(
      `POST /v1/reconciliation/runs HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: text/csv\r\n` +
        `Authorization: Bearer ${key}\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    socket.write(`${Buffer.byteLength(header).toString(16)}\r\n${header}\r\n`);
    const pump = () => {
      while (received === '' && !socket.destroyed) {
        if (sent >= total) {
          socket.write('0\r\n\r\n');
          return;
        }
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

/**
 * `npm run bench -- upload [--mb 1024] [--junk-mb 250]`: peak RSS of the kosh process (server and client share it)
 * while a settlement-report upload bigger than the 256 MB limit streams in (refused with 413), and while a 250 MB body
 * that is no report is streamed to disk and refused by the report check (400). Baseline: RSS before the uploads.
 */
export async function uploadBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { mb: { type: 'string', default: '1024' }, 'junk-mb': { type: 'string', default: '250' } },
  });
  const server = await startBenchServer();
  const database = await createBenchDatabase(server.url);
  const db = await openDb(database.url, { max: 4 });
  const app = await startBenchApp(db, createLog({ level: 'warn' }));
  try {
    const base = process.memoryUsage().rss;
    for (const [label, mb, kind] of [
      ['over the limit', Number(values.mb), 'lines'],
      ['no report', Number(values['junk-mb']), 'junk'],
    ] as const) {
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      const t0 = performance.now();
      const answer = await upload(app.url, app.key, mb * MB, kind);
      clearInterval(sampler);
      console.log(
        `${label}: offered ${mb} MB → ${answer.status} after ${(answer.sent / MB).toFixed(0)} MB sent in ` +
          `${((performance.now() - t0) / 1000).toFixed(1)} s; RSS before ${(base / MB).toFixed(0)} MB, peak ` +
          `${(peak / MB).toFixed(0)} MB (+${((peak - base) / MB).toFixed(0)} MB)`,
      );
    }
  } finally {
    await app.close();
    await db.close();
    await database.drop();
    await server.stop();
  }
}
