import type { CurveShape } from './curve-shape.js';
import type { LineFit } from './stats.js';

/**
 * The width a curve needs for median error <= eps:
 * - `interpolated`: between the last width above eps and the first at or below it, in log-log;
 * - `at-smallest`: already at or below eps at the smallest width measured (an upper bound);
 * - `extrapolated`: not reached, but the curve still falls; the width from the fitted power law;
 * - `not-reached`: not reached, and the curve is flat or saturated, so width alone will not do.
 */
export interface EpsWidth {
  readonly eps: number;
  readonly how: 'interpolated' | 'at-smallest' | 'extrapolated' | 'not-reached';
  /** The width (interpolated or at-smallest), or null. */
  readonly width: number | null;
  /** The extrapolated width (extrapolated only), or null. */
  readonly extrapolated: number | null;
}

export function epsWidth(
  widths: readonly number[],
  medians: readonly number[],
  eps: number,
  fit: LineFit | null,
  shape: CurveShape,
): EpsWidth {
  const first = medians.findIndex((m) => m <= eps);
  if (first === 0) return { eps, how: 'at-smallest', width: widths[0] ?? null, extrapolated: null };
  if (first > 0) {
    const w0 = Math.log(widths[first - 1] ?? Number.NaN);
    const w1 = Math.log(widths[first] ?? Number.NaN);
    const m0 = Math.log(medians[first - 1] ?? Number.NaN);
    const m1 = Math.log(medians[first] ?? Number.NaN);
    // m0 > log eps >= m1, so the denominator is negative and t lies in (0, 1].
    const t = (Math.log(eps) - m0) / (m1 - m0);
    return { eps, how: 'interpolated', width: Math.exp(w0 + t * (w1 - w0)), extrapolated: null };
  }
  if (shape === 'falling' && fit !== null && fit.slope < 0) {
    const extrapolated = Math.exp((Math.log(eps) - fit.intercept) / fit.slope);
    return { eps, how: 'extrapolated', width: null, extrapolated };
  }
  return { eps, how: 'not-reached', width: null, extrapolated: null };
}
