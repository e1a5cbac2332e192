import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { uploadToFile } from '../../serving/plugins/upload-to-file.js';

const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe('a streamed upload', () => {
  it('when the body arrives in chunks → the file holds it byte for byte, with its digest and size', async () => {
    const upload = await uploadToFile(chunks('a,b\n', '1,₹', '2\n'), { limit: 100, scanCards: true });
    try {
      expect(readFileSync(upload.path, 'utf8')).toBe('a,b\n1,₹2\n');
      expect(upload).toMatchObject({ bytes: 11, blank: false });
      expect(upload.sha256).toBe(createHash('sha256').update('a,b\n1,₹2\n').digest('hex'));
    } finally {
      rmSync(upload.path, { force: true });
    }
  });

  it('when a card number straddles two chunks → refused as card data, and no file is left', async () => {
    // 4111 1111 1111 1111 passes Luhn; its first 9 digits end one chunk, the rest start the next
    const body = chunks('entity_id,note\npay_1,411111111', '1111111\n');
    const refused = await uploadToFile(body, { limit: 1000, scanCards: true }).catch((e: Error) => e);
    expect(refused).toMatchObject({ code: 'card_data_not_accepted' });
    // the same digits in one chunk are refused too, and a long id that merely ends in digits is not
    await expect(uploadToFile(chunks('x,4111111111111111\n'), { limit: 1000, scanCards: true })).rejects.toThrow();
    const fine = await uploadToFile(chunks('pay_ABC', '123,10000\n'), { limit: 1000, scanCards: true });
    rmSync(fine.path, { force: true });
  });

  it('when the body passes the limit → 413 payload_too_large before the rest is read, and the file is removed', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(1024, 'a'));
      },
    });
    const refused = await uploadToFile(endless, { limit: 10 * 1024, scanCards: false }).catch((e: Error) => e);
    expect(refused).toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(pulled).toBeLessThan(40);
    endless.destroy();
  });

  it('when Content-Length already says it is too big → refused without reading', async () => {
    const refused = await uploadToFile(chunks('a'), { limit: 10, scanCards: false, declaredLength: '11' }).catch(
      (e: Error) => e,
    );
    expect(refused).toMatchObject({ statusCode: 413 });
  });

  it('when the body is only whitespace → blank', async () => {
    const upload = await uploadToFile(chunks(' \n', '\t'), { limit: 10, scanCards: true });
    expect(upload.blank).toBe(true);
    rmSync(upload.path, { force: true });
    expect(existsSync(upload.path)).toBe(false);
  });
});
