import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seedDemoData } from '../../../data/seed.js';
import { FRAUD_FEATURE_SET_VERSION, FRAUD_FEATURES } from '../../../features/fraud/feature-set.js';
import { trainFraudModel } from '../../../models/fraud/model.js';
import { registerFraudModel } from '../../../models/registry/register-model.js';
import type { RegisteredModel } from '../../../models/registry/types.js';
import { type Clock, fixedClock } from '../../../platform/clock.js';
import { type Db, openDb } from '../../../platform/db.js';
import { createLog, type Log } from '../../../platform/log.js';
import { migrate } from '../../../platform/migrate.js';
import { localObjectStore, type ObjectStore } from '../../../platform/objects.js';
import { seededRandom } from '../../../platform/random.js';
import { createTestDatabase, dropTestDatabase } from '../../support/db.js';

export const NOW = new Date('2026-11-28T12:00:00Z');

export interface RegistryDeps {
  readonly db: Db;
  readonly objects: ObjectStore;
  readonly clock: Clock & { advance(ms: number): void; set(d: Date): void };
  readonly log: Log;
  readonly objectsDir: string;
  close(): Promise<void>;
}

/** A fresh test database with every migration (and demo payments when asked) and a temp object store. */
export async function registryDeps(options: { payments?: number } = {}): Promise<RegistryDeps> {
  const clock = fixedClock(NOW);
  const log = createLog({ level: 'silent' });
  const objectsDir = mkdtempSync(path.join(tmpdir(), 'kosh-registry-'));
  const objects = localObjectStore(objectsDir);
  const url = await createTestDatabase();
  const db = await seededDb(url, clock, options.payments);
  return {
    db,
    objects,
    clock,
    log,
    objectsDir,
    close: async () => {
      await db.close();
      await dropTestDatabase(url);
      rmSync(objectsDir, { recursive: true, force: true });
    },
  };
}

/** The migrated database at `url`, with demo payments (seed 42, data ending at the clock's now) when asked. */
export async function seededDb(url: string, clock: Clock, payments?: number): Promise<Db> {
  const db = await openDb(url);
  await migrate(db, clock);
  if (payments !== undefined) await seedDemoData({ db, clock }, { seed: 42, payments });
  return db;
}

/**
 * A small synthetic training set in the fraud feature layout: fraud rows have high velocity counts. Fast to
 * train on, for tests of the registry mechanics that do not need demo payments.
 */
export function syntheticSet(n: number, seed: number, options: { invert?: boolean } = {}) {
  const random = seededRandom(seed);
  const rows: Float64Array[] = [];
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const fraud = random() < 0.05;
    const row = new Float64Array(FRAUD_FEATURES.length);
    for (let j = 0; j < row.length; j++) row[j] = Math.floor(random() * 5) + (fraud && j % 3 === 0 ? 4 : 0);
    rows.push(row);
    labels[i] = fraud !== (options.invert === true) ? 1 : 0;
  }
  return { rows, labels };
}

/** Trains on synthetic rows with M's trainer and registers the model (state per the registry's rules). */
export async function registerSynthetic(
  deps: RegistryDeps,
  options: { seed?: number; invert?: boolean } = {},
): Promise<RegisteredModel> {
  const seed = options.seed ?? 1;
  const train = syntheticSet(1500, seed, options);
  const validation = syntheticSet(600, seed + 1000, options);
  const trained = await trainFraudModel(train, validation, {
    seed,
    featureNames: FRAUD_FEATURES,
    featureSetVersion: FRAUD_FEATURE_SET_VERSION,
  });
  return registerFraudModel(deps, {
    ...trained,
    seed,
    trainFrom: null,
    trainTo: NOW,
    validationFrom: new Date(NOW.getTime() - 86_400_000),
    dataHash: `synthetic-${seed}`,
  });
}
