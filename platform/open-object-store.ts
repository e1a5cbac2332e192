import type { Config } from './config.js';
import { localObjectStore, localObjectStoreRoot, type ObjectStore } from './objects.js';
import { s3ObjectStore } from './s3-objects.js';

export interface OpenObjectStore extends ObjectStore {
  /** `local:<dir>` or `s3:<endpoint or aws region>`, for logs and `kosh doctor`. */
  readonly where: string;
  /** The real bucket (or directory) name behind each of the four buckets. */
  readonly names: Readonly<Record<'uploads' | 'models' | 'invoices' | 'analytics', string>>;
  close(): void;
}

/** The object store the configuration asks for (`KOSH_OBJECT_STORE`): the local directory or S3. */
export function openObjectStore(config: Pick<Config, 'objectStore' | 's3' | 'dataDir'>): OpenObjectStore {
  if (config.objectStore === 's3') {
    const store = s3ObjectStore(config.s3);
    return {
      ...store,
      where: `s3:${config.s3.endpoint ?? `aws ${config.s3.region}`}`,
      names: config.s3.buckets,
    };
  }
  const root = localObjectStoreRoot(config.dataDir);
  return {
    ...localObjectStore(root),
    where: `local:${root}`,
    names: { uploads: 'uploads', models: 'models', invoices: 'invoices', analytics: 'analytics' },
    close: () => undefined,
  };
}
