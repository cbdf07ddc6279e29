import type { TopLevelSpec } from 'vega-lite';
import { predictLogLog } from '../../shared/stats.js';
import type { GroupAnalysis } from '../analysis/types.js';
import { fmt } from '../analysis/verdicts.js';

const WIDTH = 380;
const HEIGHT = 260;
const PANEL = 200;
const WIDTH_COLOURS = ['#e45756', '#f58518', '#4c78a8', '#54a24b', '#b279a2', '#9d755d'];

/** A curve's name in legends: its dimension, and the construction when it is one. */
export function seriesName(g: Pick<GroupAnalysis, 'dim' | 'mode'>): string {
  return g.mode === 'construction' ? `d = ${g.dim}, construction` : `d = ${g.dim}`;
}

/** The log2 width axis every error-against-width chart shares. */
const WIDTH_AXIS = {
  field: 'width',
  type: 'quantitative',
  scale: { type: 'log', base: 2 },
  axis: { title: 'width m', tickCount: 8 },
} as const;

/** A log error axis on the `value` field. */
const errorAxis = (title: string) =>
  ({ field: 'value', type: 'quantitative', scale: { type: 'log' }, axis: { title } }) as const;

/** Legend of line styles: stroke symbols long enough to show the dash pattern. */
const STROKE_LEGEND = { symbolType: 'stroke', labelLimit: 260, symbolSize: 300 } as const;

const positive = (x: number | null): x is number => x !== null && Number.isFinite(x) && x > 0;

/**
 * Log-log error against width for every curve of one target: per curve the median over seeds
 * (solid, with points), the seed range min-max as a band, the fitted power law over its fit
 * range (dashed), and the references (dotted: random features; dash-dot: interpolant). For
 * classification the trained line is the softmax L1 at logit scale 1 and the sharpened L1 and the
 * reference (whose unit-scale L1 depends on an arbitrary temperature) are drawn sharpened. The
 * slopes and intervals are in the subtitle, one line per curve.
 */
export function convergenceChart(target: string, groups: readonly GroupAnalysis[]): TopLevelSpec {
  const lines: Array<Record<string, unknown>> = [];
  const band: Array<Record<string, unknown>> = [];
  for (const g of groups) {
    const series = seriesName(g);
    const classification = g.kind === 'classification';
    for (const p of g.points) {
      const add = (curve: string, value: number | null) => {
        if (positive(value)) lines.push({ series, curve, width: p.width, value });
      };
      add('trained (median)', p.medianL1);
      if (classification) {
        add('trained, sharpened', p.medianSharpenedL1);
        add('random features, sharpened', p.medianRefSharpenedL1);
      } else {
        add('random features', p.medianRefL1);
        add('interpolant', p.medianInterpL1);
      }
      if (positive(p.minL1) && positive(p.maxL1)) {
        band.push({ series, width: p.width, lo: p.minL1, hi: p.maxL1 });
      }
    }
    if (g.fit !== null && g.fitWidths !== null && g.slope !== null) {
      for (const w of g.fitWidths) {
        lines.push({ series, curve: 'fitted power law', width: w, value: predictLogLog(g.fit, w) });
      }
    }
  }
  const curves = [...new Set(lines.map((l) => l.curve as string))];
  const dash = (c: string): number[] =>
    c.startsWith('trained (')
      ? [1, 0]
      : c.startsWith('fit')
        ? [12, 4]
        : c.startsWith('interpolant')
          ? [8, 3, 2, 3]
          : c.startsWith('trained,')
            ? [4, 3]
            : [1.5, 2.5];
  const x = WIDTH_AXIS;
  const subtitle = groups.map((g) => {
    const ci = g.slopeCi === null ? '' : ` [${fmt(g.slopeCi[0])}, ${fmt(g.slopeCi[1])}]`;
    return `${seriesName(g)}: ${g.shape}${g.slope === null ? '' : `, m^${fmt(g.slope)}${ci}`}`;
  });
  return {
    title: { text: `${target}: L1 error against width`, subtitle, subtitleFontSize: 10 },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: band },
        mark: { type: 'area', opacity: 0.15 },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative', scale: { type: 'log' } },
          y2: { field: 'hi' },
          color: { field: 'series', type: 'nominal', title: 'curve' },
        },
      },
      {
        data: { values: lines },
        mark: { type: 'line', point: true, strokeWidth: 1.5 },
        encoding: {
          x,
          y: errorAxis('L1 error'),
          color: { field: 'series', type: 'nominal', title: 'curve' },
          strokeDash: {
            field: 'curve',
            type: 'nominal',
            title: 'line',
            scale: { domain: curves, range: curves.map(dash) },
            legend: STROKE_LEGEND,
          },
          detail: { field: 'curve' },
        },
      },
    ],
    config: { font: 'sans-serif' },
  };
}

