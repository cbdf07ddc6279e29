import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateStudySpec } from '../../shared/spec/validate.js';
import type { StudySpec } from '../../shared/spec/study-spec.js';
import type { Task } from '../../shared/task.js';
import { replaySearch } from '../../coordinator/search/search-replay.js';
import type { StoredResult } from '../../coordinator/store/read-model.js';
import { searchEfficiency } from '../../coordinator/search/search-efficiency.js';

function spec(search: Record<string, unknown>, targets: unknown[] = ['sine']): StudySpec {
  return validateStudySpec({
    name: 'replay',
    grid: { dims: [1], targets },
    train: { steps: 10, samples: 16 },
    eval: { samples: 256 },
    search,
  });
}

/** Trains the open round synthetically until the search completes; returns the results. */
function runToEnd(s: StudySpec, error: (task: Task) => StoredResult) {
  const results = new Map<string, StoredResult>();
  const trainedTwice: string[] = [];
  for (let i = 0; i < 100; i++) {
    const state = replaySearch(s, (id) => results.get(id));
    if (state.complete) return { state, results, trainedTwice };
    for (const task of state.openRound?.tasks ?? []) {
      if (results.has(task.id)) trainedTwice.push(task.id);
      results.set(task.id, error(task));
    }
  }
  assert.fail('the search did not end');
}

const done = (l1: number, sharpenedL1: number | null = null): StoredResult => ({
  status: 'done',
  l1,
  sharpenedL1,
  wallMs: 10,
});

test('search replay - rounds become ordinary tasks, each trained once, and the search ends', () => {
  const s = spec({ eps: [1e-3, 1e-4], seeds: 2 });
  const { state, results, trainedTwice } = runToEnd(s, (t) => done(1 / t.width ** 2));
  assert.deepEqual(trainedTwice, []);
  assert.equal(state.tasks.length, results.size);
  const [curve] = state.curves;
  assert.deepEqual(
    curve?.brackets.map((b) => b.status),
    ['found', 'found'],
  );
  assert.equal(curve?.tasks, results.size);
  const e = searchEfficiency(s, state);
  assert.equal(e.tasks, results.size);
  assert.equal(e.gridTasks, 33 * 2);
  assert.ok(e.gridCoreSecondsEstimate !== null && e.gridCoreSecondsEstimate > e.coreSeconds);
});

test('search replay - a partly trained round is the open round, and the rest replays unchanged', () => {
  const s = spec({ eps: [1e-3], seeds: 2 });
  const full = runToEnd(s, (t) => done(1 / t.width ** 2));
  // Drop one result of the last round: replay must stop there and ask for exactly that task.
  const last = full.state.tasks[full.state.tasks.length - 1];
  assert.ok(last !== undefined);
  const partial = new Map(full.results);
  partial.delete(last.id);
  const state = replaySearch(s, (id) => partial.get(id));
  assert.equal(state.complete, false);
  assert.equal(state.openRound?.finished, (state.openRound?.tasks.length ?? 0) - 1);
  assert.ok(state.openRound?.tasks.some((t) => t.id === last.id));
  assert.deepEqual(state.tasks.map((t) => t.id).sort(), full.state.tasks.map((t) => t.id).sort());
});

test('search replay - a curve whose next round does not fit maxTasks stops with status budget', () => {
  const s = spec({ eps: [1e-3], seeds: 2, maxTasks: 7 });
  const { state } = runToEnd(s, (t) => done(1 / t.width ** 2));
  assert.ok(state.tasks.length <= 7);
  assert.equal(state.curves[0]?.brackets[0]?.status, 'budget');
  assert.match(state.curves[0]?.brackets[0]?.reason ?? '', /budget of 7 tasks/);
});

test('search replay - classification decides on the sharpened L1; diverged and failed tasks are final', () => {
  const s = spec({ eps: [0.1], seeds: 1, maxWidth: 64 }, ['disk']);
  const sharp = runToEnd(s, (t) => done(0.9, 4 / t.width));
  assert.equal(sharp.state.curves[0]?.brackets[0]?.status, 'found');
  const diverged = runToEnd(s, () => ({
    status: 'diverged',
    l1: null,
    sharpenedL1: null,
    wallMs: 1,
  }));
  assert.equal(diverged.state.curves[0]?.brackets[0]?.status, 'unreachable');
  const failed = runToEnd(s, () => ({
    status: 'failed',
    l1: null,
    sharpenedL1: null,
    wallMs: null,
  }));
  assert.match(failed.state.curves[0]?.brackets[0]?.reason ?? '', /every task at width 4 failed/);
});
