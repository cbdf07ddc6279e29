import { taskInputs, teacherTask } from '../helpers/teacher-task.js';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { TaskCancelledError, ValidationError } from '../../shared/errors.js';
import { evaluateNetwork } from '../../shared/evaluate.js';
import { forward } from '../../shared/forward.js';
import { taskId } from '../../shared/expand.js';
import { deriveSeed } from '../../shared/random.js';
import { createTarget, getTargetDefinition } from '../../shared/targets/registry.js';
import type { Task, TaskSpec } from '../../shared/task.js';
import { executeTask } from '../../worker/execute-task.js';
import { activateBackend, loadTf } from '../../worker/tfjs.js';
import { lossCurveSteps, MAX_LOSS_CURVE_POINTS } from '../../worker/train/loss-curve.js';
import { MinibatchSampler } from '../../worker/train/minibatch.js';
import { learningRateAt } from '../../worker/train/schedule.js';
import { trainOnBackend } from '../../worker/backend-context.js';
import type { TrainNetworkInput } from '../../worker/train/trainer.js';

const ctx = await loadTf('wasm');
const { tf } = ctx;
after(() => activateBackend(tf, 'wasm'));

const trainNetwork = (input: TrainNetworkInput) => trainOnBackend(ctx, input);

function trainInput(task: Task, signal?: AbortSignal): TrainNetworkInput {
  return {
    ...taskInputs(task),
    train: task.train,
    shuffleSeed: 11,
    ...(signal === undefined ? {} : { signal }),
  };
}

