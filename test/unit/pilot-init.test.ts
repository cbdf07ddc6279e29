import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initNetwork } from '../../shared/init.js';
import { forward } from '../../shared/forward.js';
import type { NetworkWeights } from '../../shared/network.js';
import { createTarget } from '../../shared/targets/registry.js';
import { sampleTrainingData, type TrainingData } from '../../shared/training-data.js';
import {
  effectiveDimension,
  gradientOuterProduct,
  pilotWarmStart,
  symmetricEigen,
} from '../../worker/train/pilot-init.js';

function data(dim: number, n: number): TrainingData {
  const target = createTarget({ name: 'bump', params: { center: 0.5, sigma: 0.15 } }, dim);
  return sampleTrainingData(target, n, 5);
}

test('pilot init - the gradient outer product matches central differences of the net', () => {
  const net = initNetwork(3, 12, 1, 'linear', 2);
  const set = data(3, 64);
  const g = gradientOuterProduct(net, set);
  const expected = Array.from({ length: 9 }, () => 0);
  const h = 1e-4;
  for (let p = 0; p < set.n; p++) {
    const grad = [0, 1, 2].map((i) => {
      const at = (shift: number) => {
        const x = Float64Array.from(set.x.subarray(p * 3, p * 3 + 3));
        x[i] = (x[i] ?? 0) + shift;
        return forward(net, x, 1)[0] ?? 0;
      };
      return (at(h) - at(-h)) / (2 * h);
    });
    for (let r = 0; r < 3; r++) {
      for (let s = 0; s < 3; s++)
        expected[r * 3 + s] =
          (expected[r * 3 + s] ?? 0) + ((grad[r] ?? 0) * (grad[s] ?? 0)) / set.n;
    }
  }
  for (let i = 0; i < 9; i++) {
    assert.ok(Math.abs((g[i] ?? 0) - (expected[i] ?? 0)) < 1e-3 * (1 + Math.abs(expected[i] ?? 0)));
  }
});

test('pilot init - Jacobi eigenpairs reconstruct a symmetric matrix', () => {
  const a = Float64Array.from([4, 1, -2, 1, 3, 0.5, -2, 0.5, 1]);
  const { values, vectors } = symmetricEigen(a, 3);
  for (let r = 0; r < 3; r++) {
    for (let s = 0; s < 3; s++) {
      let sum = 0;
      for (let e = 0; e < 3; e++)
        sum += (vectors[r * 3 + e] ?? 0) * (values[e] ?? 0) * (vectors[s * 3 + e] ?? 0);
      assert.ok(Math.abs(sum - (a[r * 3 + s] ?? 0)) < 1e-10);
    }
  }
  assert.equal(effectiveDimension(Float64Array.from([2, 0, 0])), 1);
  assert.equal(effectiveDimension(Float64Array.from([1, 1, 1, 1])), 4);
});

/** A net whose every unit varies along one direction w: a ridge function. */
function ridgeNet(w: readonly number[], width: number): NetworkWeights {
  const net = initNetwork(w.length, width, 1, 'linear', 4);
  const w1 = new Float32Array(width * w.length);
  for (let j = 0; j < width; j++) {
    const scale = j % 2 === 0 ? 1 : -1.5;
    w.forEach((wi, i) => (w1[j * w.length + i] = wi * scale));
  }
  return { ...net, w1 };
}

test('pilot init - a ridge pilot gives hidden directions along its ridge, kinks in the data', () => {
  const w = [0.6, -0.8, 0, 0];
  const set = data(4, 256);
  const warm = pilotWarmStart(ridgeNet(w, 16), set, 1);
  assert.ok(warm !== null);
  for (let j = 0; j < 16; j++) {
    const row = Array.from(warm.w1.subarray(j * 4, j * 4 + 4));
    const norm = Math.hypot(...row);
    const along = Math.abs(row.reduce((a, x, i) => a + x * (w[i] ?? 0), 0));
    assert.ok(along > 0.999 * norm, `unit ${j} strays off w`);
    // The kink passes through one of the training points.
    const hits = Array.from({ length: set.n }, (_, p) =>
      Math.abs(row.reduce((a, x, i) => a + x * (set.x[p * 4 + i] ?? 0), warm.b1[j] ?? 0)),
    );
    assert.ok(Math.min(...hits) < 1e-5 * (1 + norm));
  }
});

test('pilot init - an isotropic pilot keeps training (no warm start)', () => {
  const set = data(2, 512);
  const pilot = initNetwork(2, 64, 1, 'linear', 9);
  assert.equal(
    pilotWarmStart(pilot, set, 1) === null,
    effectiveDimension(symmetricEigen(gradientOuterProduct(pilot, set), 2).values) >= 1.5,
  );
  // A random He net in 2-D is close to isotropic.
  assert.equal(pilotWarmStart(pilot, set, 1), null);
});
