import { epsKey } from '../analysis/render.js';
import type { SearchSpec } from '../../shared/spec/search.js';
import { decide, probeMedian } from './search-core.js';
import type { SearchEfficiency } from './search-efficiency.js';
import type { SearchState } from './search-replay.js';
import { formatDuration, formatTable } from '../format.js';

const bracket = (lo: number | null, hi: number | null): string => `[${lo ?? '-'}, ${hi ?? '-'}]`;

/**
 * Per curve and eps: the bracket, its status and why it stopped; then the decision at every
 * probed width; then what the search cost next to a full grid at the same resolution.
 */
export function renderSearch(
  state: SearchState,
  search: SearchSpec,
  efficiency: SearchEfficiency,
): string {
  const head = state.complete
    ? `search: ${state.rounds} round(s), complete`
    : `search: ${state.rounds} round(s) finished, round ${(state.openRound?.index ?? 0) + 1} open (${state.openRound?.finished ?? 0}/${state.openRound?.tasks.length ?? 0} tasks finished)`;
  const blocks = state.curves.map((c) => {
    const lines = c.brackets.map(
      (b) => `  eps ${epsKey(b.eps)}: ${b.status} ${bracket(b.lo, b.hi)} - ${b.reason}`,
    );
    const rows = c.probes.map((p) => ({
      width: p.width,
      seeds: p.seeds.length,
      median: probeMedian(p),
      ...Object.fromEntries(
        c.brackets.map((b) => [`eps ${epsKey(b.eps)}`, decide(p, b.eps, search.maxSeeds)]),
      ),
    }));
    const columns = ['width', 'seeds', 'median', ...c.brackets.map((b) => `eps ${epsKey(b.eps)}`)];
    const table = rows.length === 0 ? '  (nothing probed yet)' : formatTable(columns, rows);
    return [`${c.curve.label}: ${c.tasks} task(s)`, ...lines, table].join('\n');
  });
  const grid =
    efficiency.gridCoreSecondsEstimate === null
      ? ''
      : ` (est. ${formatDuration(efficiency.gridCoreSecondsEstimate * 1000)} of one core)`;
  const cost =
    `search cost: ${efficiency.tasks} task(s), ${formatDuration(efficiency.coreSeconds * 1000)} of one core; ` +
    `a full grid at resolution ${search.resolution} over ${search.minWidth}-${search.maxWidth} ` +
    `(${efficiency.gridWidths} widths x ${search.seeds} seeds): ${efficiency.gridTasks} task(s)${grid}`;
  return [head, ...blocks, cost].join('\n\n');
}
