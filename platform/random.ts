/**
 * mulberry32: a small seeded source of numbers in [0, 1), for anything that must repeat exactly under a seed
 * (retry jitter in tests, the simulator's ids and coin flips). Not for secrets: use node:crypto for those.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
