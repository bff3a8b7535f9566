/**
 * The engine's one source of randomness: xoshiro128** (Blackman and Vigna), seeded through
 * splitmix32. Its whole state is four 32-bit words, so a checkpoint saves and restores it
 * exactly, and a resumed run draws the same numbers an uninterrupted one would have.
 */
export type RandomState = readonly [number, number, number, number];

export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(seed: number) {
    // splitmix32 spreads any integer seed (also 0) over all four words.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  static fromState(state: RandomState): Random {
    const random = new Random(0);
    random.restore(state);
    return random;
  }

  state(): RandomState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  restore(state: RandomState): void {
    [this.s0, this.s1, this.s2, this.s3] = state;
  }

  /** The next 32 random bits as an unsigned integer. */
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

  /** A double uniform in [0, 1) with all 53 bits of the mantissa random. */
  uniform(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  uniformBetween(min: number, max: number): number {
    return min + (max - min) * this.uniform();
  }

  /** A standard normal draw (Box-Muller; the second value is discarded to keep state small). */
  normal(): number {
    // 1 - uniform() lies in (0, 1], so the logarithm is finite.
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A normal draw redrawn until it lies within two standard deviations, as TF.js does. */
  truncatedNormal(stddev: number): number {
    for (;;) {
      const z = this.normal();
      if (z >= -2 && z <= 2) return z * stddev;
    }
  }

  /** An integer uniform in [0, bound), without modulo bias. */
  integerBelow(bound: number): number {
    return Math.floor(this.uniform() * bound);
  }

  /** Fisher-Yates shuffle of `indices` in place. */
  shuffle(indices: Uint32Array | number[]): void {
    for (let i = indices.length - 1; i > 0; i--) {
      const j = this.integerBelow(i + 1);
      const held = indices[i];
      indices[i] = indices[j];
      indices[j] = held;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
