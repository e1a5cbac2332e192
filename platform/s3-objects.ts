import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { invalid } from './errors.js';
import { BUCKETS, type Bucket, checkObjectKey, type ObjectStore } from './objects.js';

export interface S3ObjectStoreOptions {
  /** An S3-compatible endpoint (MinIO, s3rver, …); null = AWS S3 for `region`. */
  readonly endpoint: string | null;
  readonly region: string;
  /** Both or neither; neither = the SDK's default credential chain (env, profile, instance role). */
  readonly accessKeyId: string | null;
  readonly secretAccessKey: string | null;
  /** `http://host/bucket/key` rather than `http://bucket.host/key`: what most S3-compatible stores need. */
  readonly forcePathStyle: boolean;
  /** The real bucket name behind each of kosh's four buckets. */
  readonly buckets: Readonly<Record<Bucket, string>>;
  /** Keys per ListObjectsV2 page (S3's maximum and default is 1000); smaller only to test pagination. */
  readonly pageSize?: number;
}

export interface S3ObjectStore extends ObjectStore {
  readonly client: S3Client;
  close(): void;
}

/** Every put asks for server-side encryption with S3-managed keys. */
export const SERVER_SIDE_ENCRYPTION = 'AES256';

function isMissing(err: unknown): boolean {
  if (err instanceof S3ServiceException) {
    return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404;
  }
  return false;
}

function checkPrefix(prefix: string): void {
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (trimmed !== '') checkObjectKey(trimmed);
}

/**
 * The object store on S3 or an S3-compatible server, with the same key rules and answers as the local
 * store: a missing object reads as null, deleting one is a no-op, list pages through ListObjectsV2.
 */
export function s3ObjectStore(options: S3ObjectStoreOptions): S3ObjectStore {
  const client = new S3Client({
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.endpoint === null ? {} : { endpoint: options.endpoint }),
    ...(options.accessKeyId !== null && options.secretAccessKey !== null
      ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
      : {}),
  });
  const pageSize = options.pageSize ?? 1000;
  const bucketName = (bucket: Bucket): string => {
    if (!BUCKETS.includes(bucket)) throw invalid('invalid_bucket', `no bucket named ${String(bucket)}`);
    return options.buckets[bucket];
  };
  return {
    client,
    close: () => client.destroy(),
    put: async (bucket, key, body, contentType) => {
      const Bucket = bucketName(bucket);
      checkObjectKey(key);
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType:
            contentType ?? (typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream'),
          ServerSideEncryption: SERVER_SIDE_ENCRYPTION,
        }),
      );
    },
    get: async (bucket, key) => {
      const Bucket = bucketName(bucket);
      checkObjectKey(key);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (out.Body === undefined) return new Uint8Array();
        return await out.Body.transformToByteArray();
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
    },
    list: async (bucket, prefix) => {
      const Bucket = bucketName(bucket);
      checkPrefix(prefix);
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket,
            MaxKeys: pageSize,
            ...(prefix === '' ? {} : { Prefix: prefix }),
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
        for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      // S3 lists in UTF-8 byte order; the local store sorts by code unit. Keys are ASCII, so both agree.
      return keys.sort();
    },
    delete: async (bucket, key) => {
      const Bucket = bucketName(bucket);
      checkObjectKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    },
  };
}
