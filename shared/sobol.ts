import { Rng } from './random.js';

/**
 * Sobol' low-discrepancy points, optionally randomised, for evaluation integrals over [0,1]^d.
 *
 * Direction numbers: Joe & Kuo, "Constructing Sobol sequences with better two-dimensional
 * projections" (SIAM J. Sci. Comput. 30, 2008), file new-joe-kuo-6.21201, dimensions 2..101;
 * dimension 1 is the van der Corput sequence. Each row is `s a m_1 .. m_s`: the degree of the
 * primitive polynomial, its inner coefficients as bits of `a`, and the initial direction numbers.
 */
const JOE_KUO: readonly string[] = [
  '1 0 1',
  '2 1 1 3',
  '3 1 1 3 1',
  '3 2 1 1 1',
  '4 1 1 1 3 3',
  '4 4 1 3 5 13',
  '5 2 1 1 5 5 17',
  '5 4 1 1 5 5 5',
  '5 7 1 1 7 11 19',
  '5 11 1 1 5 1 1',
  '5 13 1 1 1 3 11',
  '5 14 1 3 5 5 31',
  '6 1 1 3 3 9 7 49',
  '6 13 1 1 1 15 21 21',
  '6 16 1 3 1 13 27 49',
  '6 19 1 1 1 15 7 5',
  '6 22 1 3 1 15 13 25',
  '6 25 1 1 5 5 19 61',
  '7 1 1 3 7 11 23 15 103',
  '7 4 1 3 7 13 13 15 69',
  '7 7 1 1 3 13 7 35 63',
  '7 8 1 3 5 9 1 25 53',
  '7 14 1 3 1 13 9 35 107',
  '7 19 1 3 1 5 27 61 31',
  '7 21 1 1 5 11 19 41 61',
  '7 28 1 3 5 3 3 13 69',
  '7 31 1 1 7 13 1 19 1',
  '7 32 1 3 7 5 13 19 59',
  '7 37 1 1 3 9 25 29 41',
  '7 41 1 3 5 13 23 1 55',
  '7 42 1 3 7 3 13 59 17',
  '7 50 1 3 1 3 5 53 69',
  '7 55 1 1 5 5 23 33 13',
  '7 56 1 1 7 7 1 61 123',
  '7 59 1 1 7 9 13 61 49',
  '7 62 1 3 3 5 3 55 33',
  '8 14 1 3 1 15 31 13 49 245',
  '8 21 1 3 5 15 31 59 63 97',
  '8 22 1 3 1 11 11 11 77 249',
  '8 38 1 3 1 11 27 43 71 9',
  '8 47 1 1 7 15 21 11 81 45',
  '8 49 1 3 7 3 25 31 65 79',
  '8 50 1 3 1 1 19 11 3 205',
  '8 52 1 1 5 9 19 21 29 157',
  '8 56 1 3 7 11 1 33 89 185',
  '8 67 1 3 3 3 15 9 79 71',
  '8 70 1 3 7 11 15 39 119 27',
  '8 84 1 1 3 1 11 31 97 225',
  '8 97 1 1 1 3 23 43 57 177',
  '8 103 1 3 7 7 17 17 37 71',
  '8 115 1 3 1 5 27 63 123 213',
  '8 122 1 1 3 5 11 43 53 133',
  '9 8 1 3 5 5 29 17 47 173 479',
  '9 13 1 3 3 11 3 1 109 9 69',
  '9 16 1 1 1 5 17 39 23 5 343',
  '9 22 1 3 1 5 25 15 31 103 499',
  '9 25 1 1 1 11 11 17 63 105 183',
  '9 44 1 1 5 11 9 29 97 231 363',
  '9 47 1 1 5 15 19 45 41 7 383',
  '9 52 1 3 7 7 31 19 83 137 221',
  '9 55 1 1 1 3 23 15 111 223 83',
  '9 59 1 1 5 13 31 15 55 25 161',
  '9 62 1 1 3 13 25 47 39 87 257',
  '9 67 1 1 1 11 21 53 125 249 293',
  '9 74 1 1 7 11 11 7 57 79 323',
  '9 81 1 1 5 5 17 13 81 3 131',
  '9 82 1 1 7 13 23 7 65 251 475',
  '9 87 1 3 5 1 9 43 3 149 11',
  '9 91 1 1 3 13 31 13 13 255 487',
  '9 94 1 3 3 1 5 63 89 91 127',
  '9 103 1 1 3 3 1 19 123 127 237',
  '9 104 1 1 5 7 23 31 37 243 289',
  '9 109 1 1 5 11 17 53 117 183 491',
  '9 122 1 1 1 5 1 13 13 209 345',
  '9 124 1 1 3 15 1 57 115 7 33',
  '9 137 1 3 1 11 7 43 81 207 175',
  '9 138 1 3 1 1 15 27 63 255 49',
  '9 143 1 3 5 3 27 61 105 171 305',
  '9 145 1 1 5 3 1 3 57 249 149',
  '9 152 1 1 3 5 5 57 15 13 159',
  '9 157 1 1 1 11 7 11 105 141 225',
  '9 167 1 3 3 5 27 59 121 101 271',
  '9 173 1 3 5 9 11 49 51 59 115',
  '9 176 1 1 7 1 23 45 125 71 419',
  '9 181 1 1 3 5 23 5 105 109 75',
  '9 182 1 1 7 15 7 11 67 121 453',
  '9 185 1 3 7 3 9 13 31 27 449',
  '9 191 1 3 1 15 19 39 39 89 15',
  '9 194 1 1 1 1 1 33 73 145 379',
  '9 199 1 3 1 15 15 43 29 13 483',
  '9 218 1 1 7 3 19 27 85 131 431',
  '9 220 1 3 3 3 5 35 23 195 349',
  '9 227 1 3 3 7 9 27 39 59 297',
  '9 229 1 1 3 9 11 17 13 241 157',
  '9 230 1 3 7 15 25 57 33 189 213',
  '9 234 1 1 7 1 9 55 73 83 217',
  '9 236 1 3 3 13 19 27 23 113 249',
  '9 241 1 3 5 3 23 43 3 253 479',
  '9 244 1 1 5 5 11 5 45 117 217',
  '9 253 1 3 3 7 29 37 33 123 147',
];

