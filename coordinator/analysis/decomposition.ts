import type { TargetKind } from '../../shared/targets/target.js';
import type { ResolvedAnalysisOptions } from './options.js';

/**
 * What limits a trained net's error at one width (project notes, "Error decomposition"):
 * - `width`: training and fresh points agree and training is close to the best known width-m
 *   approximant, so the error is the approximation the width allows (the thing widthsweep
 *   measures);
 * - `samples`: the error on fresh points is much larger than on the training points: the
 *   training sample, not the width, sets the error (estimation);
 * - `optimizer`: the net generalises, but an explicit width-m network does much better:
 *   training did not reach what the width can represent (optimisation);
 * - `evaluation floor`: the error is within noise of zero, so nothing can be read from it.
 */
export type LimitingFactor = 'width' | 'samples' | 'optimizer' | 'evaluation floor';

/** A width's limit, or `undetermined` where the decomposition lacks its data (older results). */
export type PointLimit = LimitingFactor | 'undetermined';

/** A curve's limit: `no data` for a curve with no done task. */
export type CurveFactor = PointLimit | 'no data';

/** Ties between factors go to the first: refusing a claim is the safe side. */
const PRIORITY: readonly PointLimit[] = [
  'evaluation floor',
  'samples',
  'optimizer',
  'undetermined',
  'width',
];

/** The per-width numbers the limit is read from (a PointSummary has them all). */
export interface PointDecomposition {
  readonly width: number;
  readonly medianL1: number | null;
  readonly medianL1Stderr: number | null;
  readonly medianTrainL1: number | null;
  readonly medianBestRef: number | null;
  readonly estimationGap: number | null;
  readonly optimisationGap: number | null;
}

/**
 * The limit at one width, in order: the evaluation floor (median L1 below floorL1 or within
 * floorStderrs standard errors); samples (estimation gap above estimationGap); optimizer
 * (optimisation gap above optimisationGap, where the estimation gap is known and small); width
 * (both gaps known and small); otherwise undetermined. Beside samples, `also` names the
 * optimizer when even the training-set error is optimisationGap times the best reference
 * (regression: the training-set error and the reference share the L1 measure; a classifier's
 * reference is compared sharpened, its training-set error is not).
 */
export function pointLimit(
  p: PointDecomposition,
  kind: TargetKind,
  options: ResolvedAnalysisOptions,
): { limit: PointLimit; also: PointLimit[] } {
  if (p.medianL1 === null) return { limit: 'undetermined', also: [] };
  const floorByNoise =
    p.medianL1Stderr !== null && p.medianL1 <= options.floorStderrs * p.medianL1Stderr;
  if (p.medianL1 < options.floorL1 || floorByNoise) return { limit: 'evaluation floor', also: [] };
  if (p.estimationGap !== null && p.estimationGap > options.estimationGap) {
    const onTrainingPoints =
      kind === 'regression' &&
      p.medianTrainL1 !== null &&
      p.medianBestRef !== null &&
      p.medianBestRef > 0
        ? p.medianTrainL1 / p.medianBestRef
        : null;
    const also: PointLimit[] =
      onTrainingPoints !== null && onTrainingPoints > options.optimisationGap ? ['optimizer'] : [];
    return { limit: 'samples', also };
  }
  if (p.estimationGap === null) {
    return { limit: 'undetermined', also: [] };
  }
  if (p.optimisationGap === null) return { limit: 'undetermined', also: [] };
  if (p.optimisationGap > options.optimisationGap) return { limit: 'optimizer', also: [] };
  return { limit: 'width', also: [] };
}

/** A curve's limit and where it sets in; the words are the verdict's (group-verdict.ts). */
export interface CurveLimit {
  readonly factor: CurveFactor;
  /**
   * The smallest width from which every width with data has a limit other than width (null for
   * `width` and `no data`); below it the curve may still measure width.
   */
  readonly fromWidth: number | null;
  /** Other factors that hold at the upper widths. */
  readonly also: readonly PointLimit[];
  /** The widths the limit was read from: the upper half of those with data. */
  readonly tailWidths: readonly number[];
}

/**
 * The curve's limit: the most frequent per-width limit over the upper half of the widths with
 * data (at least one; ties by PRIORITY), because the upper widths are the ones a rate and an
 * eps-width extrapolate from, and a majority keeps one noisy width from deciding.
 */
export function curveLimit(
  points: ReadonlyArray<{
    readonly width: number;
    readonly n: number;
    readonly limit: PointLimit;
    readonly alsoLimitedBy: readonly PointLimit[];
  }>,
): CurveLimit {
  const withData = points.filter((p) => p.n > 0);
  if (withData.length === 0)
    return { factor: 'no data', fromWidth: null, also: [], tailWidths: [] };
  const tail = withData.slice(Math.floor(withData.length / 2));
  const count = (f: PointLimit) => tail.filter((p) => p.limit === f).length;
  const factor = PRIORITY.reduce((best, f) => (count(f) > count(best) ? f : best));
  let fromWidth: number | null = null;
  if (factor !== 'width') {
    for (let i = withData.length - 1; i >= 0 && withData[i]?.limit !== 'width'; i--) {
      fromWidth = withData[i]?.width ?? null;
    }
  }
  const also = PRIORITY.filter(
    (f) =>
      f !== factor &&
      f !== 'width' &&
      f !== 'undetermined' &&
      tail.some((p) => p.limit === f || p.alsoLimitedBy.includes(f)),
  );
  return { factor, fromWidth, also, tailWidths: tail.map((p) => p.width) };
}
