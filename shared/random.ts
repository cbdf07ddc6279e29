/**
 * Seeded pseudo-random numbers that are identical on every platform and Node version: only
 * 32-bit integer arithmetic (Math.imul, shifts) and IEEE-exact operations feed the streams, so a
 * task's seed reproduces its data, initial weights and evaluation points anywhere.
 */

const TWO_POW_53 = 9007199254740992;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The splitmix32 output function: a bijective avalanche of one 32-bit word. */
function splitmixOutput(state: number): number {
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const scratch = new DataView(new ArrayBuffer(8));

/**
 * The two 32-bit words of a number's float64 encoding. Integers, fractions and huge values all
 * map to distinct words, so no two different seeds silently collide; -0 is folded into 0.
 */
function numberWords(value: number): [number, number] {
  scratch.setFloat64(0, value === 0 ? 0 : value);
  return [scratch.getUint32(4), scratch.getUint32(0)];
}

/** MurmurHash3's per-word mixing step (x86_32 variant). */
function murmurMix(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = rotl(k, 15);
  k = Math.imul(k, 0x1b873593);
  let out = h ^ k;
  out = rotl(out, 13);
  return (Math.imul(out, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finaliser: every input bit affects every output bit. */
function fmix32(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * A 32-bit seed for an independent stream, hashed from its parts: `deriveSeed(taskSeed,
 * 'train-data')` and `deriveSeed(taskSeed, 'eval', 3)` never share a stream. Each part is tagged
 * with its type and length, so `('ab')`, `('a', 'b')` and `(1)` vs `('1')` all differ.
 */
export function deriveSeed(...parts: Array<string | number>): number {
  let h = 0x2c1b3c6d;
  let words = 0;
  for (const part of parts) {
    if (typeof part === 'number') {
      const [lo, hi] = numberWords(part);
      h = murmurMix(h, 0x6e756d00);
      h = murmurMix(h, lo);
      h = murmurMix(h, hi);
      words += 3;
    } else {
      h = murmurMix(h, 0x73747200 ^ part.length);
      words += 1;
      for (let i = 0; i < part.length; i++) {
        h = murmurMix(h, part.charCodeAt(i));
        words += 1;
      }
    }
  }
  return fmix32(h ^ words);
}

/**
 * xoshiro128** (Blackman & Vigna): 128 bits of state, period 2^128 - 1, passes BigCrush. Seeded
 * through splitmix32 so that nearby seeds (0, 1, 2, ...) give unrelated streams.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  /** Any number is a valid seed; equal seeds give equal streams. */
  constructor(seed: number) {
    const [lo, hi] = numberWords(seed);
    let state = fmix32(murmurMix(murmurMix(0x5eed5eed, lo), hi));
    state = (state + 0x9e3779b9) | 0;
    this.s0 = splitmixOutput(state);
    state = (state + 0x9e3779b9) | 0;
    this.s1 = splitmixOutput(state);
    state = (state + 0x9e3779b9) | 0;
    this.s2 = splitmixOutput(state);
    state = (state + 0x9e3779b9) | 0;
    this.s3 = splitmixOutput(state);
    // The all-zero state is the generator's one fixed point.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /**
   * A generator with an explicit xoshiro128** state, for checking the core against the
   * reference outputs. The state must not be all zero.
   */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    if ((s0 | s1 | s2 | s3) === 0) throw new RangeError('xoshiro128** state must not be all zero');
    const rng = new Rng(0);
    rng.s0 = s0 >>> 0;
    rng.s1 = s1 >>> 0;
    rng.s2 = s2 >>> 0;
    rng.s3 = s3 >>> 0;
    return rng;
  }

  /** A uniform 32-bit unsigned integer. */
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

  /** A uniform float64 in [0, 1) with all 53 mantissa bits random. */
  next(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /**
   * A standard normal deviate (Marsaglia's polar method): needs only log and sqrt, which V8
   * computes identically everywhere, unlike the trigonometry of Box-Muller.
   */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const scale = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * scale;
        return u * scale;
      }
    }
  }
}
