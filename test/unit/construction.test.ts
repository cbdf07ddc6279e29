import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  constructionNetwork,
  constructionScale,
  constructionTrainingData,
} from '../../shared/construction.js';
import { SpecError } from '../../shared/errors.js';
import { evaluateNetwork } from '../../shared/evaluate.js';
import { expandStudy } from '../../shared/expand.js';
import { forward } from '../../shared/forward.js';
import { initNetwork } from '../../shared/init.js';
import { decodeFloat32, encodeFloat32, gridPredictions } from '../../shared/predictions.js';
import { validateStudySpec } from '../../shared/spec/validate.js';
import { createTarget } from '../../shared/targets/registry.js';
import { sampleTrainingData } from '../../shared/training-data.js';

const spec = (train: Record<string, unknown> = {}) =>
  validateStudySpec({
    name: 'modes',
    grid: { dims: [1], widths: [4, 8], seeds: [0], targets: ['sine', 'disk'] },
    train,
  });

test('train mode - direct recipes carry no mode key, so old task ids stay valid', () => {
  const plain = expandStudy(spec());
  const explicit = expandStudy(spec({ mode: 'direct' }));
  assert.deepEqual(
    explicit.map((t) => t.id),
    plain.map((t) => t.id),
  );
  for (const task of plain) {
    assert.equal('mode' in task.train, false);
    assert.equal('eps' in task.train, false);
  }
});

test('train mode - both adds construction tasks for classification targets only', () => {
  const plain = expandStudy(spec());
  const both = expandStudy(spec({ mode: 'both', eps: 0.05 }));
  assert.equal(both.length, plain.length + 2);
  const construction = both.filter((t) => t.train.mode === 'construction');
  assert.deepEqual(
    construction.map((t) => [t.target.name, t.train.loss, t.train.eps]),
    [
      ['disk', 'mse', 0.05],
      ['disk', 'mse', 0.05],
    ],
  );
  const ids = new Set(plain.map((t) => t.id));
  assert.ok(both.filter((t) => t.train.mode === undefined).every((t) => ids.has(t.id)));
  // The default eps is filled in, so spelling it out changes no id.
  assert.deepEqual(
    expandStudy(spec({ mode: 'construction' })).map((t) => t.id),
    expandStudy(spec({ mode: 'construction', eps: 0.01 })).map((t) => t.id),
  );
});

test('train mode - eps is validated and refused without the construction', () => {
  const messages = (train: Record<string, unknown>) => {
    try {
      spec(train);
      return [];
    } catch (err) {
      assert.ok(err instanceof SpecError);
      return err.issues.map((i) => i.message);
    }
  };
  assert.deepEqual(messages({ mode: 'construction', eps: 2 }), [
    'train.eps: expected a number in (0, 1), got 2',
  ]);
  assert.deepEqual(messages({ eps: 0.1 }), [
    'train.eps: only used with train.mode construction or both',
  ]);
  assert.deepEqual(messages({ mode: 'softly' }), [
    'train.mode: expected one of direct, construction, both, got "softly"',
  ]);
});

test('construction - logits are (2K/eps) times the regression outputs fitted to f - 1/2', () => {
  assert.equal(constructionScale(2, 0.01), 400);
  const target = createTarget({ name: 'disk', params: { radius: null } }, 2);
  const data = sampleTrainingData(target, 64, 1);
  const shifted = constructionTrainingData(data);
  assert.deepEqual([...new Set(shifted.y)].sort(), [-0.5, 0.5]);
  const trained = initNetwork(2, 8, 2, 'linear', 4);
  const net = constructionNetwork(trained, 0.01);
  assert.equal(net.output, 'softmax');
  const x = Float64Array.of(0.1, 0.2, 0.7, 0.4);
  const base = forward(trained, x, 2);
  const scaled = forward(net, x, 2);
  for (let i = 0; i < 4; i++) {
    assert.ok(
      Math.abs((scaled[i] ?? 0) - 400 * (base[i] ?? 0)) <
        1e-3 * Math.abs(400 * (base[i] ?? 1)) + 1e-4,
    );
  }
});

test('construction - exact indicators give the sharpened error: only the volume the net misses', () => {
  // A regression "net" equal to f_i - 1/2 everywhere but the boundary ramp: the construction's
  // L1 is then within 2(K-1) eps/K of 2 x misclassified.
  const target = createTarget({ name: 'halfspaces', params: { classes: 2, seed: 0 } }, 1);
  const ramp = 1e-3;
  const trained = {
    dim: 1,
    width: 2,
    outputs: 2,
    output: 'linear' as const,
    w1: Float32Array.of(1 / ramp, 1 / ramp),
    b1: Float32Array.of(-0.5 / ramp + 0.5, -0.5 / ramp - 0.5),
    w2: Float32Array.of(-1, 1, 1, -1),
    b2: Float32Array.of(0.5, -0.5),
  };
  const eps = 0.01;
  const metrics = evaluateNetwork(
    constructionNetwork(trained, eps),
    target,
    {
      samples: 8192,
      sampler: 'sobol',
      replicates: 8,
      sharpen: 1000,
    },
    1,
  );
  assert.ok(
    metrics.l1Error <= 2 * (metrics.misclassified ?? 1) + eps + 1e-3,
    String(metrics.l1Error),
  );
  assert.ok(metrics.l1Error < 0.02, String(metrics.l1Error));
});

test('predictions - grids of 256 points in d = 1 and 64 x 64 in d = 2 survive base64', () => {
  assert.deepEqual(Array.from(decodeFloat32(encodeFloat32([1.5, -2, 0.25]))), [1.5, -2, 0.25]);
  const one = gridPredictions(initNetwork(1, 4, 1, 'linear', 1));
  assert.ok(one !== null);
  assert.equal(one.size, 256);
  assert.equal(decodeFloat32(one.data).length, 256);
  const two = gridPredictions(initNetwork(2, 4, 3, 'softmax', 1));
  assert.ok(two !== null);
  const probs = decodeFloat32(two.data);
  assert.equal(probs.length, 64 * 64 * 3);
  assert.ok(Math.abs((probs[0] ?? 0) + (probs[1] ?? 0) + (probs[2] ?? 0) - 1) < 1e-6);
  assert.equal(gridPredictions(initNetwork(3, 4, 1, 'linear', 1)), null);
});