/** What the decomposition chart of one curve reads (a GroupAnalysis has it all). */
export type DecompositionChartInput = Pick<GroupAnalysis, 'label' | 'kind' | 'points' | 'limit'>;

/**
 * The error decomposition of one curve against width, log-log: the trained nets' median error on
 * fresh points (solid), the same nets on their own training points (dashed: the gap between the
 * two is estimation, i.e. samples), and the best reference approximant of the same width, an
 * explicit width-m network (dotted: the gap to it is optimisation). Each trained point is marked
 * with the limit read at that width, and the curve's limit is in the subtitle. Classification
 * adds the sharpened trained error, the measure its reference is compared in.
 */
export function decompositionChart(g: DecompositionChartInput): TopLevelSpec {
  const classification = g.kind === 'classification';
  const lines: Array<Record<string, unknown>> = [];
  const marks: Array<Record<string, unknown>> = [];
  const trained = classification ? 'trained, fresh points (unit scale)' : 'trained, fresh points';
  const bestRef = classification ? 'best reference (sharpened)' : 'best reference';
  for (const p of g.points) {
    const add = (curve: string, value: number | null) => {
      if (positive(value)) lines.push({ curve, width: p.width, value });
    };
    add(trained, p.medianL1);
    add(
      classification ? 'trained, training points (unit scale)' : 'trained, training points',
      p.medianTrainL1,
    );
    if (classification) add('trained, fresh points (sharpened)', p.medianSharpenedL1);
    add(bestRef, p.medianBestRef);
    if (positive(p.medianL1) && p.n > 0) {
      marks.push({ width: p.width, value: p.medianL1, limit: p.limit, method: p.bestRefMethod });
    }
  }
  const curves = [...new Set(lines.map((l) => l.curve as string))];
  const dash = (c: string): number[] =>
    c.includes('training points')
      ? [6, 3]
      : c.startsWith('best')
        ? [1.5, 2.5]
        : c.includes('sharpened')
          ? [8, 3, 2, 3]
          : [1, 0];
  const x = WIDTH_AXIS;
  const y = errorAxis(classification ? 'softmax L1 error' : 'L1 error');
  const { factor, fromWidth } = g.limit;
  const from = fromWidth === null ? '' : ` from width ${fromWidth}`;
  return {
    title: {
      text: `${g.label}: error decomposition`,
      subtitle: [`limit: ${factor}${from}`],
      subtitleFontSize: 10,
    },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x,
          y,
          color: { field: 'curve', type: 'nominal', title: 'error', scale: { domain: curves } },
          strokeDash: {
            field: 'curve',
            type: 'nominal',
            title: 'error',
            scale: { domain: curves, range: curves.map(dash) },
            legend: STROKE_LEGEND,
          },
        },
      },
      {
        data: { values: marks },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x,
          y,
          shape: {
            field: 'limit',
            type: 'nominal',
            title: 'limit at width',
            scale: {
              domain: ['width', 'samples', 'optimizer', 'evaluation floor', 'undetermined'],
              range: ['circle', 'triangle-up', 'square', 'diamond', 'cross'],
            },
          },
          color: { value: '#222222' },
        },
      },
    ],
    config: { font: 'sans-serif' },
  };
}

/** One trained network on the d = 1 grid, beside the target there. */
export interface FunctionPanel {
  readonly width: number;
  readonly seed: number;
  readonly l1: number;
  readonly x: Float64Array;
  /** The network's value (regression) or its probability of class 0 (classification). */
  readonly net: Float32Array | Float64Array;
}

/**
 * The learned function against the target in d = 1, one line per width shown. The y range is
 * cut at the networks' range (and at the target's 95th percentile), so an unbounded target's
 * spike does not flatten everything else.
 */
export function functionChart(
  label: string,
  yTitle: string,
  target: Float64Array,
  panels: readonly FunctionPanel[],
): TopLevelSpec {
  const rows: Array<Record<string, unknown>> = [];
  const x = panels[0]?.x ?? new Float64Array(0);
  for (let i = 0; i < x.length; i++) rows.push({ curve: 'target', x: x[i], y: target[i] });
  const names = ['target'];
  for (const p of panels) {
    const curve = `width ${p.width} (seed ${p.seed}, L1 ${fmt(p.l1)})`;
    names.push(curve);
    for (let i = 0; i < p.x.length; i++) rows.push({ curve, x: p.x[i], y: p.net[i] });
  }
  const netValues = panels.flatMap((p) => Array.from(p.net));
  const targetSorted = Array.from(target).sort((a, b) => a - b);
  const targetHigh = targetSorted[Math.floor(0.95 * (targetSorted.length - 1))] ?? 0;
  const targetLow = targetSorted[0] ?? 0;
  const lo = Math.min(targetLow, ...netValues);
  const hi = Math.max(targetHigh, ...netValues);
  const pad = 0.05 * (hi - lo || 1);
  return {
    title: { text: `${label}: learned function against the target` },
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'line', clip: true, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'x', type: 'quantitative', axis: { title: 'x' } },
      y: {
        field: 'y',
        type: 'quantitative',
        scale: { domain: [lo - pad, hi + pad], nice: false },
        axis: { title: yTitle },
      },
      color: {
        field: 'curve',
        type: 'nominal',
        title: null,
        // Legend in width order, the target in black.
        scale: { domain: names, range: ['#222222', ...WIDTH_COLOURS].slice(0, names.length) },
        legend: { orient: 'bottom', columns: 1, labelLimit: 400 },
      },
    },
    config: { font: 'sans-serif' },
  };
}

