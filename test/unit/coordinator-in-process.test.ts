import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Coordinator } from '../../coordinator/coordinator.js';
import { InProcessDispatcher } from '../../coordinator/dispatch/in-process-dispatcher.js';
import { MemoryResultStore } from '../../coordinator/store/memory-store.js';
import { LifecycleError, StoreError } from '../../shared/errors.js';
import type { TaskOutcome } from '../../shared/result.js';
import { eventLog, tinySpec } from '../helpers/coordinator-fixtures.js';
import { FakeTaskRunner } from '../helpers/fake-runner.js';
import { divergedOutcome, doneOutcome } from '../helpers/outcomes.js';

function build(runner: FakeTaskRunner, store = new MemoryResultStore(), maxAttempts = 3) {
  const coordinator = new Coordinator(store, new InProcessDispatcher(runner, { maxAttempts }));
  return { store, coordinator };
}

test('coordinator in-process - resume trains only the tasks without a final result', async () => {
  const { spec, tasks } = tinySpec('resume');
  const [t0, t1] = tasks;
  assert.ok(t0 && t1);
  const store = new MemoryResultStore();
  store.registerStudy(spec, tasks);
  store.recordOutcome(doneOutcome(t0), { worker: 'earlier' });
  store.recordOutcome(divergedOutcome(t1), { worker: 'earlier' });
  const runner = new FakeTaskRunner(2);
  const { coordinator } = build(runner, store);
  const summary = await coordinator.run(spec);
  assert.deepEqual(new Set(runner.calls), new Set(tasks.slice(2).map((t) => t.id)));
  assert.equal(runner.calls.length, 2);
  assert.equal(summary.skipped, 2);
  assert.equal(summary.trained, 2);
  assert.equal(store.result(t0.id)?.worker, 'earlier');
  await coordinator.close();
});

test('coordinator in-process - a failing task is retried, then failed for good after maxAttempts', async () => {
  const { spec, tasks } = tinySpec('retry');
  const [flaky, broken] = tasks;
  assert.ok(flaky && broken);
  const runner = new FakeTaskRunner(1, (task, n) => {
    if (task.id === broken.id) return 'fail';
    if (task.id === flaky.id && n === 1) return 'fail';
    return doneOutcome(task);
  });
  const { store, coordinator } = build(runner, new MemoryResultStore(), 3);
  const log = eventLog();
  const summary = await coordinator.run(spec, { onEvent: log.onEvent });
  assert.equal(runner.calls.filter((id) => id === broken.id).length, 3);
  assert.equal(runner.calls.filter((id) => id === flaky.id).length, 2);
  const failures = (id: string) =>
    log.events.flatMap((e) =>
      e.type === 'attempt-failed' && e.task.id === id ? [[e.attempt, e.final]] : [],
    );
  assert.deepEqual(failures(flaky.id), [[1, false]]);
  assert.deepEqual(failures(broken.id), [
    [1, false],
    [2, false],
    [3, true],
  ]);
  assert.deepEqual(store.taskState(broken.id), { status: 'failed', attempts: 3, latestCopy: null });
  assert.match(store.taskError(broken.id) ?? '', /scripted failure/);
  assert.equal(store.taskState(flaky.id)?.status, 'done');
  assert.equal(summary.failedNow, 1);
  assert.equal(summary.failed, 1);
  // The next run tries the failed task again, numbering its attempts after the first run's.
  const again = await coordinator.run(spec);
  assert.equal(runner.calls.filter((id) => id === broken.id).length, 6);
  assert.equal(store.taskState(broken.id)?.attempts, 6);
  assert.equal(again.skipped, 3);
  assert.equal(again.failedNow, 1);
  await coordinator.close();
});

