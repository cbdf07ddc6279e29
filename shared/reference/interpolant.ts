import type { NetworkWeights } from '../network.js';
import type { Target } from '../targets/target.js';
import { ridgeProfileNetwork } from './piecewise-linear.js';

/**
 * Why the interpolant reference does not exist for a target, or undefined when it does: it is
 * defined on [0,1] only, and for bounded targets only (an unbounded target's interpolant depends
 * on whether a knot lands on the singularity: with the default centre 1/2 and even widths it
 * does, and the interpolant is then a spike as tall as the floating-point floor allows).
 */
export function interpolantUnavailable(target: Target): string | undefined {
  if (target.dim !== 1) return 'the interpolant reference is defined for d = 1 only';
  if (target.kind === 'regression' && target.importance !== undefined) {
    return 'the interpolant of an unbounded target is not a useful reference';
  }
  return undefined;
}

/** The target's output vector (values, or one-hot labels) at 1-D points. */
export function targetValuesAt(target: Target, points: Float64Array): Float64Array {
  const n = points.length / target.dim;
  const k = target.outputs;
  if (target.kind === 'regression') return target.values(points, n);
  const labels = target.labels(points, n);
  const out = new Float64Array(n * k);
  for (let j = 0; j < n; j++) out[j * k + (labels[j] ?? 0)] = 1;
  return out;
}

/**
 * The piecewise-linear interpolant of the target at the m + 1 uniform knots j/m (m pieces of
 * length h = 1/m), written as the width-m ReLU network it is:
 * g(x) = f(0) + sum_j c_j relu(x - j/m), with c_0 the first slope and c_j the change of slope at
 * knot j. For a C^2 target its L1 error is about h^2/12 * mean |f''|, i.e. 2 pi/(3 m^2) for
 * sin(2 pi x). Classification targets interpolate the one-hot labels, read as logits.
 * Returns null where {@link interpolantUnavailable} says so.
 */
export function interpolantNetwork(target: Target, width: number): NetworkWeights | null {
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`interpolantNetwork: width must be a positive integer, got ${width}`);
  }
  if (interpolantUnavailable(target) !== undefined) return null;
  const knots = new Float64Array(width + 1);
  for (let j = 0; j <= width; j++) knots[j] = j / width;
  const output = target.kind === 'classification' ? 'softmax' : 'linear';
  return ridgeProfileNetwork(
    Float64Array.of(1),
    { knots, values: targetValuesAt(target, knots) },
    output,
  );
}
