import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { applyResult } from '../../coordinator/apply-result.js';
import { jetStreamAttemptRules } from '../../coordinator/distributed/result-collector.js';
import { SqliteResultStore } from '../../coordinator/store/sqlite-store.js';
import { RejectedResultError } from '../../shared/errors.js';
import { expandStudy } from '../../shared/expand.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import type { Task } from '../../shared/task.js';
import { WIRE_VERSION } from '../../shared/wire/messages.js';
import type { ResultMessage } from '../../shared/wire/messages.js';
import { doneOutcome } from '../helpers/outcomes.js';
import { tempDir } from '../helpers/temp.js';

const dir = tempDir();
after(() => dir.remove());
let n = 0;
const spec = validateStudySpec({
  name: 'a',
  grid: { dims: [1], widths: [4, 8], seeds: [0], targets: ['sine'] },
});
const [t0, t1] = expandStudy(spec);
assert.ok(t0 !== undefined && t1 !== undefined);
const [stranger] = expandStudy(
  validateStudySpec({
    name: 'b',
    grid: { dims: [1], widths: [99], seeds: [0], targets: ['sine'] },
  }),
);
assert.ok(stranger !== undefined);
const RULES = jetStreamAttemptRules(3);

function setup() {
  const store = new SqliteResultStore(join(dir.path, `apply-${n++}.sqlite`));
  store.registerStudy(spec, [t0 as Task, t1 as Task]);
  store.recordPublished(t0?.id as string, 10);
  store.recordPublished(t1?.id as string, 11);
  const study = { name: 'a', key: store.studyKey('a') };
  return { store, study };
}

function failure(task: Task, attempt: number, taskSeq: number, final: boolean, key: string) {
  const message: ResultMessage = {
    type: 'attempt-failed',
    v: WIRE_VERSION,
    study: 'a',
    studyKey: key,
    taskId: task.id,
    worker: 'w',
    attempt,
    taskSeq,
    task,
    error: 'boom',
    final,
  };
  return message;
}

test('apply result - the study key is drawn once and kept', () => {
  const { store, study } = setup();
  assert.match(study.key, /^[0-9a-f]{16}$/);
  assert.equal(store.studyKey('a'), study.key);
  store.close();
});

test('apply result - a final failure from an early attempt does not fail the task', () => {
  const { store, study } = setup();
  const event = applyResult(store, study, RULES, failure(t0, 1, 10, true, study.key));
  assert.equal(event?.type === 'attempt-failed' && event.final, false);
  assert.equal(store.taskState(t0.id)?.status, 'pending');
  store.close();
});

test('apply result - a failure of an older copy or an overtaken attempt changes nothing', () => {
  const { store, study } = setup();
  assert.equal(applyResult(store, study, RULES, failure(t0, 3, 9, true, study.key)), undefined);
  store.markStarted(t0.id, 3);
  assert.equal(applyResult(store, study, RULES, failure(t0, 2, 10, false, study.key)), undefined);
  assert.equal(store.taskState(t0.id)?.status, 'running');
  // The last delivery of the latest copy: failed for good.
  const final = applyResult(store, study, RULES, failure(t0, 3, 10, true, study.key));
  assert.equal(final?.type === 'attempt-failed' && final.final, true);
  assert.equal(store.taskState(t0.id)?.status, 'failed');
  store.close();
});

test('apply result - a failure never overwrites a done task', () => {
  const { store, study } = setup();
  store.recordOutcome(doneOutcome(t1), { worker: 'w', attempt: 1 });
  assert.equal(applyResult(store, study, RULES, failure(t1, 3, 11, true, study.key)), undefined);
  assert.equal(store.taskState(t1.id)?.status, 'done');
  store.close();
});

test('apply result - results for other studies or unknown tasks are refused, no row added', () => {
  const { store, study } = setup();
  assert.throws(
    () => applyResult(store, study, RULES, failure(t0, 3, 10, true, 'ffffffffffffffff')),
    RejectedResultError,
  );
  assert.throws(
    () => applyResult(store, study, RULES, failure(stranger, 1, 12, false, study.key)),
    RejectedResultError,
  );
  assert.equal(store.getTask(stranger.id), undefined);
  store.close();
});