test('coordinator in-process - close() mid-run hands running tasks back and is idempotent', async () => {
  const { spec, tasks } = tinySpec('cancel');
  const runner = new FakeTaskRunner(2, () => 'hang');
  const { store, coordinator } = build(runner);
  const log = eventLog();
  const running = coordinator.run(spec, { onEvent: log.onEvent });
  await runner.waitForCalls(2);
  assert.equal(coordinator.state, 'running');
  assert.equal(store.progress('cancel').running, 2);
  const first = coordinator.close();
  const second = coordinator.close();
  assert.equal(first, second);
  const summary = await running;
  await first;
  assert.equal(summary.interrupted, true);
  assert.equal(summary.pending, tasks.length);
  assert.equal(runner.calls.length, 2, 'nothing dispatched after close()');
  assert.equal(runner.closeCalls, 1);
  assert.equal(store.closed, true);
  assert.equal(coordinator.state, 'closed');
  // Handed back quietly: no "retrying" line for a cancelled attempt.
  assert.equal(log.events.filter((e) => e.type === 'attempt-failed').length, 0);
  await coordinator.close();
  assert.equal(runner.closeCalls, 1);
  await assert.rejects(coordinator.run(spec), LifecycleError);
});

test('coordinator in-process - tasks handed back by close() are pending, not running', async () => {
  const { spec } = tinySpec('handback');
  const runner = new FakeTaskRunner(2, () => 'hang');
  const store = new MemoryResultStore();
  // close() closes the store: look at it through a subclass that keeps reading.
  const seen: string[] = [];
  const watched = Object.assign(store, {
    close: () => {
      const p = store.progress('handback');
      seen.push(`${p.running} running, ${p.pending} pending`);
      MemoryResultStore.prototype.close.call(store);
    },
  });
  const { coordinator } = build(runner, watched);
  const running = coordinator.run(spec);
  await runner.waitForCalls(2);
  await coordinator.close();
  await running;
  assert.deepEqual(seen, ['0 running, 4 pending']);
});

test('coordinator in-process - a store failure stops the run with a StoreError', async () => {
  const { spec } = tinySpec('broken-store', 4);
  class FullDisk extends MemoryResultStore {
    override recordOutcome(): boolean {
      throw new Error('SQLITE_FULL: database or disk is full');
    }
  }
  const runner = new FakeTaskRunner(2);
  const { coordinator } = build(runner, new FullDisk());
  await assert.rejects(coordinator.run(spec), (err: unknown) => {
    assert.ok(err instanceof StoreError);
    assert.match(err.message, /disk is full/);
    return true;
  });
  // Both lanes stopped at their first result instead of training the other six tasks.
  assert.equal(runner.calls.length, 2);
  assert.equal(coordinator.state, 'idle');
  await coordinator.close();
});

test('coordinator in-process - run() while a run is in progress throws LifecycleError', async () => {
  const { spec } = tinySpec('busy');
  const runner = new FakeTaskRunner(1, () => 'hang');
  const { coordinator } = build(runner);
  const running = coordinator.run(spec);
  await runner.waitForCalls(1);
  await assert.rejects(coordinator.run(spec), (err: unknown) => {
    assert.ok(err instanceof LifecycleError);
    assert.equal(err.state, 'running');
    return true;
  });
  await coordinator.close();
  assert.equal((await running).interrupted, true);
});

test('coordinator in-process - the run summary counts what the run did', async () => {
  const { spec, tasks } = tinySpec('counts');
  const [t0, t1, t2, t3] = tasks;
  assert.ok(t0 && t1 && t2 && t3);
  const outcomes = new Map<string, TaskOutcome | 'fail'>([
    [t0.id, doneOutcome(t0)],
    [t1.id, doneOutcome(t1)],
    [t2.id, divergedOutcome(t2)],
    [t3.id, 'fail'],
  ]);
  const runner = new FakeTaskRunner(2, (task) => outcomes.get(task.id) ?? 'fail');
  const { coordinator } = build(runner, new MemoryResultStore(), 1);
  const log = eventLog();
  const summary = await coordinator.run(spec, { onEvent: log.onEvent });
  const { wallMs, ...counts } = summary;
  assert.ok(wallMs >= 0);
  assert.deepEqual(counts, {
    study: 'counts',
    total: 4,
    done: 2,
    failed: 1,
    diverged: 1,
    pending: 0,
    trained: 3,
    skipped: 0,
    failedNow: 1,
    backend: 'wasm',
    interrupted: false,
  });
  const start = log.events[0];
  assert.ok(start?.type === 'start');
  assert.equal(start.queued, 4);
  assert.equal(start.runner, '2 wasm thread(s)');
  await coordinator.close();
});
