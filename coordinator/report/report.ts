import type { TopLevelSpec } from 'vega-lite';
import { predictionGrid } from '../../shared/predictions.js';
import { createTarget } from '../../shared/targets/registry.js';
import type { PredictionRecord, StudyData, TaskRecord } from '../analysis/load.js';
import type { GroupAnalysis, StudyAnalysis } from '../analysis/types.js';
import { limitPhrase } from '../analysis/verdicts.js';
import {
  convergenceChart,
  decompositionChart,
  functionChart,
  regionsChart,
  seriesName,
} from './charts.js';
import type { FunctionPanel, RegionPanel } from './charts.js';
import { figure, groupSection, reportPage } from './html.js';
import { renderSvg } from './render-svg.js';
import type { SearchMarksOf } from './search-layers.js';

/** Prediction grids by task id, for the tasks asked for. */
export type PredictionLoader = (taskIds: readonly string[]) => Map<string, PredictionRecord>;

export interface ReportOptions {
  /** Widths shown in the function and decision-region plots of a curve. @default 3 */
  panels?: number;
  /** The time stamp printed in the report (tests pin it). @default now, ISO 8601 */
  generatedAt?: string;
  /** A width search's probes and brackets, drawn on the convergence charts. @default none */
  search?: SearchMarksOf;
}

export interface ResolvedReportOptions {
  readonly panels: number;
  readonly generatedAt: string;
  readonly search: SearchMarksOf | undefined;
}

export function resolveReportOptions(options: ReportOptions = {}): ResolvedReportOptions {
  return {
    panels: options.panels ?? 3,
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    search: options.search,
  };
}

const SEARCH_CAPTION =
  ' Width search: hollow diamonds at the probed widths (median over the seeds it trained there), and per eps its bracket [lo, hi] as a thick segment at the height eps (dotted line), labelled.';

function tasksOf(g: GroupAnalysis, tasks: readonly TaskRecord[]): TaskRecord[] {
  const params = JSON.stringify(g.targetParams);
  return tasks.filter(
    (t) =>
      t.target === g.target &&
      t.mode === g.mode &&
      t.dim === g.dim &&
      JSON.stringify(JSON.parse(t.targetParams)) === params,
  );
}

/**
 * The tasks a curve's plots show: up to `count` widths spread over the measured ones (the
 * smallest, the largest, and evenly between), and at each the seed with the median error, so
 * the picture is typical rather than the best or worst run.
 */
function representatives(g: GroupAnalysis, tasks: readonly TaskRecord[], count: number) {
  const done = tasksOf(g, tasks).filter((t) => t.l1 !== null);
  const widths = [...new Set(done.map((t) => t.width))].sort((a, b) => a - b);
  const picked =
    widths.length <= count
      ? widths
      : [
          ...new Set(
            Array.from(
              { length: count },
              (_, i) => widths[Math.round((i * (widths.length - 1)) / (count - 1))] ?? 0,
            ),
          ),
        ];
  return picked.flatMap((width) => {
    const atWidth = done.filter((t) => t.width === width).sort((a, b) => (a.l1 ?? 0) - (b.l1 ?? 0));
    const mid = atWidth[Math.floor((atWidth.length - 1) / 2)];
    return mid === undefined ? [] : [mid];
  });
}

/** The curve's trained / training-set / best-reference errors, with the limit per width. */
async function decompositionFigure(g: GroupAnalysis): Promise<string> {
  if (!g.points.some((p) => p.n > 0)) return '';
  const svg = await renderSvg(decompositionChart(g));
  return figure(
    svg,
    `${g.label}: median error on fresh points (solid) and on the nets' own training points (dashed; the gap is estimation: samples), and the best reference approximant of the same width (dotted; an explicit width-m network, so the gap to it is optimisation). Marks: the limit read at each width. ${limitPhrase(g)}.`,
  );
}

/** What a function or region plot needs to know of its curve. */
export type PlotCurve = Pick<GroupAnalysis, 'target' | 'targetParams' | 'label'>;
/** What a function or region plot needs to know of a task it shows. */
export type PlotTask = Pick<TaskRecord, 'taskId' | 'width' | 'seed' | 'l1'>;

/** The learned functions of `chosen` against the target (d = 1); null without predictions. */
export function functionSpec(
  g: PlotCurve,
  chosen: readonly PlotTask[],
  predictions: ReadonlyMap<string, PredictionRecord>,
): TopLevelSpec | null {
  const grid = predictionGrid(1);
  const target = createTarget({ name: g.target, params: g.targetParams }, 1);
  let truth: Float64Array;
  if (target.kind === 'regression') {
    truth = target.values(grid.x, grid.n);
  } else {
    const labels = target.labels(grid.x, grid.n);
    truth = Float64Array.from(labels, (c) => (c === 0 ? 1 : 0));
  }
  const panels: FunctionPanel[] = chosen.flatMap((t) => {
    const p = predictions.get(t.taskId);
    if (p === undefined || p.dim !== 1 || p.size !== grid.n) return [];
    const net =
      p.outputs === 1
        ? p.values
        : Float32Array.from({ length: grid.n }, (_, i) => p.values[i * p.outputs] ?? 0);
    return [{ width: t.width, seed: t.seed, l1: t.l1 ?? Number.NaN, x: grid.x, net }];
  });
  if (panels.length === 0) return null;
  const yTitle = target.kind === 'regression' ? 'f(x), g(x)' : 'P(class 0), 1[class 0]';
  return functionChart(g.label, yTitle, truth, panels);
}

