import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreError } from '../../shared/errors.js';
import { expandStudy } from '../../shared/expand.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import { SCHEMA_VERSION } from '../../coordinator/store/migrations.js';
import { SqliteResultStore } from '../../coordinator/store/sqlite-store.js';
import { divergedOutcome, doneOutcome } from '../helpers/outcomes.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
let n = 0;
const freshPath = () => join(dir.path, `store-${n++}.sqlite`);
const spec = validateStudySpec({
  name: 's1',
  grid: { dims: [1], widths: [4, 8], seeds: [0, 1], targets: ['sine'] },
});
const tasks = expandStudy(spec);

after(() => dir.remove());

test('store - registering twice adds nothing the second time', () => {
  const store = new SqliteResultStore(freshPath());
  assert.deepEqual(store.registerStudy(spec, tasks), { total: 4, added: 4, finished: 0 });
  assert.deepEqual(store.registerStudy(spec, tasks), { total: 4, added: 0, finished: 0 });
  assert.equal(store.progress('s1').total, 4);
  assert.equal(store.unfinishedTasks('s1').length, 4);
  store.close();
});

test('store - a result is stored once and never overwritten', () => {
  const store = new SqliteResultStore(freshPath());
  store.registerStudy(spec, tasks);
  const [t0, t1] = tasks;
  assert.ok(t0 && t1);
  store.markStarted(t0.id, 1);
  assert.equal(store.taskState(t0.id)?.attempts, 1);
  assert.equal(store.recordOutcome(doneOutcome(t0, 0.5), { worker: 'w1' }), true);
  assert.equal(store.recordOutcome(doneOutcome(t0, 0.9), { worker: 'w2' }), false);
  assert.equal(store.recordFailure(t0.id, 'late failure'), false);
  const rows = store.results('s1').filter((r) => r.status === 'done');
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.l1Error, 0.5);
  store.markStarted(t0.id, 2);
  assert.equal(store.taskState(t0.id)?.status, 'done');
  store.recordOutcome(divergedOutcome(t1), { worker: 'w1' });
  assert.deepEqual(store.progress('s1'), {
    study: 's1',
    total: 4,
    pending: 2,
    running: 0,
    done: 1,
    failed: 0,
    diverged: 1,
  });
  assert.equal(store.unfinishedTasks('s1').length, 2);
  store.close();
});

test('store - attempts count up and failures keep their error text', () => {
  const store = new SqliteResultStore(freshPath());
  store.registerStudy(spec, tasks);
  const t = tasks[2];
  assert.ok(t);
  store.markStarted(t.id, 1);
  store.noteAttemptFailed(t.id, 1, 'first error');
  assert.equal(store.taskState(t.id)?.status, 'pending');
  store.markStarted(t.id, 2);
  assert.equal(store.recordFailure(t.id, 'boom'), true);
  const db = new Database(store.path, { readonly: true });
  const row = db
    .prepare('SELECT status, attempts, error FROM task_results WHERE task_id = ?')
    .get(t.id);
  db.close();
  assert.deepEqual(row, { status: 'failed', attempts: 2, error: 'boom' });
  // A failed task is retried by the next run.
  assert.ok(store.unfinishedTasks('s1').some((u) => u.id === t.id));
  // A late report of an old attempt leaves it failed; a newer attempt starts it again.
  store.markStarted(t.id, 2);
  assert.equal(store.taskState(t.id)?.status, 'failed');
  store.markStarted(t.id, 3);
  assert.deepEqual(store.taskState(t.id), { status: 'running', attempts: 3, latestCopy: null });
  store.close();
});

test('store - a task shared by two studies is trained once', () => {
  const store = new SqliteResultStore(freshPath());
  store.registerStudy(spec, tasks);
  const t = tasks[0];
  assert.ok(t);
  store.recordOutcome(doneOutcome(t), { worker: 'w' });
  const other = validateStudySpec({
    name: 's2',
    grid: { dims: [1], widths: [4, 16], seeds: [0], targets: ['sine'] },
  });
  const summary = store.registerStudy(other, expandStudy(other));
  assert.deepEqual(summary, { total: 2, added: 1, finished: 1 });
  assert.equal(store.unfinishedTasks('s2').length, 1);
  store.close();
});

test('store - the task_results view has the documented columns', () => {
  const store = new SqliteResultStore(freshPath());
  store.registerStudy(spec, tasks);
  store.close();
  const db = new Database(store.path, { readonly: true });
  const columns = db
    .prepare('SELECT * FROM task_results')
    .columns()
    .map((c) => c.name);
  db.close();
  for (const c of [
    'study',
    'task_id',
    'target',
    'dim',
    'width',
    'seed',
    'status',
    'l1_error',
    'l1_stderr',
    'l2_error',
    'max_error',
    'accuracy',
    'train_loss',
    'steps',
    'wall_ms',
    'backend',
    'attempts',
    'error',
  ]) {
    assert.ok(columns.includes(c), c);
  }
});

test('store - WAL mode and the schema version are set', () => {
  const store = new SqliteResultStore(freshPath());
  store.close();
  const db = new Database(store.path, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
});

test('store - a database from a newer widthsweep is refused', () => {
  const path = freshPath();
  const db = new Database(path);
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(() => new SqliteResultStore(path), StoreError);
});

test('store - close is idempotent', () => {
  const store = new SqliteResultStore(freshPath());
  store.close();
  store.close();
});

test('store - a study is its latest spec; earlier results stay in the database', () => {
  const store = new SqliteResultStore(freshPath());
  store.registerStudy(spec, tasks);
  const t = tasks[0];
  assert.ok(t);
  store.recordOutcome(doneOutcome(t), { worker: 'w' });
  const changed = validateStudySpec({
    ...spec,
    grid: { ...spec.grid, targets: ['sine'] },
    train: { ...spec.train, lr: 0.5 },
  });
  assert.deepEqual(store.registerStudy(changed, expandStudy(changed)), {
    total: 4,
    added: 4,
    finished: 0,
  });
  assert.equal(store.progress('s1').total, 4);
  assert.equal(store.progress('s1').done, 0);
  // Going back to the first spec finds the old result again.
  assert.deepEqual(store.registerStudy(spec, tasks), { total: 4, added: 0, finished: 1 });
  store.close();
});
