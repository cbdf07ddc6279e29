import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, SCHEMA_VERSION } from '../../coordinator/store/migrations.js';
import { SqliteResultStore } from '../../coordinator/store/sqlite-store.js';
import { expandStudy } from '../../shared/expand.js';
import { bestReference } from '../../shared/reference/best-reference.js';
import type { ReferenceMethod, ReferenceResult } from '../../shared/reference/reference-result.js';
import type { EvalMetrics, TaskOutcome } from '../../shared/result.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import type { Task } from '../../shared/task.js';
import { doneOutcome } from '../helpers/outcomes.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
after(() => dir.remove());
let n = 0;
const freshPath = () => join(dir.path, `decomposition-${n++}.sqlite`);

const spec = validateStudySpec({
  name: 'dec',
  grid: { dims: [1], widths: [4, 8], seeds: [0], targets: ['sine', 'singular', 'halfspaces'] },
});
const tasks = expandStudy(spec);

function reference(method: ReferenceMethod, l1: number, sharpened: number | null): ReferenceResult {
  const metrics: EvalMetrics = {
    l1Error: l1,
    l1Stderr: 0.001,
    l2Error: l1 * 1.1,
    maxError: l1 * 4,
    accuracy: sharpened === null ? null : 0.9,
    sharpenedL1: sharpened,
    misclassified: sharpened === null ? null : sharpened / 2,
    evalPoints: 1024,
  };
  return { method, metrics, trainRmse: null, ridge: null, fitMs: 2 };
}

/** A done outcome with training-set metrics and a chosen set of references. */
function outcome(task: Task, references: ReferenceResult[], l2: number | null): TaskOutcome {
  const base = doneOutcome(task, 0.05);
  if (base.type !== 'done') throw new Error('unreachable');
  return {
    ...base,
    metrics: { ...base.metrics, l2Error: l2 },
    trainMetrics: { l1Error: 0.01, l2Error: l2 === null ? null : 0.02, maxError: 0.2, points: 333 },
    references,
  };
}

type Row = Record<string, number | string | null>;

function taskRows(path: string): Map<string, Row> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare("SELECT * FROM task_results WHERE study = 'dec'").all() as Row[];
    return new Map(rows.map((r) => [`${r.target as string}/${r.width as number}`, r]));
  } finally {
    db.close();
  }
}

test('store decomposition - training-set errors, NULL L2 and the best reference per task', () => {
  const path = freshPath();
  const store = new SqliteResultStore(path);
  store.registerStudy(spec, tasks);
  const refsByTask = new Map<string, ReferenceResult[]>();
  for (const task of tasks) {
    const classification = task.kind === 'classification';
    const refs =
      task.width === 4
        ? [
            reference('random-features', 0.02, classification ? 0.3 : null),
            reference('interpolant', 0.01, classification ? 0.4 : null),
            reference('greedy', 0.03, classification ? 0.1 : null),
          ]
        : // A tie: the first method name wins, in SQL as in TypeScript.
          [
            reference('interpolant', 0.01, classification ? 0.2 : null),
            reference('free-knot', 0.01, classification ? 0.2 : null),
          ];
    refsByTask.set(task.id, refs);
    const l2 = task.target.name === 'singular' ? null : 0.06;
    assert.ok(store.recordOutcome(outcome(task, refs, l2), { worker: 'w' }));
  }
  store.close();
  const rows = taskRows(path);
  for (const task of tasks) {
    const row = rows.get(`${task.target.name}/${task.width}`);
    assert.ok(row !== undefined);
    assert.equal(row.train_l1_error, 0.01);
    assert.equal(row.train_max_error, 0.2);
    assert.equal(row.train_points, 333);
    const singular = task.target.name === 'singular';
    assert.equal(row.l2_error, singular ? null : 0.06);
    assert.equal(row.train_l2_error, singular ? null : 0.02);
    const best = bestReference(refsByTask.get(task.id) ?? [], task.kind);
    assert.ok(best !== null);
    assert.equal(row.best_reference_method, best.method);
    const measure =
      task.kind === 'classification' ? best.metrics.sharpenedL1 : best.metrics.l1Error;
    assert.equal(row.best_reference_l1, measure);
  }
  assert.equal(rows.get('sine/4')?.best_reference_method, 'interpolant');
  assert.equal(rows.get('halfspaces/4')?.best_reference_method, 'greedy');
  assert.equal(rows.get('sine/8')?.best_reference_method, 'free-knot');
  assert.equal(rows.get('halfspaces/8')?.best_reference_method, 'free-knot');
  const db = new Database(path, { readonly: true });
  const point = db
    .prepare("SELECT * FROM convergence WHERE study = 'dec' AND target = 'sine' AND width = 4")
    .get() as Row;
  db.close();
  assert.equal(point.median_train_l1, 0.01);
  assert.equal(point.median_best_reference_l1, 0.01);
});

