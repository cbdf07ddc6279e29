import type { TrainMode } from '../../shared/train-mode.js';
import { bootstrapSlopeInterval } from './bootstrap.js';
import type { WidthSample } from './bootstrap.js';
import { classifyCurve } from './curve-shape.js';
import { epsWidth } from './eps-width.js';
import type { StudyData, TaskRecord } from './load.js';
import { resolveAnalysisOptions } from './options.js';
import type { AnalysisOptions, ResolvedAnalysisOptions } from './options.js';
import { fitLogLog, median, quantile } from '../../shared/stats.js';
import type { LineFit } from '../../shared/stats.js';
import { curveLimit, pointLimit } from './decomposition.js';
import { groupVerdict } from './group-verdict.js';
import { targetFacts } from './target-facts.js';
import { studyVerdicts } from './verdicts.js';
import type { GroupAnalysis, HalfFit, PointSummary, RangeCheck, StudyAnalysis } from './types.js';

const finite = (values: ReadonlyArray<number | null>): number[] =>
  values.filter((v): v is number => v !== null && Number.isFinite(v));

const orNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

function medianOf(tasks: readonly TaskRecord[], pick: (t: TaskRecord) => number | null) {
  return orNull(median(finite(tasks.map(pick))));
}

const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || !(b > 0) ? null : a / b;

/** The most frequent value (ties: the first seen), or null. */
function mode(values: ReadonlyArray<string | null>): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, c] of counts) if (best === null || c > (counts.get(best) ?? 0)) best = v;
  return best;
}

function summarisePoint(
  width: number,
  tasks: readonly TaskRecord[],
  options: ResolvedAnalysisOptions,
): PointSummary {
  const done = tasks.filter((t) => t.l1 !== null && Number.isFinite(t.l1));
  const l1 = finite(done.map((t) => t.l1));
  const kind = tasks[0]?.kind ?? 'regression';
  const classification = kind === 'classification';
  const medianL1 = orNull(median(l1));
  const medianRefL1 = medianOf(done, (t) => t.rfL1);
  const medianSharpenedL1 = classification ? medianOf(done, (t) => t.sharpenedL1) : null;
  const medianRefSharpenedL1 = classification ? medianOf(done, (t) => t.rfSharpenedL1) : null;
  const medianL2 = medianOf(done, (t) => t.l2);
  const medianTrainL1 = medianOf(done, (t) => t.trainL1);
  const medianTrainL2 = medianOf(done, (t) => t.trainL2);
  const medianL1Stderr = medianOf(done, (t) => t.l1Stderr);
  const medianBestRef = medianOf(done, (t) =>
    classification ? t.bestRefSharpenedL1 : t.bestRefL1,
  );
  // A training set fitted below the floor (a classifier with huge logits on separated points)
  // has no meaningful error to divide by: it counts as the floor, so the gap stays finite.
  const trainFloored = medianTrainL1 === null ? null : Math.max(medianTrainL1, options.floorL1);
  const estimationGap = ratio(medianL1, trainFloored);
  // An exact reference (teacher from width k: error 0) counts as the floor, the smallest error
  // the evaluation resolves, so a trained net short of it is optimiser-limited, not undetermined.
  const bestFloored = medianBestRef === null ? null : Math.max(medianBestRef, options.floorL1);
  const optimisationGap = ratio(classification ? medianSharpenedL1 : medianL1, bestFloored);
  const { limit, also } = pointLimit(
    {
      width,
      medianL1,
      medianL1Stderr,
      medianTrainL1,
      medianBestRef,
      estimationGap,
      optimisationGap,
    },
    kind,
    options,
  );
  return {
    width,
    tasks: tasks.length,
    n: l1.length,
    medianL1,
    q1: orNull(quantile(l1, 0.25)),
    q3: orNull(quantile(l1, 0.75)),
    minL1: l1.length > 0 ? Math.min(...l1) : null,
    maxL1: l1.length > 0 ? Math.max(...l1) : null,
    medianAccuracy: classification ? medianOf(done, (t) => t.accuracy) : null,
    medianSharpenedL1,
    medianRefL1,
    medianRefSharpenedL1,
    medianInterpL1: medianOf(done, (t) => t.interpL1),
    medianInterpSharpenedL1: classification ? medianOf(done, (t) => t.interpSharpenedL1) : null,
    gap: classification
      ? ratio(medianSharpenedL1, medianRefSharpenedL1)
      : ratio(medianL1, medianRefL1),
    medianL2,
    medianL1Stderr,
    medianTrainL1,
    medianTrainL2,
    medianBestRef,
    bestRefMethod: mode(done.map((t) => t.bestRefMethod)),
    estimationGap,
    estimationGapL2: ratio(
      medianL2,
      medianTrainL2 === null ? null : Math.max(medianTrainL2, options.floorL1),
    ),
    optimisationGap,
    limit,
    alsoLimitedBy: also,
  };
}

