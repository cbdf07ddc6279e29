import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateNetwork } from '../../shared/evaluate.js';
import { forward } from '../../shared/forward.js';
import { initNetwork } from '../../shared/init.js';
import { deriveSeed, Rng } from '../../shared/random.js';
import { choleskySolve } from '../../shared/reference/cholesky.js';
import { interpolantNetwork, interpolantUnavailable } from '../../shared/reference/interpolant.js';
import { fitRandomFeatures } from '../../shared/reference/random-features.js';
import { computeReferences } from '../../shared/reference/references.js';
import { createTarget } from '../../shared/targets/registry.js';
import type { TrainingData } from '../../shared/training-data.js';
import { sampleTrainingData } from '../../shared/training-data.js';

const evalSpec = { samples: 16384, sampler: 'sobol' as const, replicates: 8, sharpen: 1000 };

test('reference cholesky - solves a random SPD system to rounding', () => {
  const n = 40;
  const rng = new Rng(3);
  const m = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  // A = M M^T + I is SPD.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? 1 : 0;
      for (let k = 0; k < n; k++) s += (m[i * n + k] ?? 0) * (m[j * n + k] ?? 0);
      a[i * n + j] = s;
    }
  }
  const x = Float64Array.from({ length: n * 2 }, () => rng.normal());
  const b = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += (a[i * n + j] ?? 0) * (x[j * 2 + c] ?? 0);
      b[i * 2 + c] = s;
    }
  }
  choleskySolve(Float64Array.from(a), n, b, 2);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs((b[i] ?? 0) - (x[i] ?? 0)) < 1e-8);
  assert.throws(
    () => choleskySolve(Float64Array.from([1, 2, 2, 1]), 2, new Float64Array(2), 1),
    RangeError,
  );
});

/** Data labelled by a network with init's hidden layer: the output layer is recoverable exactly. */
function representableData(dim: number, width: number, n: number) {
  const init = initNetwork(dim, width, 1, 'linear', 11);
  const rng = new Rng(12);
  const teacher = {
    ...init,
    w2: Float32Array.from({ length: width }, () => rng.normal()),
    b2: Float32Array.of(0.25),
  };
  const x = Float32Array.from({ length: n * dim }, () => rng.next());
  const y = Float32Array.from(forward(teacher, Float64Array.from(x), n));
  const data: TrainingData = { n, dim, outputs: 1, x, y };
  return { init, teacher, data };
}

test('reference random features - recovers an output layer the hidden layer can represent', () => {
  const { init, teacher, data } = representableData(2, 24, 400);
  const fit = fitRandomFeatures(init, data, { ridge: 1e-13 });
  assert.ok(fit !== null);
  assert.equal(fit.dual, false);
  assert.ok(fit.trainRmse < 1e-5, `residual ${fit.trainRmse}`);
  const probe = Float64Array.from({ length: 200 }, (_, i) => (i * 0.618) % 1);
  const got = forward(fit.net, probe, 100);
  const want = forward(teacher, probe, 100);
  for (let i = 0; i < 100; i++) assert.ok(Math.abs((got[i] ?? 0) - (want[i] ?? 0)) < 1e-4);
});

test('reference random features - more units than points solves the dual and interpolates', () => {
  const target = createTarget({ name: 'sine', params: { k: 1 } }, 1);
  const data = sampleTrainingData(target, 60, 5);
  const init = initNetwork(1, 200, 1, 'linear', 6);
  const fit = fitRandomFeatures(init, data, { ridge: 1e-12 });
  assert.ok(fit !== null);
  assert.equal(fit.dual, true);
  assert.ok(fit.trainRmse < 1e-3, `residual ${fit.trainRmse}`);
  assert.equal(fitRandomFeatures(init, data, { maxCost: 1000 }), null, 'over the cost bound');
});

test('reference random features - the error on sin(2 pi x) falls with width', () => {
  const target = createTarget({ name: 'sine', params: { k: 1 } }, 1);
  const data = sampleTrainingData(target, 1024, deriveSeed(0, 'train-data'));
  const errors = [8, 32, 128].map((m) => {
    const fit = fitRandomFeatures(initNetwork(1, m, 1, 'linear', 1), data);
    assert.ok(fit !== null);
    return evaluateNetwork(fit.net, target, evalSpec, 2).l1Error;
  });
  assert.ok(
    (errors[0] ?? 0) > 4 * (errors[1] ?? 0) && (errors[1] ?? 0) > 4 * (errors[2] ?? 0),
    String(errors),
  );
});

