import assert from 'node:assert/strict';
import test from 'node:test';
import { evaluateNetwork, evaluateOnTrainingData } from '../../shared/evaluate.js';
import { forward } from '../../shared/forward.js';
import { initNetwork } from '../../shared/init.js';
import type { NetworkWeights } from '../../shared/network.js';
import { deriveSeed, Rng } from '../../shared/random.js';
import type { ResolvedEvalSpec } from '../../shared/spec/schema.js';
import { createTarget } from '../../shared/targets/registry.js';
import { teacherNetwork } from '../../shared/targets/teacher.js';
import { sampleTrainingData } from '../../shared/training-data.js';

const spec = (over: Partial<ResolvedEvalSpec> = {}): ResolvedEvalSpec => ({
  samples: 8192,
  sampler: 'sobol',
  replicates: 8,
  sharpen: 1000,
  ...over,
});

/** A network from explicit hidden units (w, b) and output rows (weights per unit, bias). */
function network(
  output: 'linear' | 'softmax',
  hidden: ReadonlyArray<{ w: number[]; b: number }>,
  outputs: ReadonlyArray<{ w: number[]; b: number }>,
): NetworkWeights {
  const dim = hidden[0]?.w.length ?? 1;
  return {
    dim,
    width: hidden.length,
    outputs: outputs.length,
    output,
    w1: Float32Array.from(hidden.flatMap((h) => h.w)),
    b1: Float32Array.from(hidden.map((h) => h.b)),
    w2: Float32Array.from(outputs.flatMap((o) => o.w)),
    b2: Float32Array.from(outputs.map((o) => o.b)),
  };
}

function zeroNetwork(dim: number, width: number): NetworkWeights {
  return network(
    'linear',
    Array.from({ length: width }, () => ({ w: new Array<number>(dim).fill(0), b: 0 })),
    [{ w: new Array<number>(width).fill(0), b: 0 }],
  );
}

/** The uniform sampler's points for replicate r, as the evaluator draws them. */
function uniformEvalPoints(seed: number, r: number, n: number, dims: number): Float64Array {
  const rng = new Rng(deriveSeed(seed, 'eval', r));
  return Float64Array.from({ length: n * dims }, () => rng.next());
}

test('forward - computes W2 relu(W1 x + b1) + b2 in float64', () => {
  const net = network(
    'softmax',
    [
      { w: [1, -2], b: 0.5 },
      { w: [0.5, 0.5], b: -1 },
      { w: [-1, 0], b: 0.25 },
    ],
    [
      { w: [2, 3, -1], b: 0.1 },
      { w: [-1, 0, 4], b: 0 },
    ],
  );
  const g = forward(net, Float64Array.from([0.5, 0.25, 0, 1]), 2);
  // (0.5, 0.25): h = (0.5, 0, 0) -> (1.1, -0.5); (0, 1): h = (0, 0, 0.25) -> (-0.15, 1).
  const expected = [1.1, -0.5, -0.15, 1];
  expected.forEach((value, i) => assert.ok(Math.abs((g[i] ?? 0) - value) < 1e-7, `${i}: ${g[i]}`));
  assert.throws(() => forward(net, new Float64Array(3), 2), RangeError);
  assert.throws(() => forward({ ...net, width: 4 }, new Float64Array(2), 1), RangeError);
});

test('evaluate - the zero network on sine in 1-D has L1 = 2/pi, L2 = 1/sqrt(2), max 1', () => {
  // 16384 points per replicate: several chunks per replicate.
  const metrics = evaluateNetwork(
    zeroNetwork(1, 3),
    createTarget({ name: 'sine', params: {} }, 1),
    spec({ samples: 32768, replicates: 2 }),
    1,
  );
  assert.equal(metrics.evalPoints, 32768);
  assert.ok(Math.abs(metrics.l1Error - 2 / Math.PI) < 1e-6, `L1 ${metrics.l1Error}`);
  assert.ok(
    Math.abs((metrics.l2Error ?? Number.NaN) - Math.SQRT1_2) < 1e-6,
    `L2 ${metrics.l2Error}`,
  );
  assert.ok(metrics.maxError <= 1 && metrics.maxError > 0.999);
  assert.ok(metrics.l1Stderr > 0 && metrics.l1Stderr < 1e-6);
  assert.equal(metrics.accuracy, null);
  assert.equal(metrics.sharpenedL1, null);
  assert.equal(metrics.misclassified, null);
});

