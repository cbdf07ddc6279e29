import { LifecycleError } from '../../shared/errors.js';
import { expandStudy } from '../../shared/expand.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';
import type { RunSummary, SweepEvent } from '../sweep-events.js';
import type { CurveJudge } from './curve-judge.js';
import { replaySearch } from './search-replay.js';
import type { ResultLookup, SearchState } from './search-replay.js';

/**
 * Registers the study with exactly these tasks and trains the ones without a final result: a
 * Coordinator's run() with an explicit task list, whichever dispatcher it drives.
 */
export type RoundRunner = (
  tasks: readonly Task[],
  onEvent: (event: SweepEvent) => void,
) => Promise<RunSummary>;

export interface SearchRun {
  readonly summary: RunSummary;
  readonly state: SearchState;
}

export interface SearchDriverOptions {
  readonly judge?: CurveJudge;
  /** Stops the search between rounds (a run in progress is stopped by closing its coordinator). */
  readonly signal?: AbortSignal;
  /** One line per round, for the log. */
  readonly log?: (line: string) => void;
}

/**
 * Runs a study's search round by round: replay the search from the database, train the open
 * round (with the study's grid tasks, if any) through the coordinator, repeat until no curve asks
 * for more. All curves advance together; the state lives only in the database, so an
 * interrupted search is resumed by running it again.
 */
export async function runSearch(
  spec: StudySpec,
  runRound: RoundRunner,
  lookup: ResultLookup,
  onEvent: (event: SweepEvent) => void,
  options: SearchDriverOptions = {},
): Promise<SearchRun> {
  const started = performance.now();
  const grid = expandStudy(spec);
  const log = options.log ?? (() => {});
  const summaries: RunSummary[] = [];
  let lastOpen: number | undefined;
  for (;;) {
    const state = replaySearch(spec, lookup, options.judge);
    const open = state.openRound;
    if (open !== null && open.index === lastOpen) {
      throw new LifecycleError('running', `search round ${open.index + 1} ended unfinished`);
    }
    lastOpen = open?.index;
    if (options.signal?.aborted === true) {
      return { summary: combine(spec, summaries, started, true), state };
    }
    if (open !== null) {
      log(
        `search round ${open.index + 1}: ${open.tasks.length} task(s), ${open.finished} already finished; ${openBrackets(state)} open bracket(s)`,
      );
    }
    const summary = await runRound(unique([...grid, ...state.tasks]), onEvent);
    summaries.push(summary);
    if (summary.interrupted || state.complete) {
      return { summary: combine(spec, summaries, started, summary.interrupted), state };
    }
  }
}

export function openBrackets(state: SearchState): number {
  return state.curves.reduce((n, c) => n + c.brackets.filter((b) => b.status === 'open').length, 0);
}

function unique(tasks: readonly Task[]): Task[] {
  const seen = new Set<string>();
  return tasks.filter((t) => !seen.has(t.id) && seen.add(t.id) !== undefined);
}

/** One summary for the whole search: the last round's counts, the sums of what each trained. */
function combine(
  spec: StudySpec,
  summaries: readonly RunSummary[],
  started: number,
  interrupted: boolean,
): RunSummary {
  const last = summaries[summaries.length - 1];
  const sum = (key: 'trained' | 'failedNow'): number => summaries.reduce((n, s) => n + s[key], 0);
  return {
    study: spec.name,
    total: last?.total ?? 0,
    done: last?.done ?? 0,
    failed: last?.failed ?? 0,
    diverged: last?.diverged ?? 0,
    pending: last?.pending ?? 0,
    trained: sum('trained'),
    skipped: summaries[0]?.skipped ?? 0,
    failedNow: sum('failedNow'),
    wallMs: performance.now() - started,
    backend: last?.backend ?? '',
    interrupted,
  };
}
