import type Database from 'better-sqlite3';
import { analyzeStudy } from '../analysis/analyze-study.js';
import { loadStudy } from '../analysis/load.js';
import type { GroupAnalysis } from '../analysis/types.js';
import { convergenceChart, seriesName } from '../report/charts.js';
import { groupSection, verdictsTable } from '../report/html.js';
import { toVegaSpec } from '../report/render-svg.js';
import { searchMarks } from '../report/search-layers.js';
import { storedSearchState } from '../search/search-analysis.js';
import { SqliteReadModel } from '../store/sqlite-read-model.js';

/** One chart of a page: a Vega spec (compiled from the report's Vega-Lite spec) and a caption. */
export interface ChartView {
  readonly id: string;
  readonly caption: string;
  readonly spec: unknown;
}

/** What `analyze` says about a study, ready for the study page. */
export interface AnalysisView {
  readonly study: string;
  /** Milliseconds the load and analysis took. */
  readonly ms: number;
  /** Per target: its convergence chart. */
  readonly charts: readonly ChartView[];
  /** The verdicts table and per-curve tables (error decomposition, verdicts, warnings). */
  readonly html: string;
}

/** Curves grouped per target (with its parameters), in the analysis' order. */
function byTarget(groups: readonly GroupAnalysis[]): GroupAnalysis[][] {
  const out = new Map<string, GroupAnalysis[]>();
  for (const g of groups) {
    const key = `${g.target} ${JSON.stringify(g.targetParams)}`;
    out.set(key, [...(out.get(key) ?? []), g]);
  }
  return [...out.values()];
}

/**
 * Runs the same analysis as `widthsweep analyze` (same defaults) and turns it into the charts and
 * tables of the report: one look for both, one implementation of each.
 */
export function buildAnalysisView(db: Database.Database, study: string): AnalysisView {
  const started = performance.now();
  const data = loadStudy(db, study);
  const analysis = analyzeStudy(data);
  const state = storedSearchState(new SqliteReadModel(db), data.spec);
  const search = state === undefined ? undefined : searchMarks(state);
  const targets = byTarget(analysis.groups);
  const charts = targets.map((groups, i) => {
    const first = groups[0] as GroupAnalysis;
    return {
      id: `convergence-${i}`,
      caption: `Median over seeds (solid), seed range min-max (band), fitted power law (dashed), references (dotted: random features; dash-dot: interpolant). Curves: ${groups.map(seriesName).join('; ')}.`,
      spec: toVegaSpec(convergenceChart(first.target, groups, search)),
    };
  });
  const sections = targets.map((groups) => groups.map(groupSection).join('\n'));
  const html = [
    '<h2>Research questions</h2>',
    verdictsTable(analysis),
    '<h2>Curves</h2>',
    ...sections,
  ].join('\n');
  return {
    study,
    ms: performance.now() - started,
    charts,
    html,
  };
}