/** Dimensions this module can generate: the van der Corput dimension plus the Joe-Kuo rows. */
export const SOBOL_MAX_DIM = JOE_KUO.length + 1;

/** Bits per coordinate: a sequence holds at most 2^32 points. */
const BITS = 32;
const MAX_POINTS = 2 ** BITS;
const TWO_POW_53 = 9007199254740992;
/** 2^21: scrambled coordinates get 21 random bits below their 32 digits, filling the float64. */
const JITTER_SCALE = 2097152;

let unscrambledDirections: Uint32Array | null = null;

/** Direction numbers v[j*32 + k] (bit 31 = first binary digit) for every supported dimension. */
function directionTable(): Uint32Array {
  if (unscrambledDirections !== null) return unscrambledDirections;
  const v = new Uint32Array(SOBOL_MAX_DIM * BITS);
  for (let k = 0; k < BITS; k++) v[k] = 2 ** (31 - k);
  JOE_KUO.forEach((row, index) => {
    const [s = 0, a = 0, ...m] = row.split(' ').map(Number);
    const base = (index + 1) * BITS;
    for (let k = 0; k < BITS; k++) {
      if (k < s) {
        v[base + k] = (m[k] ?? 0) * 2 ** (31 - k);
        continue;
      }
      // Bratley-Fox recurrence: v_k = v_{k-s} ^ (v_{k-s} >> s) ^ sum_i a_i v_{k-i}.
      const back = v[base + k - s] ?? 0;
      let x = back ^ (back >>> s);
      for (let i = 1; i < s; i++) {
        if ((a >>> (s - 1 - i)) & 1) x ^= v[base + k - i] ?? 0;
      }
      v[base + k] = x >>> 0;
    }
  });
  unscrambledDirections = v;
  return v;
}

