import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateNetwork } from '../../shared/evaluate.js';
import { fitFreeKnot } from '../../shared/reference/free-knot.js';
import { fitGreedy, greedyPoints, resolveGreedyOptions } from '../../shared/reference/greedy.js';
import { interpolantNetwork } from '../../shared/reference/interpolant.js';
import { ridgeProfileNetwork } from '../../shared/reference/piecewise-linear.js';
import { ridgeInterpolantNetwork } from '../../shared/reference/ridge-interpolant.js';
import { teacherReferenceNetwork } from '../../shared/reference/teacher.js';
import { forward } from '../../shared/forward.js';
import { createTarget } from '../../shared/targets/registry.js';
import type { RegressionTarget } from '../../shared/targets/target.js';
import { sampleTrainingData } from '../../shared/training-data.js';
import type { TrainingData } from '../../shared/training-data.js';

const evalSpec = { samples: 16384, sampler: 'sobol' as const, replicates: 8, sharpen: 1000 };
const sine = createTarget({ name: 'sine', params: { k: 1 } }, 1);
/** The m-knot interpolant's exact L1 error on sin(2 pi x), to leading order. */
const interpolantL1 = (m: number) => (2 * Math.PI) / (3 * m * m);
/** The interpolant's L1 error measured (at m = 4 the leading order is 11% off). */
const measuredInterpolantL1 = (m: number) => {
  const net = interpolantNetwork(sine, m);
  assert.ok(net !== null);
  return evaluateNetwork(net, sine, evalSpec, 1).l1Error;
};

test('reference free-knot - sin(2 pi x): about 1/3 of the interpolant, as equidistribution predicts', () => {
  // Best L1 line on a parabola: 3/8 of the interpolant's error; optimal knot density
  // |f''|^(1/3) gains another 0.877 for the sine: 0.329 asymptotically, more at small m.
  for (const [m, low, high] of [
    [4, 0.28, 0.34],
    [8, 0.28, 0.4],
    [64, 0.31, 0.35],
  ] as const) {
    const fit = fitFreeKnot(sine, m);
    assert.ok(fit !== null);
    assert.equal(fit.net.width, m);
    const l1 = evaluateNetwork(fit.net, sine, evalSpec, 1).l1Error;
    const ratio = l1 / measuredInterpolantL1(m);
    assert.ok(ratio > low && ratio < high, `m = ${m}: ${l1}, ${ratio} x the interpolant`);
  }
});

test('reference free-knot - a kink off the uniform knots is found exactly', () => {
  // |x - 1/2| with an odd width: no uniform knot at 1/2, so the interpolant is off; free knots
  // put one there and are exact.
  const kink = createTarget({ name: 'kink', params: { seed: 0 } }, 1);
  const fit = fitFreeKnot(kink, 7);
  assert.ok(fit !== null);
  const l1 = evaluateNetwork(fit.net, kink, evalSpec, 1).l1Error;
  assert.ok(l1 < 1e-6, `L1 ${l1}`);
  assert.equal(fitFreeKnot(createTarget({ name: 'sine', params: {} }, 2), 7), null);
  assert.equal(fitFreeKnot(sine, 64, { maxCost: 1000 }), null);
});

test('reference free-knot - grades knots towards a singularity and beats m^-1/2', () => {
  const singular = createTarget({ name: 'singular', params: { alpha: 0.5 } }, 1);
  const errors = [16, 64].map((m) => {
    const fit = fitFreeKnot(singular, m);
    assert.ok(fit !== null);
    return evaluateNetwork(fit.net, singular, evalSpec, 1).l1Error;
  });
  const [e16, e64] = errors as [number, number];
  // Uniform knots fall like m^-1/2 (a factor 2 from 16 to 64); graded ones much faster.
  assert.ok(e64 < e16 / 6, `L1 ${e16} at 16, ${e64} at 64`);
});

test('reference ridge-interpolant - in 1-D it is the interpolant, exact for the kink', () => {
  // ridge-sine in d = 1 has w = 1: the uniform interpolant of sin(2 pi x).
  const ridge = createTarget({ name: 'ridge-sine', params: { k: 1, seed: 0 } }, 1);
  const net = ridgeInterpolantNetwork(ridge, 32);
  assert.ok(net !== null);
  assert.equal(net.width, 32);
  const l1 = evaluateNetwork(net, ridge, evalSpec, 1).l1Error;
  assert.ok(Math.abs(l1 / interpolantL1(32) - 1) < 0.02, `L1 ${l1}`);
  // The kink sits at the centre of w . x's range: the centre knot for even m, in any d.
  const kink = createTarget({ name: 'kink', params: { seed: 2 } }, 3);
  const exact = ridgeInterpolantNetwork(kink, 16);
  assert.ok(exact !== null);
  assert.ok(evaluateNetwork(exact, kink, evalSpec, 1).l1Error < 1e-6);
  assert.equal(ridgeInterpolantNetwork(createTarget({ name: 'bump', params: {} }, 2), 16), null);
});

