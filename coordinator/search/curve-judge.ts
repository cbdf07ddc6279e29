import { classifyCurve } from '../analysis/curve-shape.js';

/** One probed width of a curve as a judge sees it. */
export interface JudgedPoint {
  readonly width: number;
  /** Median error over the seeds that finished (Infinity where every seed diverged). */
  readonly median: number;
  /** The seeds' errors, for judges that look at the spread. */
  readonly values: readonly number[];
  /** The tasks behind the point, for judges that read more than the error (references, …). */
  readonly taskIds: readonly string[];
}

/**
 * Decides whether a curve that has not reached eps yet ever will by width alone. The search asks
 * before it climbs the next rung; a reason stops that eps as `unreachable` instead of probing
 * towards maxWidth. The analysis's limiting-factor verdicts (samples, optimizer, evaluation floor)
 * plug in here.
 */
export interface CurveJudge {
  /** A reason the curve will not reach eps, or undefined to keep climbing. Points ascend by width. */
  unreachable(points: readonly JudgedPoint[], eps: number): string | undefined;
}

export interface CurveShapeJudgeOptions {
  /** A tail with log-log slope above -flatSlope is flat (as analyze). Unit: slope. @default 0.1 */
  flatSlope?: number;
  /** Fewest probed widths before a curve may be called flat: two rungs are one noisy slope. @default 3 */
  minPoints?: number;
}

/** The judge built on analyze's curve-shape rules: flat, or saturated above eps. */
export function curveShapeJudge(options: CurveShapeJudgeOptions = {}): CurveJudge {
  const flatSlope = options.flatSlope ?? 0.1;
  const minPoints = options.minPoints ?? 3;
  return {
    unreachable(points, eps) {
      const finite = points.filter((p) => Number.isFinite(p.median) && p.median > 0);
      if (finite.length < minPoints) return undefined;
      const widths = finite.map((p) => p.width);
      const medians = finite.map((p) => p.median);
      const shape = classifyCurve(widths, medians, flatSlope);
      const best = Math.min(...medians);
      const first = widths[0] ?? 0;
      const last = widths[widths.length - 1] ?? 0;
      if (shape.shape === 'flat') {
        return `flat: log-log slope above -${flatSlope} over widths ${first}-${last}, best median ${fmt(best)} > eps ${fmt(eps)}`;
      }
      if (shape.shape === 'saturating' && shape.saturationIndex !== null) {
        const from = widths[shape.saturationIndex] ?? first;
        return `saturated: flat from width ${from} to ${last}, best median ${fmt(best)} > eps ${fmt(eps)}`;
      }
      return undefined;
    },
  };
}

const fmt = (x: number): string => x.toPrecision(3);
