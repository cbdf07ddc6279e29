import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as Tf from '@tensorflow/tfjs';
import { forward } from '../../shared/forward.js';
import { initNetwork } from '../../shared/init.js';
import type { NetworkWeights } from '../../shared/network.js';
import { Rng } from '../../shared/random.js';
import type { LossName } from '../../shared/targets/target.js';
import type { TrainingData } from '../../shared/training-data.js';
import { FusedNet } from '../../worker/fused/fused-net.js';
import { compileKernel, instantiateKernel } from '../../worker/fused/kernel.js';
import { loadTf } from '../../worker/tfjs.js';
import { trainingLoss } from '../../worker/train/loss.js';

const kernel = await compileKernel();
const { tf } = await loadTf('wasm');

interface Case {
  readonly dim: number;
  readonly width: number;
  readonly n: number;
  readonly outputs: number;
  readonly loss: LossName;
}

/** Random data and weights for a case; labels are one-hot for cross-entropy. */
function randomProblem(c: Case, seed: number): { data: TrainingData; net: NetworkWeights } {
  const rng = new Rng(seed);
  const softmax = c.loss === 'cross-entropy';
  const net = initNetwork(c.dim, c.width, c.outputs, softmax ? 'softmax' : 'linear', seed);
  // Nonzero output biases, so that their gradient path is exercised too.
  for (let i = 0; i < net.b2.length; i++) net.b2[i] = rng.normal() * 0.3;
  const x = new Float32Array(c.n * c.dim).map(() => rng.next());
  const y = new Float32Array(c.n * c.outputs);
  for (let p = 0; p < c.n; p++) {
    if (softmax) y[p * c.outputs + Math.floor(rng.next() * c.outputs)] = 1;
    else for (let o = 0; o < c.outputs; o++) y[p * c.outputs + o] = rng.normal();
  }
  return { data: { n: c.n, dim: c.dim, outputs: c.outputs, x, y }, net };
}

/** tfjs' loss and gradient for the trainer's own model and loss (worker/train/trainer.ts). */
function tfjsGradient(data: TrainingData, net: NetworkWeights, loss: LossName) {
  return tf.tidy(() => {
    const x = tf.tensor2d(data.x, [data.n, data.dim]);
    const y = tf.tensor2d(data.y, [data.n, data.outputs]);
    const lossOf = (w1: Tf.Tensor, b1: Tf.Tensor, w2: Tf.Tensor, b2: Tf.Tensor): Tf.Scalar => {
      const h = tf.relu(tf.add(tf.matMul(x, w1 as Tf.Tensor2D, false, true), b1));
      const out = tf.add<Tf.Tensor2D>(tf.matMul(h, w2, false, true), b2);
      return trainingLoss(tf, loss, out, y);
    };
    const { value, grads } = tf.valueAndGrads((...args: Tf.Tensor[]) =>
      lossOf(
        args[0] as Tf.Tensor,
        args[1] as Tf.Tensor,
        args[2] as Tf.Tensor,
        args[3] as Tf.Tensor,
      ),
    )([
      tf.tensor2d(net.w1, [net.width, net.dim]),
      tf.tensor1d(net.b1),
      tf.tensor2d(net.w2, [net.outputs, net.width]),
      tf.tensor1d(net.b2),
    ]);
    const read = (i: number): Float32Array => Float32Array.from(grads[i]?.dataSync() ?? []);
    return {
      loss: value.dataSync()[0] ?? Number.NaN,
      w1: read(0),
      b1: read(1),
      w2: read(2),
      b2: read(3),
    };
  });
}

function norm(values: readonly Float32Array[]): number {
  let sum = 0;
  for (const block of values) for (const v of block) sum += v * v;
  return Math.sqrt(sum);
}

function difference(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((v, i) => v - (b[i] ?? Number.NaN));
}

const CASES: Case[] = [];
{
  const rng = new Rng(2024);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng.next() * list.length)] as T;
  for (let i = 0; i < 24; i++) {
    const loss = pick(['mse', 'mse', 'l1', 'cross-entropy'] as const);
    CASES.push({
      dim: pick([1, 2, 3, 5, 16]),
      width: pick([1, 3, 7, 16, 33, 64]),
      n: pick([1, 5, 17, 100, 300, 700]),
      outputs: loss === 'cross-entropy' ? pick([2, 3, 5]) : pick([1, 1, 3]),
      loss,
    });
  }
}

test('fused - loss and gradients match tfjs on random cases (relative error < 1e-4)', () => {
  CASES.forEach((c, index) => {
    const { data, net } = randomProblem(c, 100 + index);
    const fused = new FusedNet(instantiateKernel(kernel), data, net);
    const loss = fused.lossGradient(c.loss, true);
    const g = fused.gradient();
    const ref = tfjsGradient(data, net, c.loss);
    const label = JSON.stringify(c);
    assert.ok(
      Math.abs(loss - ref.loss) <= 1e-5 * Math.abs(ref.loss),
      `${label}: loss ${loss} vs ${ref.loss}`,
    );
    const mine = [g.w1, g.b1, g.w2, g.b2];
    const theirs = [ref.w1, ref.b1, ref.w2, ref.b2];
    const total = norm(theirs);
    const error = norm(mine.map((block, i) => difference(block, theirs[i] as Float32Array)));
    assert.ok(total > 0, `${label}: zero reference gradient`);
    assert.ok(error / total < 1e-4, `${label}: relative gradient error ${error / total}`);
  });
});

test('fused - a small block size gives the same gradient as one block', () => {
  const c: Case = { dim: 2, width: 40, n: 1000, outputs: 1, loss: 'mse' };
  const { data, net } = randomProblem(c, 7);
  const whole = new FusedNet(instantiateKernel(kernel), data, net, { block: 1024 });
  const blocked = new FusedNet(instantiateKernel(kernel), data, net, { block: 16 });
  const lossWhole = whole.lossGradient('mse', true);
  const lossBlocked = blocked.lossGradient('mse', true);
  assert.ok(Math.abs(lossWhole - lossBlocked) <= 1e-6 * lossWhole);
  const a = whole.gradient();
  const b = blocked.gradient();
  const error = norm([difference(a.w1, b.w1), difference(a.b1, b.b1), difference(a.w2, b.w2)]);
  assert.ok(error / norm([a.w1, a.b1, a.w2]) < 1e-5, `relative difference ${error}`);
});

test('fused - predict agrees with the shared float64 forward pass', () => {
  for (const c of [
    { dim: 1, width: 9, n: 37, outputs: 1, loss: 'mse' },
    { dim: 4, width: 20, n: 50, outputs: 3, loss: 'cross-entropy' },
  ] as const) {
    const { data, net } = randomProblem(c, 3);
    const fused = new FusedNet(instantiateKernel(kernel), data, net);
    const out = fused.predict(data.x, data.n);
    const expected = forward(net, Float64Array.from(data.x), data.n);
    assert.equal(out.length, expected.length);
    out.forEach((v, i) => {
      const e = expected[i] ?? Number.NaN;
      assert.ok(Math.abs(v - e) <= 1e-5 * (1 + Math.abs(e)), `output ${i}: ${v} vs ${e}`);
    });
  }
});

test('fused - weights round-trip through the kernel layout unchanged', () => {
  const { data, net } = randomProblem({ dim: 3, width: 5, n: 4, outputs: 2, loss: 'mse' }, 9);
  const fused = new FusedNet(instantiateKernel(kernel), data, net);
  assert.deepEqual(fused.weights(), net);
});
