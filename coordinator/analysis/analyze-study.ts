import type { TrainMode } from '../../shared/train-mode.js';
import { bootstrapSlopeInterval } from './bootstrap.js';
import type { WidthSample } from './bootstrap.js';
import { classifyCurve } from './curve-shape.js';
import { epsWidth } from './eps-width.js';
import type { StudyData, TaskRecord } from './load.js';
import { resolveAnalysisOptions } from './options.js';
import type { AnalysisOptions, ResolvedAnalysisOptions } from './options.js';
import { fitLogLog, median, quantile } from './stats.js';
import type { LineFit } from './stats.js';
import { groupVerdict, studyVerdicts } from './verdicts.js';
import type { GroupAnalysis, PointSummary, StudyAnalysis } from './types.js';

const finite = (values: ReadonlyArray<number | null>): number[] =>
  values.filter((v): v is number => v !== null && Number.isFinite(v));

const orNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

function medianOf(tasks: readonly TaskRecord[], pick: (t: TaskRecord) => number | null) {
  return orNull(median(finite(tasks.map(pick))));
}

function summarisePoint(width: number, tasks: readonly TaskRecord[]): PointSummary {
  const l1 = finite(tasks.map((t) => t.l1));
  const classification = tasks[0]?.kind === 'classification';
  const medianL1 = orNull(median(l1));
  const medianRefL1 = medianOf(tasks, (t) => t.rfL1);
  const medianSharpenedL1 = classification ? medianOf(tasks, (t) => t.sharpenedL1) : null;
  const medianRefSharpenedL1 = classification ? medianOf(tasks, (t) => t.rfSharpenedL1) : null;
  const ratio = (a: number | null, b: number | null) =>
    a === null || b === null || !(b > 0) ? null : a / b;
  return {
    width,
    tasks: tasks.length,
    n: l1.length,
    medianL1,
    q1: orNull(quantile(l1, 0.25)),
    q3: orNull(quantile(l1, 0.75)),
    minL1: l1.length > 0 ? Math.min(...l1) : null,
    maxL1: l1.length > 0 ? Math.max(...l1) : null,
    medianAccuracy: classification ? medianOf(tasks, (t) => t.accuracy) : null,
    medianSharpenedL1,
    medianRefL1,
    medianRefSharpenedL1,
    medianInterpL1: medianOf(tasks, (t) => t.interpL1),
    medianInterpSharpenedL1: classification ? medianOf(tasks, (t) => t.interpSharpenedL1) : null,
    gap: classification
      ? ratio(medianSharpenedL1, medianRefSharpenedL1)
      : ratio(medianL1, medianRefL1),
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
    .map(([width, list]) => summarisePoint(width, list));
  const usable = points.filter((p) => (p.medianL1 ?? 0) > 0);
  const widths = usable.map((p) => p.width);
  const medians = usable.map((p) => p.medianL1 ?? Number.NaN);
  const curve = classifyCurve(widths, medians, options.flatSlope);
  let fit: LineFit | null = null;
  let slopeCi: [number, number] | null = null;
  let fitWidths: [number, number] | null = null;
  if (curve.fitRange !== null) {
    const [lo, hi] = curve.fitRange;
    fit = fitLogLog(widths.slice(lo, hi + 1), medians.slice(lo, hi + 1));
    fitWidths = [widths[lo] ?? 0, widths[hi] ?? 0];
    const range = fitWidths;
    const samples: WidthSample[] = usable
      .filter((p) => p.width >= range[0] && p.width <= range[1])
      .map((p) => ({
        width: p.width,
        values: finite((byWidth.get(p.width) ?? []).map((t) => t.l1)).filter((v) => v > 0),
      }));
    slopeCi = bootstrapSlopeInterval(samples, options);
  }
  const classification = first.kind === 'classification';
  const gaps = finite(points.map((p) => p.gap));
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
    eps: options.eps.map((eps) => epsWidth(widths, medians, eps, fit, curve.shape)),
    medianGap: gaps.length > 0 ? median(gaps) : null,
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