/** One trained network's decision regions on the 64 x 64 grid of a d = 2 classification. */
export interface RegionPanel {
  readonly width: number;
  readonly seed: number;
  /** Cells per axis. */
  readonly size: number;
  /** Predicted class per cell, x_1 varying fastest. */
  readonly predicted: Int32Array;
  /** True class per cell centre. */
  readonly truth: Int32Array;
}

/** Runs of equal category along each grid row: a few rects per row instead of 64. */
function regionRects(panel: RegionPanel): Array<Record<string, unknown>> {
  const { size, predicted, truth } = panel;
  const category = (i: number): string =>
    predicted[i] === truth[i] ? `class ${predicted[i] ?? 0}` : 'misclassified';
  const rects: Array<Record<string, unknown>> = [];
  for (let row = 0; row < size; row++) {
    let start = 0;
    for (let col = 1; col <= size; col++) {
      const here = category(row * size + start);
      if (col < size && category(row * size + col) === here) continue;
      rects.push({
        category: here,
        x0: start / size,
        x1: col / size,
        y0: row / size,
        y1: (row + 1) / size,
      });
      start = col;
    }
  }
  return rects;
}

/**
 * Decision regions of a d = 2 classification at a few widths: each cell coloured by the class the
 * network predicts where that is the true class, red where it is not.
 */
export function regionsChart(label: string, panels: readonly RegionPanel[]): TopLevelSpec {
  const rects = panels.map(regionRects);
  const classes = [...new Set(rects.flat().map((r) => r.category as string))]
    .filter((c) => c !== 'misclassified')
    .sort();
  const palette = ['#9ecae1', '#fdd0a2', '#c7e9c0', '#dadaeb', '#fcbba1', '#d9d9d9'];
  // Fixed domain and range: misclassified is red in every panel, whatever classes it shows.
  const color = {
    field: 'category',
    type: 'nominal' as const,
    title: null,
    scale: {
      domain: [...classes, 'misclassified'],
      range: [...classes.map((_, i) => palette[i % palette.length] ?? '#cccccc'), '#d62728'],
    },
  };
  const views = panels.map((p, i) => {
    let wrong = 0;
    for (let c = 0; c < p.predicted.length; c++) if (p.predicted[c] !== p.truth[c]) wrong++;
    return {
      title: `width ${p.width} (seed ${p.seed}): ${fmt((100 * wrong) / p.predicted.length)}% of cells wrong`,
      width: PANEL,
      height: PANEL,
      data: { values: rects[i] ?? [] },
      mark: { type: 'rect' as const },
      encoding: {
        x: {
          field: 'x0',
          type: 'quantitative' as const,
          scale: { domain: [0, 1] },
          axis: { title: 'x1' },
        },
        x2: { field: 'x1' },
        y: {
          field: 'y0',
          type: 'quantitative' as const,
          scale: { domain: [0, 1] },
          axis: { title: 'x2' },
        },
        y2: { field: 'y1' },
        color,
      },
    };
  });
  return {
    title: { text: `${label}: decision regions` },
    hconcat: views,
    resolve: { scale: { color: 'shared' } },
    config: { font: 'sans-serif' },
  };
}

/** The training loss against the step, log scale, from a result's stored loss curve. */
export function lossCurveChart(
  label: string,
  curve: ReadonlyArray<readonly [number, number | null]>,
): TopLevelSpec {
  const values = curve
    .filter((p): p is readonly [number, number] => positive(p[1]))
    .map(([step, loss]) => ({ step, loss }));
  return {
    title: { text: `${label}: training loss` },
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'step', type: 'quantitative', axis: { title: 'step' } },
      y: {
        field: 'loss',
        type: 'quantitative',
        scale: { type: 'log' },
        axis: { title: 'training loss' },
      },
    },
    config: { font: 'sans-serif' },
  };
}
