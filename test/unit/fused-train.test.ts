import { taskInputs, teacherTask } from '../helpers/teacher-task.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TaskCancelledError, ValidationError } from '../../shared/errors.js';
import { evaluateNetwork } from '../../shared/evaluate.js';
import { taskId } from '../../shared/expand.js';
import { forward } from '../../shared/forward.js';
import { deriveSeed } from '../../shared/random.js';
import { createTarget, getTargetDefinition } from '../../shared/targets/registry.js';
import type { Task, TaskSpec } from '../../shared/task.js';
import { loadBackend, trainOnBackend } from '../../worker/backend-context.js';
import { executeTask } from '../../worker/execute-task.js';
import { loadFused } from '../../worker/fused/context.js';
import { loadTf } from '../../worker/tfjs.js';
import type { TrainNetworkInput } from '../../worker/train/trainer.js';

const fused = await loadFused();

const trainFused = (input: TrainNetworkInput) => trainOnBackend(fused, input);

function fusedInput(task: Task, signal?: AbortSignal): TrainNetworkInput {
  return {
    ...taskInputs(task),
    train: task.train,
    shuffleSeed: 11,
    ...(signal === undefined ? {} : { signal }),
  };
}

const RECIPES: ReadonlyArray<Partial<TaskSpec['train']>> = [
  { optimizer: 'adam' },
  { optimizer: 'adam', batch: 32, loss: 'l1' },
  { optimizer: 'sgd', momentum: 0.9, lr: 0.05, schedule: 'constant' },
  { optimizer: 'lsgd' },
  { optimizer: 'lbfgs' },
];

test('fused train - same task twice gives bit-identical weights and loss curves', async () => {
  for (const recipe of RECIPES) {
    const task = teacherTask({ train: { steps: 60, ...recipe } });
    const first = await trainFused(fusedInput(task));
    const second = await trainFused(fusedInput(task));
    assert.deepEqual(second.weights, first.weights, JSON.stringify(recipe));
    assert.deepEqual(second.lossCurve, first.lossCurve, JSON.stringify(recipe));
    assert.notDeepEqual(first.weights.w1, taskInputs(task).init.w1, 'training moved the weights');
  }
});

test('fused train - the last recorded loss is the loss of the returned weights', async () => {
  for (const recipe of RECIPES) {
    const task = teacherTask({ train: { steps: 40, ...recipe } });
    const result = await trainFused(fusedInput(task));
    const { data } = taskInputs(task);
    const out = forward(result.weights, Float64Array.from(data.x), data.n);
    let sum = 0;
    for (let i = 0; i < data.n; i++) {
      const diff = (out[i] ?? Number.NaN) - (data.y[i] ?? Number.NaN);
      sum += task.train.loss === 'mse' ? diff * diff : Math.abs(diff);
    }
    const expected = sum / data.n;
    assert.ok(
      Math.abs(result.trainLoss - expected) <= 1e-5 * expected,
      `${JSON.stringify(recipe)}: recorded ${result.trainLoss}, recomputed ${expected}`,
    );
    assert.equal(result.lossCurve[result.lossCurve.length - 1]?.[0], result.steps);
  }
});

test('fused train - starts where the tfjs trainer starts and follows its adam run', async () => {
  const wasm = await loadTf('wasm');
  for (const batch of [0, 32]) {
    const task = teacherTask({ train: { steps: 60, batch } });
    const mine = await trainFused(fusedInput(task));
    const theirs = await trainOnBackend(wasm, {
      ...taskInputs(task),
      train: task.train,
      shuffleSeed: 11,
    });
    const [first, reference] = [mine.lossCurve[0]?.[1] ?? 0, theirs.lossCurve[0]?.[1] ?? 1];
    assert.ok(
      Math.abs(first - reference) <= 1e-6 * reference,
      `initial loss ${first} vs ${reference}`,
    );
    assert.deepEqual(
      mine.lossCurve.map(([step]) => step),
      theirs.lossCurve.map(([step]) => step),
    );
    const w1 = theirs.weights.w1;
    assert.ok(
      mine.weights.w1.every((v, i) => Math.abs(v - (w1[i] ?? Number.NaN)) < 1e-3),
      `batch ${batch}: weights drifted apart`,
    );
  }
});