test('evaluate - uniform batches give an unbiased estimate with an honest stderr', () => {
  const metrics = evaluateNetwork(
    zeroNetwork(1, 1),
    createTarget({ name: 'sine', params: {} }, 1),
    spec({ sampler: 'uniform', samples: 16000 }),
    3,
  );
  assert.equal(metrics.evalPoints, 16000);
  assert.ok(metrics.l1Stderr > 5e-4 && metrics.l1Stderr < 5e-3, `stderr ${metrics.l1Stderr}`);
  assert.ok(Math.abs(metrics.l1Error - 2 / Math.PI) < 5 * metrics.l1Stderr);
});

test('evaluate - a network equal to the teacher has L1 = 0, also padded with dead units', () => {
  const params = { k: 6, seed: 2 };
  const target = createTarget({ name: 'teacher', params }, 3);
  const exact = teacherNetwork(params, 3);
  assert.ok(evaluateNetwork(exact, target, spec(), 1).l1Error < 1e-12);
  const padded: NetworkWeights = {
    ...exact,
    width: 10,
    w1: Float32Array.from([...exact.w1, ...new Array<number>(12).fill(0.5)]),
    b1: Float32Array.from([...exact.b1, -5, -5, -5, -5]),
    w2: Float32Array.from([...exact.w2, 1, 1, 1, 1]),
  };
  const metrics = evaluateNetwork(padded, target, spec(), 1);
  assert.ok(metrics.l1Error < 1e-12 && metrics.maxError < 1e-12);
  const other = teacherNetwork({ k: 6, seed: 3 }, 3);
  assert.ok(evaluateNetwork(other, target, spec(), 1).l1Error > 0.01);
});

test('evaluate - the m-knot interpolant of sin(2 pi x) reaches 2 pi / (3 m^2)', () => {
  const sine = createTarget({ name: 'sine', params: {} }, 1);
  const f = (x: number) => Math.sin(2 * Math.PI * x);
  for (const m of [16, 64]) {
    // Unit i is relu(x - i/m); its output weight is the change of slope at knot i.
    const slopes = Array.from({ length: m }, (_, i) => (f((i + 1) / m) - f(i / m)) * m);
    const interpolant = network(
      'linear',
      slopes.map((_, i) => ({ w: [1], b: -i / m })),
      [{ w: slopes.map((s, i) => s - (i === 0 ? 0 : (slopes[i - 1] ?? 0))), b: 0 }],
    );
    const { l1Error } = evaluateNetwork(interpolant, sine, spec(), 1);
    const ratio = l1Error / ((2 * Math.PI) / (3 * m * m));
    assert.ok(Math.abs(ratio - 1) < 0.005, `m = ${m}: L1 / (2 pi / 3 m^2) = ${ratio}`);
  }
});

test('evaluate - a linear network against kink has L1 = 1/4, L2 = sqrt(1/6), max 1', () => {
  const kink = createTarget({ name: 'kink', params: {} }, 1);
  // relu(x) - 1/2 = x - 1/2 on [0, 1]; |x - 1/2 - |x - 1/2|| = 1 - 2x below 1/2, 0 above.
  const linear = network('linear', [{ w: [1], b: 0 }], [{ w: [1], b: -0.5 }]);
  const metrics = evaluateNetwork(linear, kink, spec(), 1);
  assert.ok(Math.abs(metrics.l1Error - 0.25) < 1e-6, `L1 ${metrics.l1Error}`);
  assert.ok(
    Math.abs((metrics.l2Error ?? Number.NaN) - Math.sqrt(1 / 6)) < 1e-6,
    `L2 ${metrics.l2Error}`,
  );
  assert.ok(Math.abs(metrics.maxError - 1) < 1e-3);
  const exact = network(
    'linear',
    [
      { w: [1], b: -0.5 },
      { w: [-1], b: 0.5 },
    ],
    [{ w: [1, 1], b: 0 }],
  );
  assert.ok(evaluateNetwork(exact, kink, spec(), 1).l1Error < 1e-7);
});

