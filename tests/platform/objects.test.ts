import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { checkObjectKey, localObjectStore } from '../../platform/objects.js';

const root = mkdtempSync(path.join(tmpdir(), 'kosh-objects-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('local object store', () => {
  const store = localObjectStore(root);

  it('when an object is put → it is a file under <root>/<bucket>/<key> and reads back byte for byte', async () => {
    const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
    await store.put('models', 'fraud/fraud-20261128-abcd/artifact.bin', bytes);
    expect(readFileSync(path.join(root, 'models', 'fraud', 'fraud-20261128-abcd', 'artifact.bin'))).toEqual(
      Buffer.from(bytes),
    );
    expect(await store.get('models', 'fraud/fraud-20261128-abcd/artifact.bin')).toEqual(bytes);
  });

  it('when a string is put → it is stored as UTF-8', async () => {
    await store.put('uploads', 'notes/unicode.txt', 'नमस्ते ₹1');
    const got = await store.get('uploads', 'notes/unicode.txt');
    expect(Buffer.from(got ?? new Uint8Array()).toString('utf8')).toBe('नमस्ते ₹1');
  });

  it('when an object is missing → get answers null and delete is a no-op', async () => {
    expect(await store.get('invoices', 'nope/none.pdf')).toBeNull();
    await expect(store.delete('invoices', 'nope/none.pdf')).resolves.toBeUndefined();
  });

  it('when an object is overwritten → readers see the whole new object and no temp file is left', async () => {
    const big = new Uint8Array(2_000_000).fill(7);
    await store.put('analytics', 'lake/day=2026-11-28/part.parquet', new Uint8Array(10).fill(1));
    await Promise.all([
      store.put('analytics', 'lake/day=2026-11-28/part.parquet', big),
      store.get('analytics', 'lake/day=2026-11-28/part.parquet').then((got) => {
        expect([10, 2_000_000]).toContain(got?.byteLength);
      }),
    ]);
    expect((await store.get('analytics', 'lake/day=2026-11-28/part.parquet'))?.byteLength).toBe(2_000_000);
    expect(readdirSync(path.join(root, 'analytics', 'lake', 'day=2026-11-28'))).toEqual(['part.parquet']);
  });

  it('when objects are listed → keys with the prefix, sorted, files only', async () => {
    await store.put('models', 'fraud/fraud-20261128-abcd/manifest.json', '{}');
    await store.put('models', 'fraud/fraud-20261129-wxyz/manifest.json', '{}');
    await store.put('models', 'churn/churn-20261128-abcd/manifest.json', '{}');
    expect(await store.list('models', 'fraud/')).toEqual([
      'fraud/fraud-20261128-abcd/artifact.bin',
      'fraud/fraud-20261128-abcd/manifest.json',
      'fraud/fraud-20261129-wxyz/manifest.json',
    ]);
    expect(await store.list('models', 'fraud/fraud-20261129')).toEqual(['fraud/fraud-20261129-wxyz/manifest.json']);
    expect((await store.list('models', '')).length).toBe(4);
    expect(await store.list('invoices', '')).toEqual([]);
  });

  it('when an object is deleted → get answers null and list no longer shows it', async () => {
    await store.delete('models', 'churn/churn-20261128-abcd/manifest.json');
    expect(await store.get('models', 'churn/churn-20261128-abcd/manifest.json')).toBeNull();
    expect(await store.list('models', 'churn/')).toEqual([]);
  });

  it.each([
    '../outside',
    'a/../../etc/passwd',
    '/absolute',
    'a//b',
    'a/./b',
    'trailing/',
    'back\\slash',
    'nul\u0000byte',
    'spa ce',
    '',
    'x'.repeat(1025),
  ])('when the key is %j → 400 invalid_object_key and nothing is written', async (key) => {
    expect(() => checkObjectKey(key)).toThrow(AppError);
    await expect(store.put('uploads', key, 'x')).rejects.toMatchObject({ code: 'invalid_object_key' });
    await expect(store.get('uploads', key)).rejects.toMatchObject({ code: 'invalid_object_key' });
    await expect(store.delete('uploads', key)).rejects.toMatchObject({ code: 'invalid_object_key' });
  });

  it('when the bucket is not one of the four → refused', async () => {
    await expect(store.put('secrets' as 'models', 'a', 'x')).rejects.toMatchObject({ code: 'invalid_bucket' });
  });
});
