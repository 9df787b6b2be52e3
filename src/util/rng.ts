/**
 * Seeded pseudo-random numbers. Every random choice in spikeopt flows from one of these, seeded from the
 * study config (spec system.md §8: xoshiro128** seeded through SplitMix64).
 *
 * Hand-written rather than taken from a library because the optimizer draws millions of normals per step
 * (Sobol scrambles, random features, Thompson samples) and this stays on 32-bit integer ops that V8 keeps fast.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  /** @param seed any integer (or a string, hashed); equal seeds give equal streams. */
  constructor(seed: number | string) {
    this.reseed(seed);
  }

  private reseed(seed: number | string): void {
    // SplitMix64 on two 32-bit halves, carried in BigInt for exactness; runs once per seeding only.
    let x = BigInt.asUintN(64, typeof seed === 'string' ? hashString(seed) : BigInt(Math.trunc(seed)));
    const next = (): number => {
      x = BigInt.asUintN(64, x + 0x9e3779b97f4a7c15n);
      let z = x;
      z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
      z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
      z = z ^ (z >> 31n);
      return Number(BigInt.asUintN(32, z));
    };
    this.s0 = next() | 0;
    this.s1 = next() | 0;
    this.s2 = next() | 0;
    this.s3 = next() | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = null;
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!(n >= 1) || n > 4294967296) throw new RangeError(`Rng.int: n must be in [1, 2^32], got ${n}`);
    if (n <= 1) return 0;
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const v = this.nextUint32();
      if (v < limit) return v % n;
    }
  }

  /** Uniform integer in [low, high] (both inclusive). */
  intBetween(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  /** Standard normal draw (Marsaglia polar method; caches the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    for (;;) {
      const u = 2 * this.random() - 1;
      const v = 2 * this.random() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * f;
        return u * f;
      }
    }
  }

  /** Fills `out` with standard normals and returns it. */
  fillNormal(out: Float64Array): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /** Chi-squared draw with k degrees of freedom (sum of k squared normals; k is small here). */
  chiSquared(k: number): number {
    let s = 0;
    for (let i = 0; i < k; i++) {
      const z = this.normal();
      s += z * z;
    }
    return s;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A new independent generator derived from this one and a label (e.g. one per worker or purpose). */
  fork(label: string | number): Rng {
    return new Rng(`${this.nextUint32()}:${this.nextUint32()}:${label}`);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** 64-bit FNV-1a hash of a string, for string seeds. */
function hashString(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = BigInt.asUintN(64, h * 0x100000001b3n);
  }
  return h;
}