test('fused train - adam, lsgd and lbfgs fit the width-4 teacher with width 16', async () => {
  const ctx = await loadBackend('fused');
  const target = createTarget(teacherTask().target, 1);
  for (const [optimizer, bound] of [
    ['adam', 0.03],
    ['lsgd', 1e-4],
    ['lbfgs', 1e-3],
  ] as const) {
    const task = teacherTask({ train: { steps: 400, optimizer } });
    const outcome = await executeTask(task, ctx);
    assert.equal(outcome.type, 'done');
    if (outcome.type !== 'done') return;
    const before = evaluateNetwork(
      taskInputs(task).init,
      target,
      task.eval,
      deriveSeed(task.seed, 'eval'),
    ).l1Error;
    assert.ok(outcome.metrics.l1Error < bound, `${optimizer}: L1 ${outcome.metrics.l1Error}`);
    assert.ok(outcome.metrics.l1Error < before / 10, `${optimizer}: L1 at init ${before}`);
    assert.equal(outcome.train.backend, 'fused');
    assert.equal(outcome.train.versions['fused-kernel'], fused.kernel.hash);
  }
});

test('fused train - sgd with a huge learning rate is stopped as diverged', async () => {
  const task = teacherTask({
    train: { optimizer: 'sgd', lr: 1e4, schedule: 'constant', steps: 2000 },
  });
  const outcome = await executeTask(task, fused);
  assert.equal(outcome.type, 'diverged');
  if (outcome.type !== 'diverged') return;
  assert.match(outcome.reason, /step \d+/);
  assert.ok(outcome.train.steps < 2000, `stopped after ${outcome.train.steps} steps`);
});

test('fused train - an aborted signal stops training with TaskCancelledError', async () => {
  const controller = new AbortController();
  const task = teacherTask({ train: { steps: 10_000_000 } });
  const running = executeTask(task, fused, controller.signal);
  setTimeout(() => controller.abort(), 50);
  const startMs = performance.now();
  await assert.rejects(
    running,
    (err) => err instanceof TaskCancelledError && err.taskId === task.id,
  );
  assert.ok(performance.now() - startMs < 2000, 'cancellation took too long');
});

test('train - recipes a method cannot run are refused with the field named, on every backend', async () => {
  for (const ctx of [fused, await loadTf('wasm')]) {
    const train = (input: TrainNetworkInput) => trainOnBackend(ctx, input);
    await assert.rejects(
      train(fusedInput(teacherTask({ train: { optimizer: 'lsgd', loss: 'l1' } }))),
      (err) => err instanceof ValidationError && err.field === 'train.optimizer',
    );
    await assert.rejects(
      train(fusedInput(teacherTask({ train: { optimizer: 'lbfgs', batch: 16 } }))),
      (err) => err instanceof ValidationError && err.field === 'train.batch',
    );
  }
});

test('fused train - softmax networks train with cross-entropy on a classification target', async () => {
  const params = getTargetDefinition('disk')?.params.parse({}) ?? {};
  const base = teacherTask();
  for (const optimizer of ['adam', 'lbfgs'] as const) {
    const spec: TaskSpec = {
      ...base,
      target: { name: 'disk', params },
      kind: 'classification',
      dim: 2,
      train: { ...base.train, optimizer, loss: 'cross-entropy', steps: 200, lr: 0.02 },
    };
    const outcome = await executeTask({ ...spec, id: taskId(spec) }, fused);
    assert.equal(outcome.type, 'done');
    if (outcome.type !== 'done') return;
    assert.ok(
      (outcome.metrics.accuracy ?? 0) > 0.8,
      `${optimizer}: accuracy ${outcome.metrics.accuracy}`,
    );
  }
});
