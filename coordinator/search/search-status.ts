import type { SearchSpec } from '../../shared/spec/search.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import { searchEfficiency } from './search-efficiency.js';
import { searchJson } from './search-json.js';
import { replaySearch } from './search-replay.js';
import type { SearchState } from './search-replay.js';
import { openReadModel } from '../store/sqlite-read-model.js';
import type { ReadModel } from '../store/read-model.js';
import { storedResultLookup } from './search-results.js';
import { renderSearch } from './search-output.js';

/**
 * A study's search as `status` shows it: rounds, open brackets, decisions so far; undefined for
 * a study without a search section. Read through its own read-only read model.
 */
export function searchStatus(
  dbPath: string,
  spec: StudySpec,
): { text: string; json: Record<string, unknown> } | undefined {
  if (spec.search === undefined) return undefined;
  const reads = openReadModel(dbPath);
  try {
    return searchStatusOn(reads, spec);
  } finally {
    reads.close();
  }
}

/** The same, through a read model the caller holds (the dashboard's read-only one). */
export function searchStatusOn(
  reads: Pick<ReadModel, 'storedResult'>,
  spec: StudySpec,
): { text: string; json: Record<string, unknown> } | undefined {
  const search = spec.search;
  if (search === undefined) return undefined;
  return describeSearch(spec, search, replaySearch(spec, storedResultLookup(reads)));
}

/** The search's text (brackets, decisions, cost) and its JSON, as `run` and `status` print them. */
export function describeSearch(
  spec: StudySpec,
  search: SearchSpec,
  state: SearchState,
): { text: string; json: Record<string, unknown> } {
  const efficiency = searchEfficiency(spec, state);
  return {
    text: renderSearch(state, search, efficiency),
    json: searchJson(state, efficiency, search.maxSeeds),
  };
}