function groupLabel(target: string, params: Record<string, unknown>, dim: number, mode: TrainMode) {
  const shown = Object.entries(params)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${String(v)}`);
  const parts = [`d = ${dim}`, ...shown, ...(mode === 'construction' ? ['construction'] : [])];
  return `${target} (${parts.join(', ')})`;
}

/** Slope of a per-width series over the points in [lo, hi] where it is positive. */
function seriesSlope(
  points: readonly PointSummary[],
  range: readonly [number, number] | null,
  pick: (p: PointSummary) => number | null,
): number | null {
  if (range === null) return null;
  const inRange = points.filter((p) => p.width >= range[0] && p.width <= range[1]);
  const usable = inRange.filter((p) => (pick(p) ?? 0) > 0);
  if (usable.length < 2) return null;
  return orNull(
    fitLogLog(
      usable.map((p) => p.width),
      usable.map((p) => pick(p) ?? Number.NaN),
    ).slope,
  );
}

/** The per-seed errors of the points in [lo, hi], for the bootstrap. */
function widthSamples(
  usable: readonly PointSummary[],
  byWidth: ReadonlyMap<number, readonly TaskRecord[]>,
  range: readonly [number, number],
): WidthSample[] {
  return usable
    .filter((p) => p.width >= range[0] && p.width <= range[1])
    .map((p) => ({
      width: p.width,
      values: finite((byWidth.get(p.width) ?? []).map((t) => t.l1)).filter((v) => v > 0),
    }));
}

/**
 * Refits the lower and the upper half of the fit range (sharing the middle width when their
 * count is odd) with their own bootstrap intervals: intervals that do not overlap say the curve is
 * not one power law over the range, so its rate depends on which widths were measured. Needs at
 * least four widths (two per half) and an interval for each half.
 */
function checkFitRange(
  usable: readonly PointSummary[],
  byWidth: ReadonlyMap<number, readonly TaskRecord[]>,
  range: readonly [number, number],
  options: ResolvedAnalysisOptions,
): RangeCheck | null {
  const inRange = usable.filter((p) => p.width >= range[0] && p.width <= range[1]);
  if (inRange.length < 4) return null;
  const half = Math.ceil(inRange.length / 2);
  const fitHalf = (points: readonly PointSummary[]): HalfFit | null => {
    const widths: [number, number] = [points[0]?.width ?? 0, points[points.length - 1]?.width ?? 0];
    const ci = bootstrapSlopeInterval(widthSamples(points, byWidth, widths), options);
    const slope = fitLogLog(
      points.map((p) => p.width),
      points.map((p) => p.medianL1 ?? Number.NaN),
    ).slope;
    return ci === null || !Number.isFinite(slope) ? null : { widths, slope, ci };
  };
  const lower = fitHalf(inRange.slice(0, half));
  const upper = fitHalf(inRange.slice(inRange.length - half));
  if (lower === null || upper === null) return null;
  const overlap = lower.ci[0] <= upper.ci[1] && upper.ci[0] <= lower.ci[1];
  return { lower, upper, overlap };
}

const distinct = <T>(values: ReadonlyArray<T | null>): T[] => [
  ...new Set(values.filter((v): v is T => v !== null)),
];

function analyseGroup(
  tasks: readonly TaskRecord[],
  options: ResolvedAnalysisOptions,
): Omit<GroupAnalysis, 'verdict'> {
  const first = tasks[0] as TaskRecord;
  const params = JSON.parse(first.targetParams) as Record<string, unknown>;
  const byWidth = new Map<number, TaskRecord[]>();
  for (const task of tasks) {
    // Appending in place: copying the array per task is quadratic in a study's seeds.
    const atWidth = byWidth.get(task.width);
    if (atWidth === undefined) byWidth.set(task.width, [task]);
    else atWidth.push(task);
  }
  const points = [...byWidth.entries()]
    .sort(([a], [b]) => a - b)
    .map(([width, list]) => summarisePoint(width, list, options));
  const usable = points.filter((p) => (p.medianL1 ?? 0) > 0);
  const widths = usable.map((p) => p.width);
  const medians = usable.map((p) => p.medianL1 ?? Number.NaN);
  // Two widths always lie on a line: below minRateWidths there is no shape and no rate.
  const curve =
    usable.length < options.minRateWidths
      ? classifyCurve([], [], options.flatSlope)
      : classifyCurve(widths, medians, options.flatSlope);
  let fit: LineFit | null = null;
  let slopeCi: [number, number] | null = null;
  let fitWidths: [number, number] | null = null;
  let rangeCheck: RangeCheck | null = null;
  if (
    curve.fitRange !== null &&
    curve.fitRange[1] - curve.fitRange[0] + 1 >= options.minRateWidths
  ) {
    const [lo, hi] = curve.fitRange;
    fit = fitLogLog(widths.slice(lo, hi + 1), medians.slice(lo, hi + 1));
    fitWidths = [widths[lo] ?? 0, widths[hi] ?? 0];
    slopeCi = bootstrapSlopeInterval(widthSamples(usable, byWidth, fitWidths), options);
    rangeCheck = checkFitRange(usable, byWidth, fitWidths, options);
  }
  const classification = first.kind === 'classification';
  const gaps = finite(points.map((p) => p.gap));
  const limit = curveLimit(points);
  const range = fitWidths ?? [0, 0];
  const widthFree = targetFacts(first.target, first.dim, params).widthFree !== null;
  const epsCurve = {
    shape: curve.shape,
    fit,
    limit: limit.factor,
    widthFree,
    rangeDependent: rangeCheck !== null && !rangeCheck.overlap,
    maxExtrapolation: options.maxExtrapolation,
  };
  return {
    target: first.target,
    targetParams: params,
    kind: first.kind,
    mode: first.mode,
    dim: first.dim,
    label: groupLabel(first.target, params, first.dim, first.mode),
    points,
    shape: curve.shape,
    slope: fit === null ? null : orNull(fit.slope),
    slopeCi,
    fit,
    fitWidths,
    saturationWidth:
      curve.saturationIndex === null ? null : (widths[curve.saturationIndex] ?? null),
    refSlope: seriesSlope(points, fitWidths, (p) =>
      classification ? p.medianRefSharpenedL1 : p.medianRefL1,
    ),
    interpSlope: seriesSlope(points, fitWidths, (p) =>
      classification ? p.medianInterpSharpenedL1 : p.medianInterpL1,
    ),
    sharpenedSlope: classification
      ? seriesSlope(points, fitWidths, (p) => p.medianSharpenedL1)
      : null,
    eps: options.eps.map((eps) => epsWidth(widths, medians, eps, epsCurve)),
    medianGap: gaps.length > 0 ? median(gaps) : null,
    limit,
    fitLimit:
      fitWidths === null
        ? null
        : curveLimit(points.filter((p) => p.width >= range[0] && p.width <= range[1])),
    rangeCheck,
    recipe: {
      samples: distinct(tasks.map((t) => t.samples)).sort((a, b) => a - b),
      optimizers: distinct(tasks.map((t) => t.optimizer)).sort(),
    },
    warnings: [],
  };
}

/**
 * The convergence analysis of one study: tasks grouped into curves by (target and parameters,
 * training mode, d), in spec order; per width the statistics over done seeds; per curve the shape,
 * the fitted rate with its bootstrap interval, eps-widths, the gap to the reference, and a
 * verdict; and the study's answers to the research questions.
 */
export function analyzeStudy(data: StudyData, options: AnalysisOptions = {}): StudyAnalysis {
  const resolved = resolveAnalysisOptions(options);
  const groups = new Map<string, TaskRecord[]>();
  for (const task of data.tasks) {
    const key = `${task.target}\u0000${task.targetParams}\u0000${task.mode}\u0000${task.dim}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [task]);
    else group.push(task);
  }
  const analysed = [...groups.values()].map((tasks) => {
    const group = analyseGroup(tasks, resolved);
    const { verdict, warnings } = groupVerdict(group, resolved);
    return { ...group, warnings, verdict };
  });
  return {
    study: data.study,
    options: resolved,
    groups: analysed,
    verdicts: studyVerdicts(analysed, resolved),
  };
}