test('evaluate - singular target: the zero net gets the exact L1 integral with a small stderr', () => {
  for (const alpha of [0.5, 0.9]) {
    const target = createTarget({ name: 'singular', params: { alpha, center: 0.5 } }, 1);
    const exact = (2 * 0.5 ** (1 - alpha)) / (1 - alpha);
    for (const sampler of ['sobol', 'uniform'] as const) {
      const metrics = evaluateNetwork(
        zeroNetwork(1, 2),
        target,
        spec({ sampler, samples: 16384 }),
        1,
      );
      const { l1Error, l1Stderr } = metrics;
      assert.ok(Number.isFinite(l1Stderr) && l1Stderr > 0, `${sampler} stderr ${l1Stderr}`);
      assert.ok(l1Stderr < 0.01 * exact, `${sampler} alpha ${alpha}: stderr ${l1Stderr}`);
      assert.ok(
        Math.abs(l1Error - exact) < 5 * l1Stderr,
        `${sampler} alpha ${alpha}: ${l1Error} +- ${l1Stderr}, exact ${exact}`,
      );
    }
  }
  // In 2-D with alpha = 1.5 (L1 but not L2): polar integral 16 sqrt(1/2) int_0^(pi/4) cos^-1/2.
  const target2 = createTarget({ name: 'singular', params: { alpha: 1.5 } }, 2);
  const metrics2 = evaluateNetwork(zeroNetwork(2, 2), target2, spec({ samples: 16384 }), 2);
  assert.ok(Math.abs(metrics2.l1Error - 9.4005176) < 5 * metrics2.l1Stderr + 1e-6);
  assert.ok(metrics2.l1Stderr < 0.005, `stderr ${metrics2.l1Stderr}`);
});

test('evaluate - softmax L1 is sum |p - y| = 2 (1 - p_true), with accuracy and sharpening', () => {
  // Checkerboard with 3 cells and 2 classes in 1-D: class 0 on 2/3 of [0, 1], class 1 on 1/3.
  const target = createTarget({ name: 'checkerboard', params: { cells: 3, classes: 2 } }, 1);
  const constant = network(
    'softmax',
    [{ w: [0], b: 0 }],
    [
      { w: [0], b: 0.7 },
      { w: [0], b: -0.2 },
    ],
  );
  const p0 = 1 / (1 + Math.exp(-0.9));
  const metrics = evaluateNetwork(constant, target, spec({ samples: 32768 }), 1);
  const l1 = (2 / 3) * 2 * (1 - p0) + (1 / 3) * 2 * p0;
  assert.ok(Math.abs(metrics.l1Error - l1) < 1e-3, `L1 ${metrics.l1Error} vs ${l1}`);
  const l2 = Math.sqrt((2 / 3) * 2 * (1 - p0) ** 2 + (1 / 3) * 2 * p0 ** 2);
  assert.ok(
    Math.abs((metrics.l2Error ?? Number.NaN) - l2) < 1e-3,
    `L2 ${metrics.l2Error} vs ${l2}`,
  );
  assert.ok(Math.abs(metrics.maxError - 2 * p0) < 1e-6, 'float32 biases: about 1e-7');
  assert.ok(Math.abs((metrics.accuracy ?? 0) - 2 / 3) < 1e-3);
  assert.ok(Math.abs((metrics.misclassified ?? 0) - 1 / 3) < 1e-3);
  assert.ok(Math.abs((metrics.sharpenedL1 ?? 0) - 2 * (metrics.misclassified ?? 0)) < 1e-12);
});

test('evaluate - classification measures agree with a direct computation at the points', () => {
  const target = createTarget({ name: 'voronoi', params: { classes: 3 } }, 2);
  assert.ok(target.kind === 'classification');
  const net = initNetwork(2, 24, 3, 'softmax', 4);
  const seed = 9;
  const sharpen = 7;
  const metrics = evaluateNetwork(
    net,
    target,
    spec({ sampler: 'uniform', samples: 4000, replicates: 4, sharpen }),
    seed,
  );
  let l1 = 0;
  let squared = 0;
  let max = 0;
  let correct = 0;
  let sharpened = 0;
  const softmax = (logits: number[]) => {
    const top = Math.max(...logits);
    const e = logits.map((z) => Math.exp(z - top));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  };
  for (let r = 0; r < 4; r++) {
    const x = uniformEvalPoints(seed, r, 1000, 2);
    const labels = target.labels(x, 1000);
    const logits = forward(net, x, 1000);
    for (let p = 0; p < 1000; p++) {
      const z = Array.from(logits.subarray(3 * p, 3 * p + 3));
      const y = [0, 1, 2].map((i) => (i === labels[p] ? 1 : 0));
      const prob = softmax(z);
      const error = prob.reduce((a, pi, i) => a + Math.abs(pi - (y[i] ?? 0)), 0);
      l1 += error;
      squared += prob.reduce((a, pi, i) => a + (pi - (y[i] ?? 0)) ** 2, 0);
      max = Math.max(max, error);
      if (z.indexOf(Math.max(...z)) === labels[p]) correct += 1;
      sharpened += softmax(z.map((v) => v * sharpen)).reduce(
        (a, pi, i) => a + Math.abs(pi - (y[i] ?? 0)),
        0,
      );
    }
  }
  const close = (a: number | null, b: number) => Math.abs((a ?? Number.NaN) - b) < 1e-9;
  assert.ok(close(metrics.l1Error, l1 / 4000), `${metrics.l1Error} vs ${l1 / 4000}`);
  assert.ok(close(metrics.l2Error, Math.sqrt(squared / 4000)));
  assert.ok(close(metrics.maxError, max));
  assert.ok(close(metrics.accuracy, correct / 4000));
  assert.ok(close(metrics.sharpenedL1, sharpened / 4000));
});

