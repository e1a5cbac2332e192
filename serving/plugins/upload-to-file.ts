import { createHash } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { errorCodes } from 'fastify';
import { containsPan } from '../../platform/card-data.js';
import { newId } from '../../platform/ids.js';
import { refuseCardData } from './card-guard.js';

/** A request body written to a file as it arrived: never held in memory whole. */
export interface Upload {
  readonly path: string;
  readonly bytes: number;
  /** SHA-256 of the body, hex: what the idempotency store compares instead of the text. */
  readonly sha256: string;
  /** Nothing but whitespace (or nothing at all). */
  readonly blank: boolean;
}

/**
 * A PAN-like number can straddle two chunks: each chunk is scanned with the run of digits, spaces and dashes that ended
 * the chunk before (at most this many characters; a longer run holds no 13–19-digit candidate that could still
 * start in it).
 */
const CARRY = 64;

/**
 * Streams a request body to a temporary file, refusing it the moment it passes `limit` bytes (413) or carries a
 * PAN-like number (`scanCards`), so memory stays flat whatever the client sends. The caller removes the file.
 */
export function uploadToFile(
  payload: NodeJS.ReadableStream,
  options: { limit: number; scanCards: boolean; declaredLength?: string | undefined; dir?: string },
): Promise<Upload> {
  if (Number(options.declaredLength) > options.limit) {
    return Promise.reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
  }
  const file = path.join(options.dir ?? tmpdir(), `kosh-upload-${newId('upl').slice(4)}`);
  const out = createWriteStream(file, { mode: 0o600 });
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  let blank = true;
  let carry = '';
  return new Promise<Upload>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      // Stop reading; whatever the client still sends is discarded by Node once the answer is out.
      payload.removeListener('data', onData);
      payload.pause();
      // The file may still be opening: remove it once the stream has closed, then answer.
      out.once('close', () => {
        rmSync(file, { force: true });
        reject(err);
      });
      out.destroy();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > options.limit) {
        fail(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
        return;
      }
      hash.update(chunk);
      const text = carry + decoder.write(chunk);
      if (blank && /\S/.test(text)) blank = false;
      if (options.scanCards && containsPan(text)) {
        fail(refuseCardData([]));
        return;
      }
      carry = (/[\d -]*$/.exec(text)?.[0] ?? '').slice(-CARRY);
      if (!out.write(chunk)) {
        payload.pause();
        out.once('drain', () => payload.resume());
      }
    };
    payload.on('data', onData);
    payload.once('error', fail);
    out.once('error', fail);
    payload.once('end', () => {
      if (settled) return;
      out.end(() => {
        if (settled) return;
        settled = true;
        resolve({ path: file, bytes, sha256: hash.digest('hex'), blank });
      });
    });
  });
}
