import type { NetworkWeights } from '../network.js';
import type { Target } from '../targets/target.js';
import { ridgeProfileNetwork } from './piecewise-linear.js';

/** The range [min, max] of w . x over the unit cube: the sums of the negative and positive w_i. */
export function ridgeRange(direction: Float64Array): { low: number; high: number } {
  let low = 0;
  let high = 0;
  for (const wi of direction) {
    if (wi < 0) low += wi;
    else high += wi;
  }
  return { low, high };
}

/**
 * The ridge-interpolant reference of a ridge target f(x) = phi(w . x) (ridge-sine, kink, step):
 * the m-knot interpolant of phi at m + 1 uniform knots over the range of w . x on the cube,
 * composed with w . x. It is a width-m network exactly (every unit shares the direction w), so it
 * bounds what width m can reach on the target by the 1-D interpolant's error: about
 * h^2/12 mean|phi''| with h = (range of w . x)/m for smooth phi, 0 for the kink with an even m
 * (the kink sits at the centre knot). Null for targets that are not ridges.
 */
export function ridgeInterpolantNetwork(target: Target, width: number): NetworkWeights | null {
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`ridgeInterpolantNetwork: width must be a positive integer, got ${width}`);
  }
  if (target.kind !== 'regression' || target.ridgeDirection === undefined) return null;
  const w = target.ridgeDirection;
  const dim = target.dim;
  const { low, high } = ridgeRange(w);
  const knots = new Float64Array(width + 1);
  // The end knots are exact (no rounding past the range), the rest uniform between.
  for (let j = 0; j <= width; j++) knots[j] = j === width ? high : low + ((high - low) * j) / width;
  const points = new Float64Array((width + 1) * dim);
  for (let j = 0; j <= width; j++) {
    for (let i = 0; i < dim; i++) points[j * dim + i] = (knots[j] ?? 0) * (w[i] ?? 0);
  }
  const values = target.values(points, width + 1);
  return ridgeProfileNetwork(w, { knots, values }, 'linear');
}
