import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initNetwork } from '../../shared/init.js';
import { Rng } from '../../shared/random.js';
import type { TrainingData } from '../../shared/training-data.js';
import { FusedNet } from '../../worker/fused/fused-net.js';
import { compileKernel, instantiateKernel } from '../../worker/fused/kernel.js';
import { solveOutputLayer, type NormalEquations } from '../../worker/train/lsgd.js';

const kernel = await compileKernel();

function problem(dim: number, n: number, outputs: number, seed: number): TrainingData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * dim).map(() => rng.next());
  const y = new Float32Array(n * outputs).map(
    (_, i) => Math.sin(7 * (x[i % (n * dim)] ?? 0)) + rng.normal() * 0.1,
  );
  return { n, dim, outputs, x, y };
}

function norm(values: Float32Array): number {
  return Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
}

test('lsgd - the least-squares output layer zeroes the output-layer gradient', () => {
  for (const [dim, width, n, outputs] of [
    [1, 12, 300, 1],
    [3, 40, 1000, 2],
    [2, 7, 33, 1],
  ] as const) {
    const data = problem(dim, n, outputs, width);
    const net = new FusedNet(
      instantiateKernel(kernel),
      data,
      initNetwork(dim, width, outputs, 'linear', 5),
    );
    const lossBefore = net.lossGradient('mse', true);
    const before = net.gradient();
    net.solveOutputLayer(0);
    const lossAfter = net.lossGradient('mse', true);
    const after = net.gradient();
    const label = `d=${dim} m=${width} n=${n} k=${outputs}`;
    assert.ok(lossAfter < lossBefore, `${label}: loss ${lossAfter} vs ${lossBefore}`);
    assert.ok(norm(after.w2) < 1e-3 * norm(before.w2), `${label}: |grad w2| ${norm(after.w2)}`);
    assert.ok(
      norm(after.b2) < 1e-3 * norm(before.b2) + 1e-7,
      `${label}: |grad b2| ${norm(after.b2)}`,
    );
    assert.deepEqual(after.w1.length, before.w1.length);
  }
});

test('lsgd - a dead hidden layer gets zero output weights and the mean as bias', () => {
  const data = problem(2, 50, 1, 1);
  const init = initNetwork(2, 6, 1, 'linear', 2);
  init.b1.fill(-100);
  const net = new FusedNet(instantiateKernel(kernel), data, init);
  net.solveOutputLayer(1e-10);
  const { w2, b2 } = net.weights();
  const mean = data.y.reduce((sum, v) => sum + v, 0) / data.n;
  assert.ok(w2.every((v) => v === 0));
  assert.ok(Math.abs((b2[0] ?? 0) - mean) < 1e-6, `bias ${b2[0]} vs mean ${mean}`);
});

test('lsgd - the ridge grows a hundredfold until the matrix factorises', () => {
  const m = 2;
  const eq: NormalEquations = {
    a: Float64Array.from([2, 0, 0, 0, 4, 0, 0, 0, 1]),
    rhs: Float64Array.from([1, 1, 1]),
    m,
    k: 1,
    n: 1,
  };
  const shifts: number[] = [];
  const solution = solveOutputLayer(
    eq,
    {
      factor: (shift) => {
        shifts.push(shift);
        return shifts.length === 3;
      },
      solve: () => Float64Array.from([7, 8, 9]),
    },
    1e-6,
  );
  assert.deepEqual([...solution], [7, 8, 9]);
  // lambda = ridge x mean squared feature = 1e-6 x (2 + 4) / 2.
  assert.equal(shifts.length, 3);
  assert.ok(Math.abs((shifts[0] ?? 0) - 3e-6) < 1e-18);
  assert.ok(Math.abs((shifts[2] ?? 0) / (shifts[0] ?? 1) - 1e4) < 1e-6);
  assert.throws(
    () => solveOutputLayer(eq, { factor: () => false, solve: () => new Float64Array(3) }),
    RangeError,
  );
});
