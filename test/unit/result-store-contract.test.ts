import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MemoryResultStore } from '../../coordinator/store/memory-store.js';
import type { ResultStore } from '../../coordinator/store/result-store.js';
import { SqliteResultStore } from '../../coordinator/store/sqlite-store.js';
import { tinySpec } from '../helpers/coordinator-fixtures.js';
import { doneOutcome } from '../helpers/outcomes.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
after(() => dir.remove());
let n = 0;

// The in-memory store stands in for SQLite in the coordinator tests: it must keep the same rules.
const stores: Array<[string, () => ResultStore]> = [
  ['memory', () => new MemoryResultStore()],
  ['sqlite', () => new SqliteResultStore(join(dir.path, `contract-${n++}.sqlite`))],
];

for (const [name, make] of stores) {
  test(`result store contract (${name}) - a final result is never overwritten nor restarted`, () => {
    const store = make();
    const { spec, tasks } = tinySpec('contract');
    const [t0] = tasks;
    assert.ok(t0);
    assert.deepEqual(store.registerStudy(spec, tasks), { total: 4, added: 4, finished: 0 });
    store.markStarted(t0.id, 1);
    assert.equal(store.recordOutcome(doneOutcome(t0, 0.5), { worker: 'a', attempt: 1 }), true);
    assert.equal(store.recordOutcome(doneOutcome(t0, 0.9), { worker: 'b', attempt: 2 }), false);
    assert.equal(store.recordFailure(t0.id, 'late'), false);
    store.markStarted(t0.id, 5);
    store.noteAttemptFailed(t0.id, 5, 'late');
    assert.deepEqual(store.taskState(t0.id), { status: 'done', attempts: 1, latestCopy: null });
    assert.deepEqual(store.registerStudy(spec, tasks), { total: 4, added: 0, finished: 1 });
    assert.equal(store.unfinishedTasks('contract').length, 3);
    store.close();
  });

  test(`result store contract (${name}) - a final failure counts its attempts without start reports`, () => {
    const store = make();
    const { spec, tasks } = tinySpec('contract');
    const [, , t2] = tasks;
    assert.ok(t2);
    store.registerStudy(spec, tasks);
    // Quick attempts send no start report (the worker's reportStartAfterMs): only their failures.
    store.noteAttemptFailed(t2.id, 1, 'first');
    assert.equal(store.recordFailure(t2.id, 'second', 2), true);
    assert.deepEqual(store.taskState(t2.id), { status: 'failed', attempts: 2, latestCopy: null });
    assert.equal(store.recordFailure(t2.id, 'stale', 1), true);
    assert.equal(store.taskState(t2.id)?.attempts, 2, 'attempts never go down');
    store.close();
  });

  test(`result store contract (${name}) - a failed task restarts only with a newer attempt`, () => {
    const store = make();
    const { spec, tasks } = tinySpec('contract');
    const [, t1] = tasks;
    assert.ok(t1);
    store.registerStudy(spec, tasks);
    store.markStarted(t1.id, 1);
    store.noteAttemptFailed(t1.id, 1, 'first');
    assert.equal(store.taskState(t1.id)?.status, 'pending');
    store.markStarted(t1.id, 2);
    assert.equal(store.recordFailure(t1.id, 'second'), true);
    assert.equal(store.taskError(t1.id), 'second');
    assert.equal(store.unfinishedTasks('contract', false).length, 3);
    store.markStarted(t1.id, 2);
    store.noteAttemptFailed(t1.id, 2, 'stale');
    assert.deepEqual(store.taskState(t1.id), { status: 'failed', attempts: 2, latestCopy: null });
    store.markStarted(t1.id, 3);
    assert.equal(store.taskState(t1.id)?.status, 'running');
    assert.equal(store.progress('contract').running, 1);
    store.close();
  });

  test(`result store contract (${name}) - a throw inside transaction() rolls back`, () => {
    const store = make();
    const { spec, tasks } = tinySpec('contract');
    const [t0] = tasks;
    assert.ok(t0);
    store.registerStudy(spec, tasks);
    assert.throws(() =>
      store.transaction(() => {
        store.recordOutcome(doneOutcome(t0), { worker: 'a' });
        throw new Error('abort the batch');
      }),
    );
    assert.equal(store.taskState(t0.id)?.status, 'pending');
    assert.equal(store.recordOutcome(doneOutcome(t0), { worker: 'a' }), true);
    assert.equal(store.studyKey('contract'), store.studyKey('contract'));
    assert.equal(store.acceptsResult('contract', t0.id), true);
    assert.equal(store.acceptsResult('other', t0.id), false);
    store.close();
  });
}
