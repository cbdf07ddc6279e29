import { estimatedTaskCost } from '../../shared/expand.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import { geometricLadder } from './ladder.js';
import { curveTasks } from './search-curves.js';
import type { SearchState } from './search-replay.js';

/** What a search trained next to a full geometric grid at its resolution over [min, max]. */
export interface SearchEfficiency {
  /** Search tasks with a final result. */
  readonly tasks: number;
  /** Their measured wall time, one core each. Unit: s. */
  readonly coreSeconds: number;
  /** Widths of the equivalent grid per curve (the resolution ladder from minWidth to maxWidth). */
  readonly gridWidths: number;
  /** Tasks of that grid: widths x search.seeds x curves. */
  readonly gridTasks: number;
  /**
   * The grid's core-seconds, estimated from the measured tasks: their seconds per unit of
   * estimatedTaskCost times the grid's summed cost; null before any task has a time. Unit: s.
   */
  readonly gridCoreSecondsEstimate: number | null;
}

export function searchEfficiency(spec: StudySpec, state: SearchState): SearchEfficiency {
  const search = spec.search;
  if (search === undefined) throw new TypeError('searchEfficiency: the spec has no search section');
  const widths = geometricLadder(search.minWidth, search.maxWidth, search.resolution);
  const seeds = Array.from({ length: search.seeds }, (_, i) => i);
  let gridCost = 0;
  let gridTasks = 0;
  for (const { curve } of state.curves) {
    for (const width of widths) {
      for (const task of curveTasks(spec, curve, width, seeds)) {
        gridCost += estimatedTaskCost(task);
        gridTasks++;
      }
    }
  }
  const tasks = state.curves.reduce((n, c) => n + c.tasks, 0);
  const wallMs = state.curves.reduce((n, c) => n + c.wallMs, 0);
  const finished = state.tasks.slice(0, tasks);
  const measuredCost = finished.reduce((n, t) => n + estimatedTaskCost(t), 0);
  return {
    tasks,
    coreSeconds: wallMs / 1000,
    gridWidths: widths.length,
    gridTasks,
    gridCoreSecondsEstimate:
      measuredCost > 0 && wallMs > 0 ? ((wallMs / measuredCost) * gridCost) / 1000 : null,
  };
}