test('reference interpolant - its L1 error on sin(2 pi x) is 2 pi / (3 m^2)', () => {
  const target = createTarget({ name: 'sine', params: { k: 1 } }, 1);
  for (const m of [16, 64, 256]) {
    const net = interpolantNetwork(target, m);
    assert.ok(net !== null);
    const l1 = evaluateNetwork(net, target, evalSpec, 9).l1Error;
    const predicted = (2 * Math.PI) / (3 * m * m);
    assert.ok(Math.abs(l1 / predicted - 1) < 0.02, `m=${m}: ${l1} vs ${predicted}`);
  }
});

test('reference interpolant - passes through the knots and exists only where it means something', () => {
  const target = createTarget({ name: 'bump', params: { center: 0.5, sigma: 0.15 } }, 1);
  assert.equal(target.kind, 'regression');
  if (target.kind !== 'regression') return;
  const net = interpolantNetwork(target, 10);
  assert.ok(net !== null);
  const knots = Float64Array.from({ length: 11 }, (_, j) => j / 10);
  const got = forward(net, knots, 11);
  const want = target.values(knots, 11);
  for (let j = 0; j <= 10; j++) assert.ok(Math.abs((got[j] ?? 0) - (want[j] ?? 0)) < 1e-5);
  assert.equal(interpolantNetwork(createTarget({ name: 'sine', params: { k: 1 } }, 2), 8), null);
  const singular = createTarget({ name: 'singular', params: { alpha: 0.5, center: 0.5 } }, 1);
  assert.match(interpolantUnavailable(singular) ?? '', /unbounded/);
});

test('reference results - evaluated on the task points, each method where it applies', () => {
  const target = createTarget({ name: 'disk', params: { radius: null } }, 2);
  const data = sampleTrainingData(target, 256, 1);
  const init = initNetwork(2, 16, 2, 'softmax', 2);
  const refs = computeReferences({ target, data, init, evalSpec, evalSeed: 3, seed: 1 });
  assert.deepEqual(
    refs.map((r) => r.method),
    ['random-features', 'greedy'],
  );
  const rf = refs[0];
  assert.ok(rf !== undefined && rf.metrics.sharpenedL1 !== null && rf.metrics.accuracy !== null);
  assert.ok(rf.metrics.accuracy > 0.6, `accuracy ${rf.metrics.accuracy}`);
  const sine = createTarget({ name: 'sine', params: { k: 1 } }, 1);
  const sineRefs = computeReferences({
    target: sine,
    data: sampleTrainingData(sine, 128, 1),
    init: initNetwork(1, 8, 1, 'linear', 2),
    evalSpec,
    evalSeed: 3,
    seed: 1,
  });
  assert.deepEqual(
    sineRefs.map((r) => r.method),
    ['random-features', 'interpolant', 'free-knot', 'greedy'],
  );
  const teacher = createTarget({ name: 'teacher', params: { k: 4, seed: 0 } }, 2);
  const teacherRefs = computeReferences({
    target: teacher,
    data: sampleTrainingData(teacher, 128, 1),
    init: initNetwork(2, 8, 1, 'linear', 2),
    evalSpec,
    evalSeed: 3,
    seed: 1,
  });
  assert.deepEqual(
    teacherRefs.map((r) => r.method),
    ['random-features', 'teacher', 'greedy'],
  );
  const ridge = createTarget({ name: 'ridge-sine', params: { k: 1, seed: 0 } }, 3);
  const ridgeRefs = computeReferences({
    target: ridge,
    data: sampleTrainingData(ridge, 128, 1),
    init: initNetwork(3, 8, 1, 'linear', 2),
    evalSpec,
    evalSeed: 3,
    seed: 1,
  });
  assert.deepEqual(
    ridgeRefs.map((r) => r.method),
    ['random-features', 'ridge-interpolant', 'greedy'],
  );
});
