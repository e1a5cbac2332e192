// Run by reload.test.ts in a fresh `node --import tsx` process: loads a model version from a local object store
// and prints the scores of the synthetic rows as the hex of their Float64 bytes, so equality is bit for bit.
import { loadRegisteredFraudModel } from '../../../models/registry/load-model.js';
import { localObjectStore } from '../../../platform/objects.js';
import { syntheticSet } from './support.js';

const [objectsDir, version, n, seed] = process.argv.slice(2);
const model = await loadRegisteredFraudModel({ objects: localObjectStore(objectsDir ?? '') }, version ?? '');
const { rows } = syntheticSet(Number(n), Number(seed));
const scores = model.scoreMany(rows);
process.stdout.write(Buffer.from(scores.buffer, scores.byteOffset, scores.byteLength).toString('hex'));
