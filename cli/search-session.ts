import type { StudySpec } from '../shared/spec/study-spec.js';
import { runSearch } from '../coordinator/search/search-driver.js';
import type { RoundRunner } from '../coordinator/search/search-driver.js';
import type { SearchState } from '../coordinator/search/search-replay.js';
import { storedResultLookup } from '../coordinator/search/search-results.js';
import { describeSearch } from '../coordinator/search/search-status.js';
import { openReadModel } from '../coordinator/store/sqlite-read-model.js';
import type { SweepSession } from './sweep-session.js';

/**
 * Wraps a coordinator's session for a spec with a search section: run() drives the search's
 * rounds through `runRound`, extra() prints the brackets. Results are read back through a read
 * model on a second, read-only connection (the store's own is the writer's).
 */
export function searchSession(
  spec: StudySpec,
  dbPath: string,
  runRound: RoundRunner,
  plain: SweepSession,
): SweepSession {
  const search = spec.search;
  if (search === undefined) return plain;
  const reader = openReadModel(dbPath);
  const lookup = storedResultLookup(reader);
  const abort = new AbortController();
  let state: SearchState | undefined;
  let readerOpen = true;
  const closeReader = (): void => {
    if (readerOpen) reader.close();
    readerOpen = false;
  };
  return {
    run: async (onEvent) => {
      const result = await runSearch(spec, runRound, lookup, onEvent, {
        signal: abort.signal,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      state = result.state;
      return result.summary;
    },
    summary: () => plain.summary(),
    extra: () => {
      if (state === undefined) return { text: '', json: {} };
      const { text, json } = describeSearch(spec, search, state);
      return { text, json: { search: json } };
    },
    close: async () => {
      abort.abort();
      try {
        await plain.close();
      } finally {
        closeReader();
      }
    },
  };
}