test('evaluate - sharpened L1 approaches 2 x misclassified as the logit scale grows', () => {
  // Halfspaces in 1-D: class 1 above 1/2. The net's logits differ by x - 0.6, so it gets
  // [0.5, 0.6) wrong: misclassified = 0.1.
  const target = createTarget({ name: 'halfspaces', params: {} }, 1);
  const net = network(
    'softmax',
    [{ w: [1], b: 0 }],
    [
      { w: [0], b: 0 },
      { w: [1], b: -0.6 },
    ],
  );
  const at = (sharpen: number) => evaluateNetwork(net, target, spec({ sharpen }), 1);
  const misclassified = at(1).misclassified ?? 0;
  assert.ok(Math.abs(misclassified - 0.1) < 1e-3, `misclassified ${misclassified}`);
  const gaps = [1, 10, 100, 10_000].map((s) =>
    Math.abs((at(s).sharpenedL1 ?? 0) - 2 * misclassified),
  );
  for (let i = 1; i < gaps.length; i++)
    assert.ok((gaps[i] ?? 1) < (gaps[i - 1] ?? 0), `gaps ${gaps.join(', ')}`);
  assert.ok((gaps[3] ?? 1) < 1e-3, `gap at 10^4: ${gaps[3]}`);
  assert.ok((gaps[0] ?? 0) > 0.3, 'without sharpening the softmax error is far larger');
});

test('evaluate - the standard error shrinks with more samples', () => {
  const target = createTarget({ name: 'sine', params: {} }, 2);
  const net = initNetwork(2, 32, 1, 'linear', 1);
  const run = (sampler: 'sobol' | 'uniform', samples: number) =>
    evaluateNetwork(net, target, spec({ sampler, samples }), 5);
  const sobolSmall = run('sobol', 8 * 256);
  const sobolLarge = run('sobol', 8 * 4096);
  assert.ok(
    sobolLarge.l1Stderr < sobolSmall.l1Stderr / 8,
    `sobol ${sobolSmall.l1Stderr} -> ${sobolLarge.l1Stderr}`,
  );
  const uniformSmall = run('uniform', 8 * 256);
  const uniformLarge = run('uniform', 8 * 4096);
  assert.ok(
    uniformLarge.l1Stderr < uniformSmall.l1Stderr / 2.5,
    `uniform ${uniformSmall.l1Stderr} -> ${uniformLarge.l1Stderr}`,
  );
  const combined = Math.hypot(sobolLarge.l1Stderr, uniformLarge.l1Stderr);
  assert.ok(Math.abs(sobolLarge.l1Error - uniformLarge.l1Error) < 5 * combined);
});

test('evaluate - evaluation points never coincide with training points', () => {
  const target = createTarget({ name: 'sine', params: {} }, 2);
  const seed = 4;
  const train = sampleTrainingData(target, 1000, seed);
  const trainPoints = new Set<string>();
  for (let p = 0; p < 1000; p++) trainPoints.add(`${train.x[2 * p]},${train.x[2 * p + 1]}`);
  const evalPoints = uniformEvalPoints(seed, 0, 1000, 2);
  for (let p = 0; p < 1000; p++) {
    const key = `${Math.fround(evalPoints[2 * p] ?? 0)},${Math.fround(evalPoints[2 * p + 1] ?? 0)}`;
    assert.ok(!trainPoints.has(key));
  }
  // Different evaluation seeds: independent replicates that agree within their error bars.
  const a = evaluateNetwork(zeroNetwork(2, 1), target, spec(), 1);
  const b = evaluateNetwork(zeroNetwork(2, 1), target, spec(), 2);
  assert.notEqual(a.l1Error, b.l1Error);
  assert.ok(Math.abs(a.l1Error - b.l1Error) < 5 * Math.hypot(a.l1Stderr, b.l1Stderr));
});

