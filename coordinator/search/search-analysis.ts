import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { TargetRef } from '../../shared/targets/target.js';
import type { TrainMode } from '../../shared/train-mode.js';
import { searchEfficiency } from './search-efficiency.js';
import { epsSearchJson } from './search-json.js';
import { curveKey } from './search-curves.js';
import { replaySearch } from './search-replay.js';
import type { SearchState } from './search-replay.js';
import type { ReadModel } from '../store/read-model.js';
import { storedResultLookup } from './search-results.js';

interface GroupKeys {
  target: string;
  target_params: Record<string, unknown>;
  mode: TrainMode;
  dim: number;
}

/** A stored study's search replayed from its results; undefined without a search section. */
export function storedSearchState(
  reads: Pick<ReadModel, 'storedResult'>,
  storedSpec: Record<string, unknown>,
): SearchState | undefined {
  const spec = storedSpec as unknown as StudySpec;
  return spec.search === undefined ? undefined : replaySearch(spec, storedResultLookup(reads));
}

/**
 * Adds a search's brackets to `analyze --format json`: `eps_search` next to each group's
 * `eps_width`, and the search's cost at the top. `state` is the search replayed from the results
 * (storedSearchState), so a running search shows its open brackets; without one (a study without
 * a search section) the JSON is returned as it is.
 */
export function withEpsSearch(
  json: Record<string, unknown>,
  state: SearchState | undefined,
  storedSpec: Record<string, unknown>,
): Record<string, unknown> {
  if (state === undefined) return json;
  const spec = storedSpec as unknown as StudySpec;
  const byKey = new Map(state.curves.map((c) => [c.curve.key, c]));
  const groups = (json.groups as Array<Record<string, unknown>>).map((g) => {
    const k = g as unknown as GroupKeys;
    const target: TargetRef = { name: k.target, params: k.target_params };
    const curve = byKey.get(curveKey(target, k.mode, k.dim));
    return curve === undefined ? g : { ...g, eps_search: epsSearchJson(curve) };
  });
  const e = searchEfficiency(spec, state);
  return {
    ...json,
    groups,
    search: {
      rounds: state.rounds,
      complete: state.complete,
      tasks: e.tasks,
      core_seconds: e.coreSeconds,
      grid_tasks: e.gridTasks,
      grid_core_seconds_estimate: e.gridCoreSecondsEstimate,
    },
  };
}
