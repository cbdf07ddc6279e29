import { deriveSeed, Rng } from '../random.js';
import { SOBOL_MAX_DIM, SobolSequence } from '../sobol.js';
import { ballRadius } from './special.js';

/** A uniformly random direction in R^dim; in 1-D always +1, so 1-D targets are not mirrored. */
export function randomUnitVector(rng: Rng, dim: number): Float64Array {
  const w = new Float64Array(dim);
  if (dim === 1) {
    w[0] = 1;
    return w;
  }
  let norm = 0;
  while (norm === 0) {
    norm = 0;
    for (let i = 0; i < dim; i++) {
      const z = rng.normal();
      w[i] = z;
      norm += z * z;
    }
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dim; i++) w[i] = (w[i] ?? 0) * scale;
  return w;
}

/** The point (v, ..., v) in R^dim. */
export function constantVector(dim: number, value: number): Float64Array {
  return new Float64Array(dim).fill(value);
}

/** w . x[offset .. offset+dim). */
export function dotAt(w: Float64Array, x: Float64Array, offset: number): number {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += (w[i] ?? 0) * (x[offset + i] ?? 0);
  return sum;
}

/** ||x[offset .. offset+dim) - c||^2. */
export function squaredDistanceAt(c: Float64Array, x: Float64Array, offset: number): number {
  let sum = 0;
  for (let i = 0; i < c.length; i++) {
    const diff = (x[offset + i] ?? 0) - (c[i] ?? 0);
    sum += diff * diff;
  }
  return sum;
}

/** Points used to estimate volume quantiles: 2^16 keeps the volume error near 1e-4. */
const QUANTILE_POINTS = 65536;
const CHUNK = 4096;

/**
 * The values t_j with vol{x in [0,1]^d : statistic(x) < t_j} = fractions[j], estimated from a
 * fixed scrambled Sobol set, so that class boundaries are deterministic (the same on every
 * machine, for every task) and equal-volume to about 1e-4.
 */
export function uniformQuantiles(
  dim: number,
  statistic: (x: Float64Array, offset: number) => number,
  fractions: readonly number[],
): number[] {
  const values = new Float64Array(QUANTILE_POINTS);
  const chunk = new Float64Array(CHUNK * dim);
  const seed = deriveSeed('widthsweep', 'volume-quantiles');
  const sobol = dim <= SOBOL_MAX_DIM ? new SobolSequence(dim, seed) : null;
  const rng = new Rng(seed);
  for (let start = 0; start < QUANTILE_POINTS; start += CHUNK) {
    if (sobol === null) {
      for (let i = 0; i < chunk.length; i++) chunk[i] = rng.next();
    } else {
      sobol.fill(chunk, CHUNK);
    }
    for (let p = 0; p < CHUNK; p++) values[start + p] = statistic(chunk, p * dim);
  }
  values.sort();
  return fractions.map((fraction) => {
    const below = Math.min(
      QUANTILE_POINTS - 1,
      Math.max(1, Math.round(fraction * QUANTILE_POINTS)),
    );
    return 0.5 * ((values[below - 1] ?? 0) + (values[below] ?? 0));
  });
}

/**
 * Radii r_j around the cube's centre with vol{||x - centre|| < r_j} = fractions[j]: exact while
 * the ball stays inside the cube (r <= 1/2), estimated by {@link uniformQuantiles} beyond.
 */
export function centredRadii(dim: number, fractions: readonly number[]): number[] {
  const centre = constantVector(dim, 0.5);
  let estimated: number[] | null = null;
  return fractions.map((fraction, j) => {
    const exact = ballRadius(fraction, dim);
    if (exact <= 0.5) return exact;
    estimated ??= uniformQuantiles(
      dim,
      (x, offset) => Math.sqrt(squaredDistanceAt(centre, x, offset)),
      fractions,
    );
    return estimated[j] ?? exact;
  });
}

/** The index of the first threshold above value, i.e. how many thresholds value reaches. */
export function countReached(thresholds: readonly number[], value: number): number {
  let count = 0;
  for (const t of thresholds) if (value >= t) count += 1;
  return count;
}