function parity(word: number): number {
  let x = word;
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/**
 * Applies a random lower-triangular binary matrix with unit diagonal (Matousek's linear matrix
 * scramble) to one dimension's generator columns: output digit l is digit l XOR a random
 * combination of the more significant digits. The matrix is invertible, so every
 * (t, m, s)-net property of the unscrambled points survives.
 */
function scrambleColumns(columns: Uint32Array, rng: Rng): void {
  const rows = new Uint32Array(BITS);
  for (let l = 0; l < BITS; l++) {
    const own = 2 ** (31 - l);
    const moreSignificant = l === 0 ? 0 : ~(2 ** (32 - l) - 1) >>> 0;
    rows[l] = (own | (rng.nextUint32() & moreSignificant)) >>> 0;
  }
  for (let k = 0; k < columns.length; k++) {
    const column = columns[k] ?? 0;
    let scrambled = 0;
    for (let l = 0; l < BITS; l++) {
      if (parity((rows[l] ?? 0) & column)) scrambled |= 2 ** (31 - l);
    }
    columns[k] = scrambled >>> 0;
  }
}

/**
 * A stream of Sobol' points in Gray-code order (as scipy and Joe-Kuo generate them), produced in
 * chunks so that millions of evaluation points never sit in memory at once.
 *
 * With a scramble seed the points are a randomised QMC set: linear matrix scramble plus a random
 * digital shift (what scipy.stats.qmc.Sobol does), and 21 random bits below the 32 generated
 * digits, so that each point is exactly uniform on [0,1)^d while every 2^k-point block keeps its
 * stratification. Independent seeds give independent replicates, whose spread is an honest error
 * bar. Without a seed the classic unscrambled sequence is produced (first point 0).
 */
export class SobolSequence {
  readonly dims: number;
  private readonly directions: Uint32Array;
  private readonly current: Uint32Array;
  private readonly jitter: Rng | null;
  private index = 0;

  constructor(dims: number, scrambleSeed: number | null) {
    if (!Number.isInteger(dims) || dims < 1 || dims > SOBOL_MAX_DIM) {
      throw new RangeError(`Sobol points need 1..${SOBOL_MAX_DIM} dimensions, got ${dims}`);
    }
    this.dims = dims;
    this.directions = directionTable().slice(0, dims * BITS);
    this.current = new Uint32Array(dims);
    if (scrambleSeed === null) {
      this.jitter = null;
      return;
    }
    const rng = new Rng(scrambleSeed);
    for (let j = 0; j < dims; j++) {
      scrambleColumns(this.directions.subarray(j * BITS, (j + 1) * BITS), rng);
    }
    for (let j = 0; j < dims; j++) this.current[j] = rng.nextUint32();
    this.jitter = rng;
  }

  /** How many points have been produced so far. */
  get position(): number {
    return this.index;
  }

  /** Writes the next `count` points, row-major, into `out[0 .. count*dims)`. */
  fill(out: Float64Array, count: number): void {
    const dims = this.dims;
    if (!Number.isInteger(count) || count < 0 || out.length < count * dims) {
      throw new RangeError(
        `cannot write ${count} points of ${dims} dimensions into ${out.length} slots`,
      );
    }
    if (this.index + count > MAX_POINTS) {
      throw new RangeError(`a Sobol sequence holds at most 2^${BITS} points`);
    }
    const current = this.current;
    const directions = this.directions;
    const jitter = this.jitter;
    for (let p = 0; p < count; p++) {
      const i = this.index;
      if (i > 0) {
        // Gray-code update: point i differs from point i-1 by the column of i's lowest set bit.
        const column = 31 - Math.clz32(i & -i);
        for (let j = 0; j < dims; j++) {
          current[j] = ((current[j] ?? 0) ^ (directions[j * BITS + column] ?? 0)) >>> 0;
        }
      }
      const row = p * dims;
      if (jitter === null) {
        for (let j = 0; j < dims; j++) out[row + j] = (current[j] ?? 0) / MAX_POINTS;
      } else {
        for (let j = 0; j < dims; j++) {
          const low = jitter.nextUint32() >>> 11;
          out[row + j] = ((current[j] ?? 0) * JITTER_SCALE + low) / TWO_POW_53;
        }
      }
      this.index = i + 1;
    }
  }
}

/**
 * The first `n` Sobol' points in `dims` dimensions, row-major `n x dims`, values in [0, 1).
 * `scrambleSeed` null gives the unscrambled sequence; a number gives one randomised replicate
 * (see {@link SobolSequence}).
 */
export function sobolPoints(n: number, dims: number, scrambleSeed: number | null): Float64Array {
  const sequence = new SobolSequence(dims, scrambleSeed);
  const out = new Float64Array(n * dims);
  sequence.fill(out, n);
  return out;
}