test('train - loss curve keeps at most 200 evenly spaced points with the first and last step', async () => {
  const steps = 450;
  const result = await trainNetwork(trainInput(teacherTask({ train: { steps, samples: 64 } })));
  const curve = result.lossCurve;
  assert.equal(result.steps, steps);
  assert.equal(curve.length, MAX_LOSS_CURVE_POINTS);
  assert.equal(curve[0]?.[0], 0);
  assert.equal(curve[curve.length - 1]?.[0], steps);
  assert.equal(result.trainLoss, curve[curve.length - 1]?.[1]);
  const gaps = curve.slice(1).map(([step], i) => step - (curve[i]?.[0] ?? 0));
  assert.ok(
    gaps.every((gap) => gap === 2 || gap === 3),
    `uneven gaps ${gaps.join(',')}`,
  );
  assert.ok(curve.every(([, loss]) => Number.isFinite(loss)));
  assert.ok(result.trainLoss < (curve[0]?.[1] ?? 0) / 2, 'the loss went down');

  const short = await trainNetwork(trainInput(teacherTask({ train: { steps: 7, samples: 16 } })));
  assert.deepEqual(
    short.lossCurve.map(([step]) => step),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
});

test('train - the last recorded loss is the loss of the returned weights on the training set', async () => {
  for (const train of [{ loss: 'mse' }, { loss: 'l1', batch: 32 }] as const) {
    const input = trainInput(teacherTask({ train: { steps: 40, ...train } }));
    const result = await trainNetwork(input);
    const { data } = input;
    const out = forward(result.weights, Float64Array.from(data.x), data.n);
    let sum = 0;
    for (let i = 0; i < data.n; i++) {
      const diff = (out[i] ?? Number.NaN) - (data.y[i] ?? Number.NaN);
      sum += train.loss === 'mse' ? diff * diff : Math.abs(diff);
    }
    const expected = sum / data.n;
    assert.ok(
      Math.abs(result.trainLoss - expected) <= 1e-5 * expected,
      `${train.loss}: recorded ${result.trainLoss}, recomputed ${expected}`,
    );
  }
});

test('train - loss curve steps stay distinct and in range for long runs', () => {
  for (const steps of [199, 200, 1000, 12345, 1_000_000]) {
    const points = lossCurveSteps(steps);
    assert.equal(points.length, Math.min(steps + 1, MAX_LOSS_CURVE_POINTS));
    assert.equal(points[0], 0);
    assert.equal(points[points.length - 1], steps);
    assert.ok(points.every((p, i) => i === 0 || p > (points[i - 1] ?? Infinity)));
  }
});

test('train - cosine schedule decays from lr towards zero; constant stays put', () => {
  assert.equal(learningRateAt('cosine', 0.1, 0, 100), 0.1);
  assert.ok(Math.abs(learningRateAt('cosine', 0.1, 50, 100) - 0.05) < 1e-12);
  const last = learningRateAt('cosine', 0.1, 99, 100);
  assert.ok(last > 0 && last < 1e-4, `last lr ${last}`);
  assert.equal(learningRateAt('constant', 0.1, 99, 100), 0.1);
});

test('train - minibatches visit every point once per epoch in a seeded order', () => {
  const seen = (seed: number): number[] => {
    const sampler = new MinibatchSampler(10, 4, seed);
    return Array.from({ length: 5 }, () => [...sampler.next()]).flat();
  };
  const order = seen(1);
  assert.deepEqual(
    [...order.slice(0, 10)].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    [...order.slice(10, 20)].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(seen(1), order);
  assert.notDeepEqual(seen(2), order);
});

test('train - adam fits the width-4 teacher with width 16 to a small L1 error', async () => {
  const task = teacherTask({ train: { steps: 400 } });
  const outcome = await executeTask(task, ctx);
  assert.equal(outcome.type, 'done');
  if (outcome.type !== 'done') return;
  const { init } = taskInputs(task);
  const target = createTarget(task.target, task.dim);
  const before = evaluateNetwork(init, target, task.eval, deriveSeed(task.seed, 'eval')).l1Error;
  assert.ok(outcome.metrics.l1Error < 0.03, `L1 error ${outcome.metrics.l1Error}`);
  assert.ok(
    outcome.metrics.l1Error < before / 5,
    `L1 ${outcome.metrics.l1Error} vs ${before} at init`,
  );
  assert.equal(outcome.train.backend, 'wasm');
  assert.equal(outcome.train.steps, 400);
  assert.equal(outcome.train.versions['@tensorflow/tfjs-core'], tf.version_core);
  assert.ok(outcome.wallMs >= outcome.train.trainMs);
});

test('train - sgd with a huge learning rate is stopped as diverged', async () => {
  const task = teacherTask({
    train: { optimizer: 'sgd', lr: 1e4, schedule: 'constant', steps: 2000 },
  });
  const outcome = await executeTask(task, ctx);
  assert.equal(outcome.type, 'diverged');
  if (outcome.type !== 'diverged') return;
  assert.match(outcome.reason, /step \d+/);
  assert.ok(outcome.train.steps < 2000, `stopped after ${outcome.train.steps} steps`);
  const last = outcome.train.lossCurve[outcome.train.lossCurve.length - 1]?.[1] ?? 0;
  const first = outcome.train.lossCurve[0]?.[1] ?? 0;
  assert.ok(!Number.isFinite(last) || last > 1e6 * first, `last loss ${last}`);
});

test('train - leaves no tensors behind, whatever the optimizer (lsgd, lbfgs too), batching or ending', async () => {
  const start = tf.memory().numTensors;
  await trainNetwork(trainInput(teacherTask({ train: { steps: 20 } })));
  await trainNetwork(
    trainInput(teacherTask({ train: { steps: 20, optimizer: 'sgd', momentum: 0.9, batch: 32 } })),
  );
  await trainNetwork(
    trainInput(teacherTask({ train: { steps: 20, optimizer: 'sgd', loss: 'l1' } })),
  );
  await trainNetwork(trainInput(teacherTask({ train: { steps: 20, optimizer: 'lsgd' } })));
  await trainNetwork(trainInput(teacherTask({ train: { steps: 20, optimizer: 'lbfgs' } })));
  await trainNetwork(
    trainInput(
      teacherTask({ train: { steps: 300, optimizer: 'sgd', lr: 1e4, schedule: 'constant' } }),
    ),
  );
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(trainNetwork(trainInput(teacherTask(), controller.signal)));
  assert.equal(tf.memory().numTensors, start);
});

test('train - an aborted signal stops training with TaskCancelledError', async () => {
  const controller = new AbortController();
  const task = teacherTask({ train: { steps: 1_000_000 } });
  const running = executeTask(task, ctx, controller.signal);
  setTimeout(() => controller.abort(), 50);
  const startMs = performance.now();
  await assert.rejects(
    running,
    (err) => err instanceof TaskCancelledError && err.taskId === task.id,
  );
  assert.ok(performance.now() - startMs < 2000, 'cancellation took too long');
});

test('train - a loss that does not fit the output layer is rejected', async () => {
  const input = trainInput(teacherTask({ train: { loss: 'cross-entropy' } }));
  await assert.rejects(trainNetwork(input), ValidationError);
});

test('train - same task twice gives bit-identical weights on cpu and on wasm', async () => {
  const task = teacherTask({ train: { steps: 60, batch: 32 } });
  const finals: Record<string, Float32Array> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await activateBackend(tf, backend);
    const first = await trainNetwork(trainInput(task));
    const second = await trainNetwork(trainInput(task));
    assert.deepEqual(second.weights, first.weights);
    assert.deepEqual(second.lossCurve, first.lossCurve);
    assert.notDeepEqual(first.weights.w1, taskInputs(task).init.w1, 'training moved the weights');
    finals[backend] = first.weights.w1;
  }
  // Different backends may round differently, but must agree to float32 noise.
  const cpu = finals.cpu ?? new Float32Array();
  const wasm = finals.wasm ?? new Float32Array();
  assert.ok(cpu.every((v, i) => Math.abs(v - (wasm[i] ?? Number.NaN)) < 1e-3));
});

test('train - softmax networks train with cross-entropy on a classification target', async () => {
  const params = getTargetDefinition('disk')?.params.parse({}) ?? {};
  const spec: TaskSpec = {
    ...teacherTask(),
    target: { name: 'disk', params },
    kind: 'classification',
    dim: 2,
    train: { ...teacherTask().train, loss: 'cross-entropy', steps: 200, lr: 0.02 },
  };
  const outcome = await executeTask({ ...spec, id: taskId(spec) }, ctx);
  assert.equal(outcome.type, 'done');
  if (outcome.type !== 'done') return;
  assert.ok((outcome.metrics.accuracy ?? 0) > 0.8, `accuracy ${outcome.metrics.accuracy}`);
  const curve = outcome.train.lossCurve;
  assert.ok((curve[curve.length - 1]?.[1] ?? Infinity) < (curve[0]?.[1] ?? 0));
});
