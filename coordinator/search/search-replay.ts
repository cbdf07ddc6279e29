import { estimatedTaskCost } from '../../shared/expand.js';
import type { SearchSpec } from '../../shared/spec/search.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';
import type { StoredResult, TaskStatus } from '../store/read-model.js';
import { curveShapeJudge } from './curve-judge.js';
import type { CurveJudge } from './curve-judge.js';
import { planCurve } from './search-core.js';
import type {
  EpsBracket,
  SearchCoreOptions,
  SeedResult,
  WidthProbe,
  WidthRequest,
} from './search-core.js';
import { curveTasks, searchCurves } from './search-curves.js';
import type { SearchCurve } from './search-curves.js';

/** A task's stored result, or undefined when the database has no row for it. */
export type ResultLookup = (taskId: string) => StoredResult | undefined;

/** One curve's search as the results so far determine it. */
export interface CurveSearch {
  readonly curve: SearchCurve;
  readonly brackets: readonly EpsBracket[];
  /** Finished probes, ascending by width. */
  readonly probes: readonly WidthProbe[];
  /** Search tasks of this curve with a final result. */
  readonly tasks: number;
  /** Their summed wall time (one core each). Unit: ms. */
  readonly wallMs: number;
}

export interface SearchState {
  /** Rounds whose every task has a final result. */
  readonly rounds: number;
  /** True when no curve asks for anything more. */
  readonly complete: boolean;
  /** Every search task so far, finished rounds first, then the open round longest-first. */
  readonly tasks: readonly Task[];
  /** The round being trained (tasks without a final result yet), or null when complete. */
  readonly openRound: {
    readonly index: number;
    readonly tasks: readonly Task[];
    readonly finished: number;
  } | null;
  readonly curves: readonly CurveSearch[];
}

const FINAL: ReadonlySet<TaskStatus> = new Set(['done', 'diverged', 'failed']);

/** The error a search decides on: L1, or the sharpened L1 for classification; null = failed. */
export function searchValue(task: Task, stored: StoredResult): number | null {
  if (stored.status === 'diverged') return Number.POSITIVE_INFINITY;
  if (stored.status !== 'done') return null;
  return task.kind === 'classification' ? stored.sharpenedL1 : stored.l1;
}

interface CurveState {
  readonly curve: SearchCurve;
  readonly probes: Map<number, SeedResult[]>;
  brackets: readonly EpsBracket[];
  /** Out of budget: its open brackets end as `budget`, and it asks for nothing more. */
  frozen: boolean;
  tasks: number;
  wallMs: number;
}

function probesOf(state: CurveState): WidthProbe[] {
  return [...state.probes].sort(([a], [b]) => a - b).map(([width, seeds]) => ({ width, seeds }));
}

function freeze(state: CurveState, maxTasks: number): void {
  state.frozen = true;
  state.brackets = state.brackets.map((b) =>
    b.status === 'open'
      ? { ...b, status: 'budget', reason: `search budget of ${maxTasks} tasks spent; ${b.reason}` }
      : b,
  );
}

/**
 * Replays a study's search from the stored results: round after round, each curve's plan is
 * computed from its finished probes, its requests become ordinary tasks, and the round is taken
 * as finished when every one of its tasks has a final result. Stops at the first round that is
 * not finished (that is the round to train) or when no curve asks for more. The same results give
 * the same rounds, so an interrupted search continues exactly where it stopped.
 */
export function replaySearch(
  spec: StudySpec,
  lookup: ResultLookup,
  judge: CurveJudge = curveShapeJudge(),
  options: SearchCoreOptions = {},
): SearchState {
  const search = spec.search;
  if (search === undefined) throw new TypeError('replaySearch: the spec has no search section');
  const states: CurveState[] = searchCurves(spec).map((curve) => ({
    curve,
    probes: new Map(),
    brackets: [],
    frozen: false,
    tasks: 0,
    wallMs: 0,
  }));
  const done: Task[] = [];
  for (let round = 0; ; round++) {
    const roundTasks = planRound(spec, search, states, judge, options, done.length);
    if (roundTasks.length === 0) return finish(states, round, done, null);
    const results = roundTasks.map(({ task }) => lookup(task.id));
    const finished = results.filter((r) => r !== undefined && FINAL.has(r.status)).length;
    if (finished < roundTasks.length) {
      // Longest first, so that the round's last tasks are short and no thread idles at its end.
      const open = roundTasks
        .map((r) => r.task)
        .sort((a, b) => estimatedTaskCost(b) - estimatedTaskCost(a));
      return finish(states, round, [...done, ...open], { index: round, tasks: open, finished });
    }
    roundTasks.forEach(({ state, task }, i) => {
      const stored = results[i] as StoredResult;
      const seeds = state.probes.get(task.width) ?? [];
      seeds.push({ seed: task.seed, taskId: task.id, value: searchValue(task, stored) });
      state.probes.set(task.width, seeds);
      state.tasks++;
      state.wallMs += stored.wallMs ?? 0;
      done.push(task);
    });
  }
}

/** The next round's tasks, curve by curve within the budget, longest first. */
function planRound(
  spec: StudySpec,
  search: SearchSpec,
  states: CurveState[],
  judge: CurveJudge,
  options: SearchCoreOptions,
  used: number,
): Array<{ state: CurveState; task: Task }> {
  const maxTasks = search.maxTasks;
  const out: Array<{ state: CurveState; task: Task }> = [];
  for (const state of states) {
    if (state.frozen) continue;
    const plan = planCurve(search, probesOf(state), judge, options);
    state.brackets = plan.brackets;
    const tasks = plan.requests.flatMap((r: WidthRequest) =>
      curveTasks(spec, state.curve, r.width, r.seeds),
    );
    if (used + out.length + tasks.length > maxTasks) {
      freeze(state, maxTasks);
      continue;
    }
    for (const task of tasks) out.push({ state, task });
  }
  return out;
}

function finish(
  states: readonly CurveState[],
  rounds: number,
  tasks: readonly Task[],
  openRound: SearchState['openRound'],
): SearchState {
  return {
    rounds,
    complete: openRound === null,
    tasks,
    openRound,
    curves: states.map((s) => ({
      curve: s.curve,
      brackets: s.brackets,
      probes: probesOf(s),
      tasks: s.tasks,
      wallMs: s.wallMs,
    })),
  };
}
