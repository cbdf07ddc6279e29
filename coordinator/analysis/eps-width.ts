import type { CurveShape } from './curve-shape.js';
import type { CurveFactor } from './decomposition.js';
import type { LineFit } from '../../shared/stats.js';

/**
 * Why a curve gets no extrapolated eps-width:
 * - `no data`: no done task;
 * - `width-free`: a fixed small width represents the target to any precision (step, halfspaces),
 *   so no eps-width means anything, measured or extrapolated;
 * - `too few widths`: the rate rests on fewer than minRateWidths falling widths, or there is none;
 * - `flat`, `saturated`: the curve does not fall at its largest widths;
 * - `samples`, `optimizer`, `evaluation floor`: the error decomposition says that this limits the
 *   curve, so the fitted law describes the recipe, not the width;
 * - `undetermined`: the decomposition lacks its data (no training-set errors or references), so
 *   the fall cannot be attributed to the width;
 * - `range-dependent`: the halves of the fit range give slopes with disjoint intervals, so the
 *   curve is not one power law and its fit says nothing beyond the widths measured;
 * - `too far`: the fitted law reaches eps only beyond maxExtrapolation times the widest width
 *   measured, further than any measured trend can be trusted to hold.
 */
export type EpsRefusal =
  | 'no data'
  | 'width-free'
  | 'too few widths'
  | 'flat'
  | 'saturated'
  | 'samples'
  | 'optimizer'
  | 'evaluation floor'
  | 'undetermined'
  | 'range-dependent'
  | 'too far';

/**
 * The width a curve needs for median error <= eps:
 * - `interpolated`: between the last width above eps and the first at or below it, in log-log;
 * - `at-smallest`: already at or below eps at the smallest width measured (an upper bound);
 * - `extrapolated`: not reached, but the curve still falls, has a rate and is width-limited; the
 *   width from the fitted power law;
 * - `not-reached`: not reached, and `refusal` says why there is no extrapolation;
 * - `refused`: no width at all (`refusal` is `no data` or `width-free`).
 */
export interface EpsWidth {
  readonly eps: number;
  readonly how: 'interpolated' | 'at-smallest' | 'extrapolated' | 'not-reached' | 'refused';
  /** The width (interpolated or at-smallest), or null. */
  readonly width: number | null;
  /** The extrapolated width (extrapolated only), or null. */
  readonly extrapolated: number | null;
  /** Why there is no extrapolated (or no) width; null where one is given. */
  readonly refusal: EpsRefusal | null;
}

/** What the eps-width rules read from a curve. */
export interface EpsCurve {
  readonly shape: CurveShape;
  /** The fitted law, null where no rate was fitted. */
  readonly fit: LineFit | null;
  readonly limit: CurveFactor;
  /** The target's error does not depend on width in theory (step, halfspaces, ...). */
  readonly widthFree: boolean;
  /** The fit range's halves disagree (non-overlapping slope intervals). */
  readonly rangeDependent: boolean;
  /** The furthest an extrapolated width may lie, as a multiple of the widest width measured. */
  readonly maxExtrapolation: number;
}

/** Why this curve may not extrapolate, or null where it may. */
export function extrapolationRefusal(curve: EpsCurve): EpsRefusal | null {
  if (curve.limit === 'no data') return 'no data';
  if (curve.widthFree) return 'width-free';
  if (curve.shape === 'flat') return 'flat';
  if (curve.shape === 'saturating') return 'saturated';
  if (curve.shape === 'too-few-points' || curve.fit === null || !(curve.fit.slope < 0)) {
    return 'too few widths';
  }
  if (curve.limit !== 'width') return curve.limit;
  if (curve.rangeDependent) return 'range-dependent';
  return null;
}

export function epsWidth(
  widths: readonly number[],
  medians: readonly number[],
  eps: number,
  curve: EpsCurve,
): EpsWidth {
  const none = { width: null, extrapolated: null };
  if (curve.limit === 'no data') return { eps, how: 'refused', ...none, refusal: 'no data' };
  if (curve.widthFree) return { eps, how: 'refused', ...none, refusal: 'width-free' };
  const first = medians.findIndex((m) => m <= eps);
  if (first === 0) {
    return { eps, how: 'at-smallest', width: widths[0] ?? null, extrapolated: null, refusal: null };
  }
  if (first > 0) {
    const w0 = Math.log(widths[first - 1] ?? Number.NaN);
    const w1 = Math.log(widths[first] ?? Number.NaN);
    const m0 = Math.log(medians[first - 1] ?? Number.NaN);
    const m1 = Math.log(medians[first] ?? Number.NaN);
    // m0 > log eps >= m1, so the denominator is negative and t lies in (0, 1].
    const t = (Math.log(eps) - m0) / (m1 - m0);
    const width = Math.exp(w0 + t * (w1 - w0));
    return { eps, how: 'interpolated', width, extrapolated: null, refusal: null };
  }
  const refusal = extrapolationRefusal(curve);
  if (refusal === null && curve.fit !== null) {
    const extrapolated = Math.exp((Math.log(eps) - curve.fit.intercept) / curve.fit.slope);
    const widest = widths[widths.length - 1] ?? 0;
    if (extrapolated <= curve.maxExtrapolation * widest) {
      return { eps, how: 'extrapolated', width: null, extrapolated, refusal: null };
    }
    return { eps, how: 'not-reached', ...none, refusal: 'too far' };
  }
  return { eps, how: 'not-reached', ...none, refusal: refusal ?? 'too few widths' };
}
