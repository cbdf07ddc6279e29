import { epsKey } from '../analysis/render.js';
import { decide, probeMedian } from './search-core.js';
import type { SearchEfficiency } from './search-efficiency.js';
import type { CurveSearch, SearchState } from './search-replay.js';

/** `{ "<eps>": { lo, hi, status, reason, tasks } }` of one curve: analyze's `eps_search`. */
export function epsSearchJson(curve: CurveSearch): Record<string, unknown> {
  return Object.fromEntries(
    curve.brackets.map((b) => [
      epsKey(b.eps),
      { lo: b.lo, hi: b.hi, status: b.status, reason: b.reason, tasks: curve.tasks },
    ]),
  );
}

/** Each probed width with its seeds, median and decision per eps. */
export function probesJson(curve: CurveSearch, maxSeeds: number): Array<Record<string, unknown>> {
  return curve.probes.map((p) => {
    const median = probeMedian(p);
    return {
      width: p.width,
      seeds: p.seeds.length,
      median: Number.isFinite(median) ? median : null,
      decisions: Object.fromEntries(
        curve.brackets.map((b) => [epsKey(b.eps), decide(p, b.eps, maxSeeds)]),
      ),
    };
  });
}

/** The whole search as `run --json` and `status --json` print it. */
export function searchJson(
  state: SearchState,
  efficiency: SearchEfficiency,
  maxSeeds: number,
): Record<string, unknown> {
  return {
    rounds: state.rounds,
    complete: state.complete,
    open_round:
      state.openRound === null
        ? null
        : {
            round: state.openRound.index + 1,
            tasks: state.openRound.tasks.length,
            finished: state.openRound.finished,
          },
    curves: state.curves.map((c) => ({
      label: c.curve.label,
      target: c.curve.target.name,
      target_params: c.curve.target.params,
      mode: c.curve.mode,
      dim: c.curve.dim,
      tasks: c.tasks,
      eps_search: epsSearchJson(c),
      probes: probesJson(c, maxSeeds),
    })),
    efficiency: {
      tasks: efficiency.tasks,
      core_seconds: efficiency.coreSeconds,
      grid_widths: efficiency.gridWidths,
      grid_tasks: efficiency.gridTasks,
      grid_core_seconds_estimate: efficiency.gridCoreSecondsEstimate,
    },
  };
}