test('evaluate - a network that does not fit the target is refused', () => {
  const sine = createTarget({ name: 'sine', params: {} }, 2);
  assert.throws(() => evaluateNetwork(zeroNetwork(1, 2), sine, spec(), 1), RangeError);
  const disk = createTarget({ name: 'disk', params: {} }, 2);
  assert.throws(
    () => evaluateNetwork(initNetwork(2, 4, 2, 'linear', 1), disk, spec(), 1),
    RangeError,
  );
});

test('evaluate - the L2 error is null exactly for targets outside L2 (singular, alpha >= d/2)', () => {
  const cases = [
    { alpha: 0.5, dim: 1, inL2: false },
    { alpha: 0.49, dim: 1, inL2: true },
    { alpha: 0.9, dim: 2, inL2: true },
    { alpha: 1, dim: 2, inL2: false },
    { alpha: 1.5, dim: 2, inL2: false },
  ];
  for (const { alpha, dim, inL2 } of cases) {
    const target = createTarget({ name: 'singular', params: { alpha } }, dim);
    const metrics = evaluateNetwork(zeroNetwork(dim, 2), target, spec({ samples: 1024 }), 1);
    assert.equal(metrics.l2Error === null, !inL2, `alpha ${alpha}, d ${dim}: ${metrics.l2Error}`);
    assert.ok(Number.isFinite(metrics.l1Error));
    const data = sampleTrainingData(target, 64, 3);
    const train = evaluateOnTrainingData(zeroNetwork(dim, 2), target, data);
    assert.equal(train.l2Error === null, !inL2);
  }
  const sine = createTarget({ name: 'sine', params: {} }, 2);
  assert.ok(evaluateNetwork(zeroNetwork(2, 2), sine, spec({ samples: 1024 }), 1).l2Error !== null);
});

test('evaluate - training-set metrics are the plain means of |g - f| at the training points', () => {
  const target = createTarget({ name: 'sine', params: {} }, 2);
  assert.ok(target.kind === 'regression');
  const net = initNetwork(2, 16, 1, 'linear', 5);
  // More points than one chunk, so the chunked loop is exercised.
  const data = sampleTrainingData(target, 5000, 7);
  const metrics = evaluateOnTrainingData(net, target, data);
  const x = Float64Array.from(data.x);
  const f = target.values(x, data.n);
  const g = forward(net, x, data.n);
  let sum = 0;
  let squares = 0;
  let max = 0;
  for (let p = 0; p < data.n; p++) {
    const e = Math.abs((g[p] ?? 0) - (f[p] ?? 0));
    sum += e;
    squares += e * e;
    max = Math.max(max, e);
  }
  assert.equal(metrics.points, 5000);
  assert.ok(Math.abs(metrics.l1Error - sum / 5000) < 1e-12);
  assert.ok(Math.abs((metrics.l2Error ?? Number.NaN) - Math.sqrt(squares / 5000)) < 1e-12);
  assert.equal(metrics.maxError, max);
});

test('evaluate - training-set metrics of a softmax net use the unit-scale softmax L1', () => {
  const target = createTarget({ name: 'halfspaces', params: {} }, 2);
  assert.ok(target.kind === 'classification');
  const net = initNetwork(2, 8, target.outputs, 'softmax', 2);
  const data = sampleTrainingData(target, 300, 1);
  const metrics = evaluateOnTrainingData(net, target, data);
  const x = Float64Array.from(data.x);
  const labels = target.labels(x, data.n);
  const logits = forward(net, x, data.n);
  const k = target.outputs;
  let sum = 0;
  for (let p = 0; p < data.n; p++) {
    const z = Array.from(logits.subarray(k * p, k * p + k));
    const top = Math.max(...z);
    const e = z.map((v) => Math.exp(v - top));
    const total = e.reduce((a, b) => a + b, 0);
    sum += 2 * (1 - (e[labels[p] ?? 0] ?? 0) / total);
  }
  assert.ok(Math.abs(metrics.l1Error - sum / data.n) < 1e-9, `${metrics.l1Error} vs ${sum / 300}`);
});
