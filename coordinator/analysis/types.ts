import type { TargetKind } from '../../shared/targets/target.js';
import type { TrainMode } from '../../shared/train-mode.js';
import type { CurveShape } from './curve-shape.js';
import type { CurveLimit, PointLimit } from './decomposition.js';
import type { EpsWidth } from './eps-width.js';
import type { ResolvedAnalysisOptions } from './options.js';
import type { LineFit } from '../../shared/stats.js';

export type Answer = 'yes' | 'partly' | 'no' | 'inconclusive' | 'no data';

/** The study's answer to one research question, with what it rests on and what it cannot say. */
export interface StudyVerdict {
  readonly rq: 'RQ1' | 'RQ2' | 'RQ3' | 'RQ4' | 'RQ5';
  readonly question: string;
  readonly answer: Answer;
  readonly evidence: string;
  readonly limits: string;
}

/** One width of a curve: statistics over the seeds that are done. */
export interface PointSummary {
  readonly width: number;
  /** Tasks at this width (seeds), whatever their status. */
  readonly tasks: number;
  /** Seeds done. */
  readonly n: number;
  readonly medianL1: number | null;
  readonly q1: number | null;
  readonly q3: number | null;
  readonly minL1: number | null;
  readonly maxL1: number | null;
  /** Classification only. */
  readonly medianAccuracy: number | null;
  /** Classification only: the L1 error with logits scaled by eval.sharpen. */
  readonly medianSharpenedL1: number | null;
  /** The random-feature reference, in the same measure as medianL1. */
  readonly medianRefL1: number | null;
  /** Classification only: the random-feature reference's sharpened L1. */
  readonly medianRefSharpenedL1: number | null;
  /** d = 1, bounded targets: the m-knot interpolant, in the same measure as medianL1. */
  readonly medianInterpL1: number | null;
  /** Classification in d = 1 only: the interpolant's sharpened L1. */
  readonly medianInterpSharpenedL1: number | null;
  /**
   * Trained / random-feature reference: on the L1 error for regression, on the sharpened L1 for
   * classification (a least-squares fit to indicators has no natural logit scale).
   */
  readonly gap: number | null;
  /** Median evaluation L2 error over the seeds with one (null where the target is not in L2). */
  readonly medianL2: number | null;
  /** Median standard error of the evaluation's L1 estimate. */
  readonly medianL1Stderr: number | null;
  /** Median L1 / L2 error on the training points (training-set error), same measure as medianL1. */
  readonly medianTrainL1: number | null;
  readonly medianTrainL2: number | null;
  /**
   * Median over seeds of the best reference's error in the gap's measure (L1 for regression,
   * sharpened L1 for classification): the smallest over every reference method of the task.
   */
  readonly medianBestRef: number | null;
  /** The method that is best at most seeds (ties: the first in REFERENCE_METHODS order). */
  readonly bestRefMethod: string | null;
  /**
   * Estimation gap: medianL1 / medianTrainL1 (fresh points against the training points), the
   * denominator floored at floorL1 (a training set fitted to float precision).
   */
  readonly estimationGap: number | null;
  /** The same in L2: evaluation L2 / training RMSE; null where L2 is null. */
  readonly estimationGapL2: number | null;
  /**
   * Optimisation gap: trained / best reference, in the gap's measure, the denominator floored at
   * floorL1 (an exact reference such as the teacher from width k).
   */
  readonly optimisationGap: number | null;
  /** What limits the error at this width (see decomposition.ts). */
  readonly limit: PointLimit;
  /** Factors that hold besides `limit` (e.g. optimizer beside samples). */
  readonly alsoLimitedBy: readonly PointLimit[];
}

export interface GroupAnalysis {
  readonly target: string;
  readonly targetParams: Readonly<Record<string, unknown>>;
  readonly kind: TargetKind;
  readonly mode: TrainMode;
  readonly dim: number;
  /** e.g. `sine (d = 1)`, `disk (d = 2, construction)`. */
  readonly label: string;
  readonly points: readonly PointSummary[];
  readonly shape: CurveShape;
  /** Log-log slope of median L1 against width over fitWidths; null below minRateWidths widths. */
  readonly slope: number | null;
  readonly slopeCi: readonly [number, number] | null;
  readonly fit: LineFit | null;
  readonly fitWidths: readonly [number, number] | null;
  readonly saturationWidth: number | null;
  /** Slope of the reference's median (gap measure) over fitWidths. */
  readonly refSlope: number | null;
  /** Slope of the interpolant's median (gap measure) over fitWidths (d = 1). */
  readonly interpSlope: number | null;
  /** Classification only: slope of the median sharpened L1 over fitWidths. */
  readonly sharpenedSlope: number | null;
  readonly eps: readonly EpsWidth[];
  /** Median over widths of the per-width gap. */
  readonly medianGap: number | null;
  /** What limits the curve, from the error decomposition at its upper widths. */
  readonly limit: CurveLimit;
  /**
   * The same read over the fit range only (null without a rate): a saturating curve's rate can
   * measure the width even where samples limit the widths after it. The rate is a width rate only
   * where this is `width`.
   */
  readonly fitLimit: CurveLimit | null;
  /**
   * Slopes fitted on the lower and the upper half of the fit range, when their intervals exist;
   * `overlap` false means the rate depends on the fit range.
   */
  readonly rangeCheck: RangeCheck | null;
  /** The tasks' resolved training recipe, for the advice on what would lift a limit. */
  readonly recipe: { readonly samples: readonly number[]; readonly optimizers: readonly string[] };
  /** Checks against theory that failed (e.g. a slope steeper than the interpolant's -2). */
  readonly warnings: readonly string[];
  readonly verdict: string;
}

export interface HalfFit {
  readonly widths: readonly [number, number];
  readonly slope: number;
  readonly ci: readonly [number, number];
}

export interface RangeCheck {
  readonly lower: HalfFit;
  readonly upper: HalfFit;
  readonly overlap: boolean;
}

export interface StudyAnalysis {
  readonly study: string;
  readonly options: ResolvedAnalysisOptions;
  readonly groups: readonly GroupAnalysis[];
  readonly verdicts: readonly StudyVerdict[];
}
