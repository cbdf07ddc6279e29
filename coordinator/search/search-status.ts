import Database from 'better-sqlite3';
import type { SearchSpec } from '../../shared/spec/search.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import { searchEfficiency } from './search-efficiency.js';
import { searchJson } from './search-json.js';
import { replaySearch } from './search-replay.js';
import type { SearchState } from './search-replay.js';
import { storedResultLookup } from './search-results.js';
import { renderSearch } from './search-output.js';

/**
 * A study's search as `status` shows it: rounds, open brackets, decisions so far; undefined for
 * a study without a search section. Read through its own read-only connection.
 */
export function searchStatus(
  dbPath: string,
  spec: StudySpec,
): { text: string; json: Record<string, unknown> } | undefined {
  if (spec.search === undefined) return undefined;
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return searchStatusOn(db, spec);
  } finally {
    db.close();
  }
}

/** The same, on a connection the caller holds (the dashboard's read-only one). */
export function searchStatusOn(
  db: Database.Database,
  spec: StudySpec,
): { text: string; json: Record<string, unknown> } | undefined {
  const search = spec.search;
  if (search === undefined) return undefined;
  return describeSearch(spec, search, replaySearch(spec, storedResultLookup(db)));
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
