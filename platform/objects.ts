import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { invalid } from './errors.js';

export type Bucket = 'uploads' | 'models' | 'invoices' | 'analytics';

export const BUCKETS: readonly Bucket[] = ['uploads', 'models', 'invoices', 'analytics'];

/**
 * An S3-shaped object store: buckets of immutable-by-convention objects addressed by `/`-separated keys.
 * The embedded default is a local directory; an S3 implementation keeps the same interface.
 */
export interface ObjectStore {
  put(bucket: Bucket, key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
  /** The object's bytes, or null when there is none. */
  get(bucket: Bucket, key: string): Promise<Uint8Array | null>;
  /** Keys starting with `prefix`, sorted. */
  list(bucket: Bucket, prefix: string): Promise<string[]>;
  /** Deleting a missing object is not an error (as in S3). */
  delete(bucket: Bucket, key: string): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9._=-]+$/;

/**
 * A key is 1–1024 characters of `/`-separated segments of letters, digits and `._=-`; no empty, `.` or `..`
 * segment, so a key can never leave its bucket's directory.
 */
export function checkObjectKey(key: string): void {
  const bad = (why: string) =>
    invalid('invalid_object_key', `object key "${key.slice(0, 200)}" ${why}`, [
      { field: '/key', code: 'invalid_object_key', message: why },
    ]);
  if (key.length === 0 || key.length > 1024) throw bad('must be 1 to 1024 characters');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw bad('has an empty, "." or ".." segment');
    if (!SEGMENT.test(segment)) throw bad('may hold only letters, digits, "._=-" and "/" between segments');
  }
}

function checkBucket(bucket: Bucket): void {
  if (!BUCKETS.includes(bucket)) throw invalid('invalid_bucket', `no bucket named ${String(bucket)}`);
}

/** Prefixes may end in `/` or be empty; otherwise they follow the key rules. */
function checkPrefix(prefix: string): void {
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (trimmed !== '') checkObjectKey(trimmed);
}

/**
 * Objects as files under `<root>/<bucket>/<key>`. A put writes a temp file beside the target and renames it
 * into place, so a reader sees the old object or the new one, never a partial file. Temp files start with
 * `.tmp-` and are never listed.
 */
export function localObjectStore(root: string): ObjectStore {
  const resolvedRoot = path.resolve(root);
  const fileOf = (bucket: Bucket, key: string): string => {
    checkBucket(bucket);
    checkObjectKey(key);
    const file = path.resolve(resolvedRoot, bucket, ...key.split('/'));
    // The key rules already forbid escaping; this is the belt to those braces.
    if (!file.startsWith(path.resolve(resolvedRoot, bucket) + path.sep)) throw invalid('invalid_object_key', key);
    return file;
  };
  return {
    put: async (bucket, key, body) => {
      const file = fileOf(bucket, key);
      await mkdir(path.dirname(file), { recursive: true });
      const temp = path.join(path.dirname(file), `.tmp-${randomBytes(6).toString('hex')}`);
      try {
        await writeFile(temp, body);
        await rename(temp, file);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    },
    get: async (bucket, key) => {
      try {
        return new Uint8Array(await readFile(fileOf(bucket, key)));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') {
          return null;
        }
        throw err;
      }
    },
    list: async (bucket, prefix) => {
      checkBucket(bucket);
      checkPrefix(prefix);
      const base = path.resolve(resolvedRoot, bucket);
      let entries: Dirent[];
      try {
        entries = await readdir(base, { recursive: true, withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const keys: string[] = [];
      for (const entry of entries) {
        if (!entry.isFile() || entry.name.startsWith('.tmp-')) continue;
        const key = path.relative(base, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
        if (key.startsWith(prefix)) keys.push(key);
      }
      return keys.sort();
    },
    delete: async (bucket, key) => {
      await rm(fileOf(bucket, key), { force: true });
    },
  };
}

/** Where the embedded store keeps its objects: `KOSH_DATA_DIR/objects`. */
export const localObjectStoreRoot = (dataDir: string): string => path.join(dataDir, 'objects');
