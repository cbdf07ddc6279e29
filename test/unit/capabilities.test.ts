import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BACKEND_NAMES,
  backendOptimizers,
  canTrain,
  poolCapabilityIssues,
} from '../../shared/capabilities.js';
import { WireFormatError } from '../../shared/errors.js';
import { expandStudy } from '../../shared/expand.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import { parseHeartbeat, type WorkerHeartbeat } from '../../shared/wire/heartbeat.js';

// widths 4 and 1024 in 1-D and 2-D: `auto` gives lsgd (1-D, width 4) and lbfgs (the rest); init
// random, since from the default 1-D warm start auto trains with lbfgs at every width.
const spec = validateStudySpec({
  name: 'caps',
  grid: { dims: [1, 2], widths: [4, 1024], seeds: [0], targets: ['sine'] },
  train: { init: 'random' },
  routing: [{ pool: 'gpu', minWidth: 1024 }],
});
const tasks = expandStudy(spec);

const worker = (pool: string, backend: string, optimizers = backendOptimizers(backend)) => ({
  pool,
  backend,
  optimizers,
});

test('capabilities - every backend runs every optimizer auto resolves to', () => {
  assert.deepEqual(new Set(tasks.map((t) => t.train.optimizer)), new Set(['lsgd', 'lbfgs']));
  for (const backend of BACKEND_NAMES) {
    for (const task of tasks) assert.ok(canTrain(worker('x', backend), task), backend);
  }
  assert.deepEqual(backendOptimizers('a-future-backend'), []);
});

test('capabilities - routed pools with capable live workers raise no issue', () => {
  const live = [worker('default', 'fused'), worker('gpu', 'wasm')];
  assert.deepEqual(poolCapabilityIssues(tasks, spec.routing, live), []);
});

test('capabilities - a pool with no live worker, or none that runs its optimizer, names the rule and pool', () => {
  const issues = poolCapabilityIssues(tasks, spec.routing, [worker('default', 'fused')]);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]?.rule, 'routing[0]');
  assert.equal(issues[0]?.pool, 'gpu');
  assert.equal(issues[0]?.tasks, 2);
  assert.match(
    issues[0]?.message ?? '',
    /routing\[0\] \(minWidth 1024\).*pool 'gpu'.*no live worker/,
  );

  const adamOnly = [worker('default', 'fused'), worker('gpu', 'tfjs-node-gpu', ['adam', 'sgd'])];
  const [issue] = poolCapabilityIssues(tasks, spec.routing, adamOnly);
  assert.deepEqual(issue?.optimizers, ['lbfgs']);
  assert.match(issue?.message ?? '', /1 x tfjs-node-gpu \[adam, sgd\]/);

  const none = poolCapabilityIssues(tasks, spec.routing, [worker('gpu', 'wasm')]);
  assert.deepEqual(
    none.map((i) => [i.rule, i.pool, i.tasks]),
    [['routing', 'default', 2]],
  );
});

const beat: WorkerHeartbeat = {
  type: 'worker-heartbeat',
  name: 'w1',
  host: 'h',
  pid: 42,
  pool: 'gpu',
  backend: 'wasm',
  optimizers: ['adam', 'sgd', 'lsgd', 'lbfgs'],
  versions: { '@tensorflow/tfjs-core': '4.22.0', node: '20.0.0' },
  threads: 2,
  inFlight: 0,
  tasksDone: 3,
  tasksFailed: 0,
  startedAt: '2026-01-01T00:00:00.000Z',
  lastHeartbeat: '2026-01-01T00:00:05.000Z',
};

test('heartbeat - a valid heartbeat round-trips; a bad field is named', () => {
  assert.deepEqual(parseHeartbeat(JSON.stringify(beat)), beat);
  const bad: Array<[unknown, RegExp]> = [
    [{ ...beat, optimizers: 'adam' }, /optimizers/],
    [{ ...beat, versions: { node: 20 } }, /versions/],
    [{ ...beat, threads: 0 }, /threads/],
    [{ ...beat, lastHeartbeat: 'yesterday' }, /lastHeartbeat/],
    [{ ...beat, extra: 1 }, /message|extra/],
  ];
  for (const [value, field] of bad) {
    assert.throws(
      () => parseHeartbeat(JSON.stringify(value)),
      (err) => err instanceof WireFormatError && field.test(err.message),
      JSON.stringify(value),
    );
  }
  // A heartbeat from a worker that predates capabilities: no optimizers, no versions.
  const old = JSON.stringify(beat, (key, value: unknown) =>
    key === 'optimizers' || key === 'versions' ? undefined : value,
  );
  assert.throws(() => parseHeartbeat(old), WireFormatError);
  assert.throws(() => parseHeartbeat('{'), WireFormatError);
});
