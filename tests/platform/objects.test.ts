import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { checkObjectKey, localObjectStore, type ObjectStore } from '../../platform/objects.js';
import { type S3ObjectStore, s3ObjectStore } from '../../platform/s3-objects.js';
import { type RunningS3, startS3 } from '../support/s3.js';

const root = mkdtempSync(path.join(tmpdir(), 'kosh-objects-'));
let s3: RunningS3;
let s3Store: S3ObjectStore;
/** A small page size, so listing more than a handful of keys must follow continuation tokens. */
const PAGE = 7;

beforeAll(async () => {
  s3 = await startS3({ pageSize: PAGE });
  s3Store = s3ObjectStore(s3.options);
});
afterAll(async () => {
  s3Store?.close();
  await s3?.close();
  rmSync(root, { recursive: true, force: true });
});

// The same contract, word for word, for the embedded store and for S3 (s3rver on loopback).
describe.each([
  { name: 'local', store: (): ObjectStore => localObjectStore(root) },
  { name: 's3', store: (): ObjectStore => s3Store },
])('object store contract: $name', ({ store: make }) => {
  let store: ObjectStore;
  beforeAll(() => {
    store = make();
  });

  it('when binary bytes are put → they read back byte for byte', async () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    await store.put('models', 'fraud/fraud-20261128-abcd/artifact.bin', bytes, 'application/octet-stream');
    expect(await store.get('models', 'fraud/fraud-20261128-abcd/artifact.bin')).toEqual(bytes);
  });

  it('when a string is put → it is stored as UTF-8', async () => {
    await store.put('uploads', 'notes/unicode.txt', 'नमस्ते ₹1');
    const got = await store.get('uploads', 'notes/unicode.txt');
    expect(Buffer.from(got ?? new Uint8Array()).toString('utf8')).toBe('नमस्ते ₹1');
  });

  it('when an empty object is put → it reads back empty, not missing', async () => {
    await store.put('uploads', 'empty/zero.bin', new Uint8Array());
    expect(await store.get('uploads', 'empty/zero.bin')).toEqual(new Uint8Array());
  });

  it('when an object is missing → get answers null and delete is a no-op', async () => {
    expect(await store.get('invoices', 'nope/none.pdf')).toBeNull();
    await expect(store.delete('invoices', 'nope/none.pdf')).resolves.toBeUndefined();
    await expect(store.delete('invoices', 'nope/none.pdf')).resolves.toBeUndefined();
  });

  it('when an object is overwritten → the new bytes replace the old', async () => {
    await store.put('analytics', 'lake/dt=2026-11-28/part-0.parquet', new Uint8Array(10).fill(1));
    await store.put('analytics', 'lake/dt=2026-11-28/part-0.parquet', new Uint8Array(300_000).fill(7));
    const got = await store.get('analytics', 'lake/dt=2026-11-28/part-0.parquet');
    expect(got?.byteLength).toBe(300_000);
    expect(got?.[299_999]).toBe(7);
  });

  it('when objects are listed → keys with the prefix, sorted', async () => {
    await store.put('models', 'fraud/fraud-20261128-abcd/manifest.json', '{}', 'application/json');
    await store.put('models', 'fraud/fraud-20261129-wxyz/manifest.json', '{}', 'application/json');
    await store.put('models', 'churn/churn-20261128-abcd/manifest.json', '{}', 'application/json');
    expect(await store.list('models', 'fraud/')).toEqual([
      'fraud/fraud-20261128-abcd/artifact.bin',
      'fraud/fraud-20261128-abcd/manifest.json',
      'fraud/fraud-20261129-wxyz/manifest.json',
    ]);
    expect(await store.list('models', 'fraud/fraud-20261129')).toEqual(['fraud/fraud-20261129-wxyz/manifest.json']);
    expect((await store.list('models', '')).length).toBe(4);
    expect(await store.list('invoices', '')).toEqual([]);
    expect(await store.list('models', 'nothing-here/')).toEqual([]);
  });

  it(`when more keys than a page (${PAGE}) share a prefix → list returns every one, in order`, async () => {
    const keys = Array.from({ length: 5 * PAGE + 3 }, (_, i) => `many/k-${String(i).padStart(4, '0')}.json`);
    for (const k of keys) await store.put('uploads', k, k);
    await store.put('uploads', 'manyx/other.json', 'x');
    expect(await store.list('uploads', 'many/')).toEqual(keys);
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

  it('when a list prefix escapes → refused', async () => {
    await expect(store.list('uploads', '../')).rejects.toMatchObject({ code: 'invalid_object_key' });
  });

  it('when the bucket is not one of the four → refused', async () => {
    await expect(store.put('secrets' as 'models', 'a', 'x')).rejects.toMatchObject({ code: 'invalid_bucket' });
    await expect(store.get('secrets' as 'models', 'a')).rejects.toMatchObject({ code: 'invalid_bucket' });
  });
});

describe('local object store', () => {
  const store = localObjectStore(root);

  it('when an object is put → it is a file under <root>/<bucket>/<key>', async () => {
    await store.put('models', 'local/only.bin', new Uint8Array([0, 1, 255]));
    expect(readFileSync(path.join(root, 'models', 'local', 'only.bin'))).toEqual(Buffer.from([0, 1, 255]));
  });

  it('when an object is overwritten while read → readers see the whole old or new object, no temp file is left', async () => {
    const big = new Uint8Array(2_000_000).fill(7);
    await store.put('analytics', 'race/dt=2026-11-28/part.parquet', new Uint8Array(10).fill(1));
    await Promise.all([
      store.put('analytics', 'race/dt=2026-11-28/part.parquet', big),
      store.get('analytics', 'race/dt=2026-11-28/part.parquet').then((got) => {
        expect([10, 2_000_000]).toContain(got?.byteLength);
      }),
    ]);
    expect(readdirSync(path.join(root, 'analytics', 'race', 'dt=2026-11-28'))).toEqual(['part.parquet']);
  });
});

describe('S3 object store', () => {
  it('when an object is put → the request asks for SSE AES256, to the configured bucket, path-style', async () => {
    const before = (await s3.requests()).length;
    await s3Store.put('invoices', 'inv/2026/INV-0001.pdf', new Uint8Array([37, 80, 68, 70]), 'application/pdf');
    const puts = (await s3.requests()).slice(before).filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]?.url.split('?')[0]).toBe('/kosh-test-invoices/inv/2026/INV-0001.pdf');
    expect(puts[0]?.headers['x-amz-server-side-encryption']).toBe('AES256');
    // Every put, not only this one.
    const allPuts = (await s3.requests()).filter((r) => r.method === 'PUT');
    expect(allPuts.length).toBeGreaterThan(40);
    expect(allPuts.every((r) => r.headers['x-amz-server-side-encryption'] === 'AES256')).toBe(true);
  });

  it('when a content type is given → it is stored with the object; strings default to UTF-8 text', async () => {
    const head = await s3Store.client.send(
      new HeadObjectCommand({ Bucket: 'kosh-test-invoices', Key: 'inv/2026/INV-0001.pdf' }),
    );
    expect(head.ContentType).toBe('application/pdf');
    await s3Store.put('uploads', 'typed/plain.txt', 'hello');
    const plain = await s3Store.client.send(
      new HeadObjectCommand({ Bucket: 'kosh-test-uploads', Key: 'typed/plain.txt' }),
    );
    expect(plain.ContentType).toBe('text/plain; charset=utf-8');
  });

  it('when a listing spans pages → it follows continuation tokens (several ListObjectsV2 requests)', async () => {
    const before = (await s3.requests()).length;
    const keys = await s3Store.list('uploads', 'many/');
    const lists = (await s3.requests())
      .slice(before)
      .filter((r) => r.method === 'GET' && r.url.includes('list-type=2'));
    expect(keys).toHaveLength(5 * PAGE + 3);
    expect(lists).toHaveLength(6);
    expect(lists.slice(1).every((r) => r.url.includes('continuation-token='))).toBe(true);
  });

  // s3rver knows its access key ids but does not verify SigV4 signatures, so the wrong credential here is the id.
  it('when the credentials are wrong → the store fails loudly rather than answering "missing"', async () => {
    const wrong = s3ObjectStore({ ...s3.options, accessKeyId: 'NOT-A-KEY' });
    try {
      await expect(wrong.get('uploads', 'notes/unicode.txt')).rejects.toThrow();
    } finally {
      wrong.close();
    }
  });

  it('when the bucket does not exist → put fails loudly', async () => {
    const missing = s3ObjectStore({ ...s3.options, buckets: { ...s3.options.buckets, uploads: 'no-such-bucket' } });
    try {
      await expect(missing.put('uploads', 'a/b.txt', 'x')).rejects.toThrow();
    } finally {
      missing.close();
    }
  });
});