test('store decomposition - a task without references or training metrics leaves them NULL', () => {
  const path = freshPath();
  const store = new SqliteResultStore(path);
  store.registerStudy(spec, tasks);
  const task = tasks[0];
  assert.ok(task);
  store.recordOutcome(doneOutcome(task), { worker: 'old worker' });
  store.close();
  const row = taskRows(path).get(`${task.target.name}/${task.width}`);
  assert.equal(row?.train_l1_error, null);
  assert.equal(row?.train_points, null);
  assert.equal(row?.best_reference_method, null);
  assert.equal(row?.best_reference_l1, null);
});

test('store decomposition - migration 4 keeps version 3 references and nulls infinite L2 errors', () => {
  const path = freshPath();
  const old = new Database(path);
  migrate(old, 3);
  assert.equal(old.pragma('user_version', { simple: true }), 3);
  old.close();
  {
    // Register and store through version 3's columns only, as an older widthsweep did.
    const db = new Database(path);
    const stamp = new Date().toISOString();
    db.prepare(`INSERT INTO studies VALUES ('dec', '{}', ?, ?)`).run(stamp, stamp);
    let position = 0;
    for (const task of tasks) {
      db.prepare(
        `INSERT INTO tasks (task_id, target, target_params, kind, dim, width, seed, spec_json,
          status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'done', ?, ?)`,
      ).run(
        task.id,
        task.target.name,
        JSON.stringify(task.target.params),
        task.kind,
        task.dim,
        task.width,
        task.seed,
        JSON.stringify(task),
        stamp,
        stamp,
      );
      db.prepare('INSERT INTO study_tasks VALUES (?, ?, ?)').run('dec', task.id, position++);
      db.prepare(
        `INSERT INTO results (task_id, outcome, l1_error, l2_error, steps, train_ms, wall_ms,
          backend, versions_json, loss_curve_json, worker, finished_at)
          VALUES (?, 'done', 0.1, 5.5, 1, 1, 1, 'cpu', '{}', '[]', 'w', ?)`,
      ).run(task.id, stamp);
      db.prepare(
        `INSERT INTO reference_results (task_id, method, l1_error, l2_error, fit_ms)
          VALUES (?, 'interpolant', 0.02, 5.9, 1)`,
      ).run(task.id);
    }
    db.close();
  }
  new SqliteResultStore(path).close();
  const db = new Database(path);
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  const rows = db
    .prepare(
      `SELECT t.target, r.l2_error AS l2, ref.l2_error AS refL2, ref.l1_error AS refL1
      FROM tasks t JOIN results r USING (task_id) JOIN reference_results ref USING (task_id)`,
    )
    .all() as Array<{ target: string; l2: number | null; refL2: number | null; refL1: number }>;
  assert.equal(rows.length, tasks.length);
  for (const r of rows) {
    // singular's default alpha 0.5 >= d/2 in d = 1: not in L2.
    assert.equal(r.l2, r.target === 'singular' ? null : 5.5);
    assert.equal(r.refL2, r.target === 'singular' ? null : 5.9);
    assert.equal(r.refL1, 0.02);
  }
  const first = tasks[0];
  assert.ok(first);
  db.prepare("INSERT INTO reference_results (task_id, method, fit_ms) VALUES (?, 'greedy', 1)").run(
    first.id,
  );
  assert.throws(() =>
    db
      .prepare("INSERT INTO reference_results (task_id, method, fit_ms) VALUES (?, 'magic', 1)")
      .run(first.id),
  );
  db.close();
});

test('best reference - the smallest finite measure, sharpened L1 for classification', () => {
  const refs = [
    reference('random-features', 0.5, 0.2),
    reference('greedy', Number.NaN, 0.3),
    reference('teacher', 0.1, Number.NaN),
  ];
  assert.equal(bestReference(refs, 'regression')?.method, 'teacher');
  assert.equal(bestReference(refs, 'classification')?.method, 'random-features');
  assert.equal(bestReference([reference('greedy', Number.NaN, null)], 'regression'), null);
  assert.equal(bestReference([], 'regression'), null);
});
