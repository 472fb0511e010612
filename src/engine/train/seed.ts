/**
 * Seeded randomness for everything the engine draws on the JavaScript side (permutations,
 * samplers, CutMix λ, source-replay subsets) so a run with the same seed repeats.
 */

/** A seeded generator of floats in [0, 1) (mulberry32), with its state readable for checkpoints. */
export class SeededRandom {
  private s: number;
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`SeededRandom: seed must be a finite number, got ${seed}`);
    this.s = seed >>> 0;
  }

  /** Next float in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A random permutation of 0..n−1 (Fisher-Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    return p;
  }

  /** A derived seed for tfjs ops that take an integer seed. */
  seedInt(): number {
    return Math.floor(this.next() * 2 ** 31);
  }

  /** The internal state, for checkpoints. */
  get state(): number {
    return this.s;
  }
  set state(v: number) {
    this.s = v >>> 0;
  }
}

/** Inverse of a permutation: inv[p[i]] = i. */
export function invertPermutation(p: ArrayLike<number>): number[] {
  const inv = new Array<number>(p.length);
  for (let i = 0; i < p.length; i++) inv[p[i]] = i;
  return inv;
}