test('reference ridge-interpolant - ridge-sine d = 4 halves its error per doubling twice over', () => {
  const ridge = createTarget({ name: 'ridge-sine', params: { k: 1, seed: 0 } }, 4);
  const [a, b] = [64, 128].map((m) => {
    const net = ridgeInterpolantNetwork(ridge, m);
    assert.ok(net !== null);
    return evaluateNetwork(net, ridge, evalSpec, 1).l1Error;
  }) as [number, number];
  assert.ok(Math.abs(a / b - 4) < 0.2, `${a} at 64, ${b} at 128`);
});

test('reference teacher - the target itself from width k on, none below', () => {
  for (const dim of [1, 3]) {
    const teacher = createTarget({ name: 'teacher', params: { k: 4, seed: 1 } }, dim);
    assert.equal(teacherReferenceNetwork(teacher, 3), null);
    for (const m of [4, 9]) {
      const net = teacherReferenceNetwork(teacher, m);
      assert.ok(net !== null);
      assert.equal(net.width, m);
      assert.ok(evaluateNetwork(net, teacher, evalSpec, 1).l1Error < 1e-9);
    }
  }
  assert.equal(teacherReferenceNetwork(sine, 8), null);
});

test('reference piecewise-linear - a steep profile keeps its values despite float32 weights', () => {
  // A ramp of width 1e-6 followed by flat pieces: slope changes of 1e6 cancel, and rounding
  // each on its own would leave a slope error of about 0.06 (|c| 2^-24) after the ramp.
  const knots = Float64Array.of(0, 0.4, 0.4 + 2 ** -20, 1);
  const values = Float64Array.of(0, 0, 1, 1);
  const net = ridgeProfileNetwork(Float64Array.of(1), { knots, values }, 'linear');
  const probe = Float64Array.of(0.2, 0.41, 0.7, 1);
  const got = forward(net, probe, 4);
  assert.ok(Math.abs(got[0] ?? 1) < 1e-9);
  for (const i of [1, 2, 3]) assert.ok(Math.abs((got[i] ?? 0) - 1) < 1e-6, `${got[i]}`);
});

test('reference greedy - recovers a target that is one of its atoms exactly', () => {
  // Fit points are the training points, with a kink at each. A single atom plus a constant
  // correlates perfectly with itself (Cauchy-Schwarz), so the first step must pick it. (Two
  // atoms would not do: greedy is not guaranteed to find a sparse representation.)
  const n = 64;
  const x = Float32Array.from({ length: n }, (_, i) => (i + 0.5) / n);
  for (const [kink, sign] of [
    [x[16] ?? 0, 1],
    [x[40] ?? 0, -1],
  ] as const) {
    const value = (t: number) => 0.3 + 1.5 * Math.max(sign * (t - kink), 0);
    const target: RegressionTarget = {
      kind: 'regression',
      name: 'one-atom',
      dim: 1,
      outputs: 1,
      values: (points, count) =>
        Float64Array.from({ length: count }, (_, i) => value(points[i] ?? 0)),
    };
    const data: TrainingData = { n, dim: 1, outputs: 1, x, y: Float32Array.from(x, value) };
    const fit = fitGreedy(target, data, 3, 1, { pointsPerParameter: 1 });
    assert.ok(fit !== null);
    assert.equal(fit.points, n);
    assert.equal(fit.net.width, 3);
    assert.ok(fit.fitRmse < 1e-9, `rmse ${fit.fitRmse}`);
    assert.ok(evaluateNetwork(fit.net, target, evalSpec, 1).l1Error < 1e-6);
  }
});

test('reference greedy - beats the interpolant on sin(2 pi x) and falls with width in d = 2', () => {
  const data = sampleTrainingData(sine, 512, 3);
  const fit = fitGreedy(sine, data, 32, 5);
  assert.ok(fit !== null);
  const l1 = evaluateNetwork(fit.net, sine, evalSpec, 1).l1Error;
  // Between the free-knot fit (0.35 x) and the interpolant.
  assert.ok(l1 < interpolantL1(32) && l1 > 0.3 * interpolantL1(32), `L1 ${l1}`);
  const bump = createTarget({ name: 'bump', params: {} }, 2);
  const bumpData = sampleTrainingData(bump, 512, 3);
  const [e8, e32] = [8, 32].map((m) => {
    const f = fitGreedy(bump, bumpData, m, 5);
    assert.ok(f !== null);
    return evaluateNetwork(f.net, bump, evalSpec, 1).l1Error;
  }) as [number, number];
  assert.ok(e32 < e8 / 2, `${e8} at 8, ${e32} at 32`);
});

test('reference greedy - more fit points with the width, none when over the cost cap', () => {
  const options = resolveGreedyOptions();
  assert.equal(greedyPoints(1024, 1, 64, options), 1024);
  assert.equal(greedyPoints(1024, 1, 256, options), 4 * (3 * 256 + 1));
  assert.equal(greedyPoints(1024, 4, 256, options), 4 * (6 * 256 + 1));
  assert.equal(greedyPoints(1024, 1, 4096, options), 0);
  assert.equal(fitGreedy(sine, sampleTrainingData(sine, 64, 1), 64, 1, { maxCost: 1e3 }), null);
  assert.throws(() => resolveGreedyOptions({ directions: 0 }), /directions/);
});
