import { fitLogLog } from '../../shared/stats.js';

/**
 * What a curve of median error against width does:
 * - `falling`: still falling at the largest width; the rate is fitted over every width;
 * - `saturating`: falls, then stops falling from `saturationWidth` on; the rate is fitted up to
 *   that width;
 * - `flat`: never falls at a meaningful rate, so a width exponent would be meaningless;
 * - `too-few-points`: fewer than two widths with errors.
 */
export type CurveShape = 'falling' | 'saturating' | 'flat' | 'too-few-points';

export interface CurveShapeResult {
  readonly shape: CurveShape;
  /** Index of the width after which the error stops falling (saturating only). */
  readonly saturationIndex: number | null;
  /** Indices [first, last] (inclusive) of the widths the rate is fitted over. */
  readonly fitRange: readonly [number, number] | null;
}

/**
 * Finds where a curve stops falling. The tail from index k is "flat" when the least-squares
 * slope of log(median) against log(width) over widths k..last is above -flatSlope (for
 * flatSlope = 0.1: doubling the width buys less than 7%). The saturation index is the smallest k
 * from which every tail is flat, so a single noisy point never hides a later fall; a curve
 * flat from its first width, or whose fall before saturation is itself flatter than -flatSlope,
 * is `flat`. Widths must be ascending and medians positive.
 */
export function classifyCurve(
  widths: readonly number[],
  medians: readonly number[],
  flatSlope: number,
): CurveShapeResult {
  const n = Math.min(widths.length, medians.length);
  if (n < 2) return { shape: 'too-few-points', saturationIndex: null, fitRange: null };
  const tailIsFlat = (k: number): boolean =>
    fitLogLog(widths.slice(k, n), medians.slice(k, n)).slope > -flatSlope;
  let saturation: number | null = null;
  for (let k = n - 2; k >= 0 && tailIsFlat(k); k--) saturation = k;
  if (saturation === null) return { shape: 'falling', saturationIndex: null, fitRange: [0, n - 1] };
  const head = fitLogLog(widths.slice(0, saturation + 1), medians.slice(0, saturation + 1)).slope;
  if (saturation === 0 || !(head < -flatSlope)) {
    return { shape: 'flat', saturationIndex: null, fitRange: [0, n - 1] };
  }
  return { shape: 'saturating', saturationIndex: saturation, fitRange: [0, saturation] };
}