/** The decision regions of `chosen` (d = 2 classification); null without predictions. */
export function regionsSpec(
  g: PlotCurve,
  chosen: readonly PlotTask[],
  predictions: ReadonlyMap<string, PredictionRecord>,
): TopLevelSpec | null {
  const grid = predictionGrid(2);
  const target = createTarget({ name: g.target, params: g.targetParams }, 2);
  if (target.kind !== 'classification') return null;
  const truth = target.labels(grid.x, grid.n);
  const panels: RegionPanel[] = chosen.flatMap((t) => {
    const p = predictions.get(t.taskId);
    if (p === undefined || p.dim !== 2 || p.size * p.size !== grid.n) return [];
    const predicted = new Int32Array(grid.n);
    for (let i = 0; i < grid.n; i++) {
      let best = 0;
      for (let k = 1; k < p.outputs; k++) {
        if ((p.values[i * p.outputs + k] ?? 0) > (p.values[i * p.outputs + best] ?? 0)) best = k;
      }
      predicted[i] = best;
    }
    return [{ width: t.width, seed: t.seed, size: p.size, predicted, truth }];
  });
  if (panels.length === 0) return null;
  return regionsChart(g.label, panels);
}

async function functionFigure(
  g: GroupAnalysis,
  chosen: readonly TaskRecord[],
  predictions: ReadonlyMap<string, PredictionRecord>,
): Promise<string> {
  const spec = functionSpec(g, chosen, predictions);
  if (spec === null) return '';
  return figure(
    await renderSvg(spec),
    `${g.label}: the median-error seed at each width shown; the target in its own colour.`,
  );
}

async function regionsFigure(
  g: GroupAnalysis,
  chosen: readonly TaskRecord[],
  predictions: ReadonlyMap<string, PredictionRecord>,
): Promise<string> {
  const spec = regionsSpec(g, chosen, predictions);
  if (spec === null) return '';
  return figure(
    await renderSvg(spec),
    `${g.label}: predicted class on a 64 x 64 grid of cell centres (median-error seed per width); red cells are misclassified.`,
  );
}

function recipeLine(data: StudyData): string {
  const spec = data.spec as {
    grid?: { widths?: number[]; seeds?: number[] };
    train?: Record<string, unknown>;
    eval?: Record<string, unknown>;
  };
  const train = Object.entries(spec.train ?? {})
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  const evaluation = Object.entries(spec.eval ?? {})
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  return `widths ${(spec.grid?.widths ?? []).join(', ')}; seeds ${(spec.grid?.seeds ?? []).join(', ')}; train: ${train}; eval: ${evaluation}.`;
}

/**
 * The HTML report of an analysed study: research-question verdicts, then per target its
 * log-log convergence chart, the per-curve tables and verdicts, the learned functions (d = 1)
 * and the decision regions (d = 2 classification). Every chart is Vega-Lite rendered to SVG in
 * Node and inlined, so the file opens offline.
 */
export async function buildReport(
  analysis: StudyAnalysis,
  data: StudyData,
  loadPredictions: PredictionLoader,
  options: ReportOptions = {},
): Promise<string> {
  const { panels, generatedAt, search } = resolveReportOptions(options);
  const byTarget = new Map<string, GroupAnalysis[]>();
  for (const g of analysis.groups) {
    const key = `${g.target} ${JSON.stringify(g.targetParams)}`;
    byTarget.set(key, [...(byTarget.get(key) ?? []), g]);
  }
  const sections: Array<{ title: string; html: string }> = [];
  for (const groups of byTarget.values()) {
    const first = groups[0] as GroupAnalysis;
    const shown = Object.entries(first.targetParams)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k}=${String(v)}`);
    const title = shown.length === 0 ? first.target : `${first.target} (${shown.join(', ')})`;
    const parts: string[] = [];
    const svg = await renderSvg(convergenceChart(first.target, groups, search));
    const searched = search !== undefined && groups.some((g) => search(g) !== undefined);
    parts.push(
      figure(
        svg,
        `Median over seeds (solid), seed range min-max (band), fitted power law over the fit range (dashed), references (dotted: random features; dash-dot: interpolant). Curves: ${groups.map(seriesName).join('; ')}.${searched ? SEARCH_CAPTION : ''}`,
      ),
    );
    for (const g of groups) {
      parts.push(groupSection(g));
      parts.push(await decompositionFigure(g));
      const chosen = representatives(g, data.tasks, panels);
      const predictions = loadPredictions(chosen.map((t) => t.taskId));
      if (g.dim === 1) parts.push(await functionFigure(g, chosen, predictions));
      if (g.dim === 2 && g.kind === 'classification') {
        parts.push(await regionsFigure(g, chosen, predictions));
      }
    }
    sections.push({ title, html: parts.filter((p) => p !== '').join('\n') });
  }
  return reportPage({ analysis, recipe: recipeLine(data), sections, generatedAt });
}
