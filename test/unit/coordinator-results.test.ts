import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Coordinator } from '../../coordinator/coordinator.js';
import { MemoryResultStore } from '../../coordinator/store/memory-store.js';
import { UnknownStudyError } from '../../shared/errors.js';
import {
  eventLog,
  messageFor,
  ScriptedDispatcher,
  tinySpec,
} from '../helpers/coordinator-fixtures.js';
import { doneOutcome } from '../helpers/outcomes.js';

test('coordinator results - a duplicate outcome is ignored', async () => {
  const { spec, tasks } = tinySpec('duplicate');
  const [t0] = tasks;
  assert.ok(t0);
  const store = new MemoryResultStore();
  const dispatcher = new ScriptedDispatcher((job) => [
    messageFor(job, t0, 1, { type: 'started' }),
    messageFor(job, t0, 1, { type: 'outcome', outcome: doneOutcome(t0, 0.25) }),
    // The same result delivered again, and a second attempt's different one.
    messageFor(job, t0, 1, { type: 'outcome', outcome: doneOutcome(t0, 0.25) }),
    messageFor(job, t0, 2, { type: 'outcome', outcome: doneOutcome(t0, 0.75) }),
  ]);
  const coordinator = new Coordinator(store, dispatcher);
  const log = eventLog();
  const summary = await coordinator.run(spec, { onEvent: log.onEvent });
  assert.equal(summary.trained, 1);
  assert.equal(log.events.filter((e) => e.type === 'finished').length, 1);
  const stored = store.result(t0.id)?.outcome;
  assert.equal(stored?.type === 'done' ? stored.metrics.l1Error : undefined, 0.25);
  await coordinator.close();
  assert.equal(dispatcher.closeCalls, 1);
});

test('coordinator results - a late final failure never overwrites a done result', async () => {
  const { spec, tasks } = tinySpec('late');
  const [t0] = tasks;
  assert.ok(t0);
  const store = new MemoryResultStore();
  const dispatcher = new ScriptedDispatcher((job) => [
    messageFor(job, t0, 1, { type: 'outcome', outcome: doneOutcome(t0) }),
    messageFor(job, t0, 3, { type: 'attempt-failed', error: 'late', final: true }),
    messageFor(job, t0, 4, { type: 'started' }),
  ]);
  const coordinator = new Coordinator(store, dispatcher);
  const log = eventLog();
  const summary = await coordinator.run(spec, { onEvent: log.onEvent });
  assert.equal(store.taskState(t0.id)?.status, 'done');
  assert.equal(store.taskError(t0.id), null);
  assert.equal(summary.failedNow, 0);
  assert.equal(log.events.filter((e) => e.type === 'attempt-failed').length, 0);
  await coordinator.close();
});

test('coordinator results - collect of a study the database lacks is refused', async () => {
  const coordinator = new Coordinator(new MemoryResultStore(), new ScriptedDispatcher(() => []));
  await assert.rejects(coordinator.collect('nowhere'), UnknownStudyError);
  assert.equal(coordinator.state, 'idle');
  await coordinator.close();
});

test('coordinator results - collect applies what the dispatcher delivers without retrying failed tasks', async () => {
  const { spec, tasks } = tinySpec('collect');
  const [t0, t1] = tasks;
  assert.ok(t0 && t1);
  const store = new MemoryResultStore();
  store.registerStudy(spec, tasks);
  store.recordFailure(t1.id, 'failed earlier');
  let seen: string[] = [];
  const dispatcher = new ScriptedDispatcher((job) => {
    seen = job.openTasks(job.retryFailed).map((t) => t.id);
    return [messageFor(job, t0, 1, { type: 'outcome', outcome: doneOutcome(t0) })];
  });
  const coordinator = new Coordinator(store, dispatcher);
  const log = eventLog();
  const summary = await coordinator.collect('collect', { onEvent: log.onEvent });
  assert.ok(!seen.includes(t1.id));
  assert.equal(seen.length, 3);
  const start = log.events[0];
  assert.ok(start?.type === 'start');
  assert.equal(start.queued, 3);
  assert.equal(summary.trained, 1);
  assert.equal(summary.failed, 1);
  assert.equal(summary.backend, 'scripted');
  await coordinator.close();
});
