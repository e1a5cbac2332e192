/**
 * scikit-learn's `train_test_split(..., stratify=y, random_state=seed)` reproduced index for index, so kosh can be
 * measured on exactly the held-out rows a Python peer used. It rests on numpy's legacy `RandomState(seed)`:
 * MT19937 seeded by init_genrand, `permutation(n)` = Fisher–Yates from the top with `random_interval` (masked
 * rejection sampling of 32-bit draws), and `StratifiedShuffleSplit`: per class (classes sorted), a permutation of the
 * class's rows (in their original order), the first n_i to train and the next t_i to test.
 */
class Mt19937 {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] as number;
      const s = prev ^ (prev >>> 30);
      // 1812433253 · s + i, mod 2³², without losing bits to doubles
      this.mt[i] = (((((s & 0xffff0000) >>> 16) * 1812433253) << 16) + (s & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
  }

  nextUint32(): number {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = ((mt[k] as number) & 0x80000000) | ((mt[(k + 1) % 624] as number) & 0x7fffffff);
        mt[k] = ((mt[(k + 397) % 624] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
      }
      this.index = 0;
    }
    let y = mt[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy's random_interval(max): a uniform integer in [0, max] by masked rejection (max < 2³²). */
  interval(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  permutation(n: number): Uint32Array {
    const a = Uint32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i >= 1; i--) {
      const j = this.interval(i);
      const t = a[i] as number;
      a[i] = a[j] as number;
      a[j] = t;
    }
    return a;
  }
}

/** numpy RandomState(seed).permutation(n) (exported for the test against numpy's own output). */
export function numpyPermutation(seed: number, ...sizes: number[]): Uint32Array[] {
  const rng = new Mt19937(seed);
  return sizes.map((n) => rng.permutation(n));
}

/**
 * The stratified split of scikit-learn for 0/1 labels, `_approximate_mode` included (its tie-breaking
 * `rng.choice(…, replace=False)` is a permutation of the tied classes, drawn from the same generator).
 */
export function sklearnStratifiedSplit(
  labels: ArrayLike<number>,
  testSize: number,
  seed: number,
): { train: Uint32Array; test: Uint32Array } {
  const n = labels.length;
  const nTest = Math.ceil(testSize * n);
  const nTrain = n - nTest;
  const members: number[][] = [[], []];
  for (let i = 0; i < n; i++) (members[labels[i] === 1 ? 1 : 0] as number[]).push(i);
  const counts = members.map((m) => m.length);
  const rng = new Mt19937(seed);
  const mode = (classCounts: number[], draws: number): number[] => {
    const total = classCounts.reduce((a, b) => a + b, 0);
    // numpy: class_counts / class_counts.sum() * n_draws, in that order of operations
    const continuous = classCounts.map((c) => (c / total) * draws);
    const floored = continuous.map(Math.floor);
    let need = draws - floored.reduce((a, b) => a + b, 0);
    if (need > 0) {
      const remainder = continuous.map((c, i) => c - (floored[i] as number));
      const values = [...new Set(remainder)].sort((a, b) => b - a);
      for (const value of values) {
        const inds = remainder.flatMap((r, i) => (r === value ? [i] : []));
        const addNow = Math.min(inds.length, need);
        const perm = rng.permutation(inds.length);
        for (const k of perm.slice(0, addNow)) {
          const at = inds[k] as number;
          floored[at] = (floored[at] as number) + 1;
        }
        need -= addNow;
        if (need === 0) break;
      }
    }
    return floored;
  };
  const nI = mode(counts, nTrain);
  const tI = mode(
    counts.map((c, i) => c - (nI[i] as number)),
    nTest,
  );
  const train: number[] = [];
  const test: number[] = [];
  for (let c = 0; c < 2; c++) {
    const perm = rng.permutation(counts[c] as number);
    const rows = members[c] as number[];
    const taken = Array.from(perm, (p) => rows[p] as number);
    train.push(...taken.slice(0, nI[c]));
    test.push(...taken.slice(nI[c], (nI[c] as number) + (tI[c] as number)));
  }
  return { train: Uint32Array.from(train).sort(), test: Uint32Array.from(test).sort() };
}
