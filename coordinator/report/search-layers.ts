import type { TopLevelSpec } from 'vega-lite';
import { probeMedian } from '../search/search-core.js';
import type { EpsBracket } from '../search/search-core.js';
import { curveKey } from '../search/search-curves.js';
import type { SearchState } from '../search/search-replay.js';
import type { GroupAnalysis } from '../analysis/types.js';

/**
 * What a width search adds to a convergence chart: the widths it probed (at their median over the
 * seeds it trained there) and, per eps, its bracket [lo, hi] drawn at the height eps.
 */
export interface CurveSearchMarks {
  readonly probes: ReadonlyArray<{ readonly width: number; readonly median: number }>;
  readonly brackets: readonly EpsBracket[];
}

/** The curve of a chart a search mark belongs to. */
export type SearchMarksOf = (
  g: Pick<GroupAnalysis, 'target' | 'targetParams' | 'mode' | 'dim'>,
) => CurveSearchMarks | undefined;

/** A replayed search's marks, found by curve (target with its parameters, mode, d). */
export function searchMarks(state: SearchState): SearchMarksOf {
  const byKey = new Map(
    state.curves.map((c) => [
      c.curve.key,
      {
        probes: c.probes.map((p) => ({ width: p.width, median: probeMedian(p) })),
        brackets: c.brackets,
      },
    ]),
  );
  return (g) => byKey.get(curveKey({ name: g.target, params: g.targetParams }, g.mode, g.dim));
}

/** One layer of a layered Vega-Lite chart. */
type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

const fmt = (x: number): string => String(Number(x.toPrecision(2)));

/** A bracket's label: the eps, the bracket or the status when there is none. */
export function bracketLabel(b: EpsBracket): string {
  if (b.status === 'found') return `eps ${fmt(b.eps)}: [${b.lo ?? '-'}, ${b.hi ?? '-'}]`;
  if (b.lo !== null || b.hi !== null) {
    return `eps ${fmt(b.eps)}: ${b.status} [${b.lo ?? '-'}, ${b.hi ?? '-'}]`;
  }
  return `eps ${fmt(b.eps)}: ${b.status}`;
}

/**
 * Vega-Lite layers for the search marks of these curves (colour by `series`, as the chart's
 * other layers): hollow diamonds at the probed widths, a thin dotted rule at each eps, a thick
 * segment from lo to hi at that height, and the bracket as text at its right end. Empty when no
 * curve has marks.
 */
export function searchLayers(
  groups: readonly GroupAnalysis[],
  marksOf: SearchMarksOf | undefined,
  series: (g: GroupAnalysis) => string,
  x: Record<string, unknown>,
): Layer[] {
  if (marksOf === undefined) return [];
  const probes: Array<Record<string, unknown>> = [];
  const brackets: Array<Record<string, unknown>> = [];
  for (const g of groups) {
    const marks = marksOf(g);
    if (marks === undefined) continue;
    const name = series(g);
    const finite = marks.probes.filter((p) => Number.isFinite(p.median) && p.median > 0);
    for (const p of finite) probes.push({ series: name, width: p.width, value: p.median });
    const right = Math.max(...marks.probes.map((p) => p.width));
    for (const b of marks.brackets) {
      const hi = b.hi ?? right;
      brackets.push({ series: name, width: b.lo ?? hi, hi, value: b.eps, label: bracketLabel(b) });
    }
  }
  if (probes.length === 0 && brackets.length === 0) return [];
  const y = { field: 'value', type: 'quantitative', scale: { type: 'log' } };
  const color = { field: 'series', type: 'nominal', title: 'curve' };
  const layers = [
    {
      data: { values: probes },
      // An explicit fill: with filled false alone the SVG path carries none, which SVG draws black.
      mark: {
        type: 'point',
        shape: 'diamond',
        filled: false,
        fill: 'none',
        size: 110,
        strokeWidth: 1.5,
      },
      encoding: { x, y, color },
    },
    {
      data: { values: brackets },
      mark: { type: 'rule', strokeDash: [2, 3], opacity: 0.5, color: '#888' },
      encoding: { y },
    },
    {
      data: { values: brackets },
      mark: { type: 'rule', strokeWidth: 4, opacity: 0.8 },
      encoding: { x, x2: { field: 'hi' }, y, color },
    },
    {
      data: { values: brackets },
      mark: { type: 'text', align: 'left', dx: 6, dy: -6, fontSize: 9 },
      encoding: { x: { ...x, field: 'hi' }, y, text: { field: 'label' }, color },
    },
  ];
  // Plain objects (spread axes, computed data) that Vega-Lite's deep union cannot infer.
  return layers as unknown as Layer[];
}
