import assert from 'node:assert/strict';
import test from 'node:test';
import { ValidationError } from '../../shared/errors.js';
import { forward } from '../../shared/forward.js';
import { Rng } from '../../shared/random.js';
import { normalQuantile } from '../../shared/targets/special.js';
import {
  createTarget,
  getTargetDefinition,
  listTargetDefinitions,
} from '../../shared/targets/registry.js';
import type {
  ClassificationTarget,
  RegressionTarget,
  Target,
} from '../../shared/targets/target.js';
import { teacherNetwork } from '../../shared/targets/teacher.js';
import { sampleTrainingData } from '../../shared/training-data.js';

function regression(
  name: string,
  dim: number,
  params: Record<string, unknown> = {},
): RegressionTarget {
  const target = createTarget({ name, params }, dim);
  assert.equal(target.kind, 'regression');
  return target;
}

function classification(
  name: string,
  dim: number,
  params: Record<string, unknown> = {},
): ClassificationTarget {
  const target = createTarget({ name, params }, dim);
  assert.equal(target.kind, 'classification');
  return target;
}

function at(target: RegressionTarget, ...point: number[]): number {
  return target.values(Float64Array.from(point), 1)[0] ?? Number.NaN;
}

function labelAt(target: ClassificationTarget, ...point: number[]): number {
  return target.labels(Float64Array.from(point), 1)[0] ?? -1;
}

function uniformPoints(n: number, dim: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * dim }, () => rng.next());
}

/** Fraction of n uniform points in each class. */
function classShares(target: ClassificationTarget, n: number): number[] {
  const counts = new Array<number>(target.outputs).fill(0);
  for (const label of target.labels(uniformPoints(n, target.dim, 99), n)) {
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts.map((c) => c / n);
}

function thrownBy(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ValidationError');
}

test('targets - the registry holds every family with defaults, kind, loss and outputs', () => {
  const names = listTargetDefinitions().map((d) => d.name);
  assert.deepEqual(names, [
    'sine',
    'ridge-sine',
    'bump',
    'kink',
    'step',
    'singular',
    'teacher',
    'halfspaces',
    'disk',
    'shells',
    'checkerboard',
    'voronoi',
    'spirals',
  ]);
  for (const definition of listTargetDefinitions()) {
    assert.ok(definition.description.length > 10, definition.name);
    assert.equal(getTargetDefinition(definition.name), definition);
    const params = definition.params.parse({});
    const dim = definition.name === 'spirals' ? 2 : 3;
    const target = definition.create(params, dim);
    assert.equal(target.kind, definition.kind);
    assert.equal(target.dim, dim);
    if (definition.kind === 'regression') {
      assert.equal(target.outputs, 1);
      assert.equal(definition.defaultLoss, definition.name === 'singular' ? 'l1' : 'mse');
    } else {
      assert.equal(target.outputs, params['classes'] ?? 2);
      assert.equal(definition.defaultLoss, 'cross-entropy');
    }
  }
  assert.equal(getTargetDefinition('sinus'), undefined);
});

test('targets - sine is the product of sin(2 pi k x_i)', () => {
  const sine1 = regression('sine', 1);
  assert.ok(Math.abs(at(sine1, 0.25) - 1) < 1e-15);
  assert.ok(Math.abs(at(sine1, 0.75) + 1) < 1e-15);
  assert.ok(Math.abs(at(sine1, 0.5)) < 1e-15);
  assert.ok(Math.abs(at(regression('sine', 2), 0.25, 0.75) + 1) < 1e-15);
  assert.ok(Math.abs(at(regression('sine', 1, { k: 2 }), 0.125) - 1) < 1e-15);
});

test('targets - ridge-sine is sin(2 pi k x) in 1-D and depends only on w.x', () => {
  assert.ok(Math.abs(at(regression('ridge-sine', 1), 0.25) - 1) < 1e-15);
  const ridge = regression('ridge-sine', 3, { k: 1, seed: 4 });
  const x = uniformPoints(200, 3, 1);
  const values = ridge.values(x, 200);
  for (const v of values) assert.ok(Math.abs(v) <= 1);
  // A ridge function is constant along directions orthogonal to w, so its values are not all
  // equal in 3-D, and two seeds give two ridges.
  assert.notDeepEqual(values, regression('ridge-sine', 3, { k: 1, seed: 5 }).values(x, 200));
});

test('targets - bump is 1 at its centre and exp(-1/2) one sigma away', () => {
  const bump = regression('bump', 2, { center: 0.4, sigma: 0.1 });
  assert.equal(at(bump, 0.4, 0.4), 1);
  assert.ok(Math.abs(at(bump, 0.5, 0.4) - Math.exp(-0.5)) < 1e-12);
});

test('targets - kink and step share a hyperplane through the centre of the cube', () => {
  const kink1 = regression('kink', 1);
  assert.ok(Math.abs(at(kink1, 0.2) - 0.3) < 1e-15);
  assert.equal(at(regression('step', 1), 0.49), 0);
  assert.equal(at(regression('step', 1), 0.51), 1);
  const kink = regression('kink', 3, { seed: 8 });
  const step = regression('step', 3, { seed: 8 });
  assert.ok(at(kink, 0.5, 0.5, 0.5) < 1e-15);
  const n = 20_000;
  const x = uniformPoints(n, 3, 2);
  const k = kink.values(x, n);
  const s = step.values(x, n);
  let ones = 0;
  for (let p = 0; p < n; p++) {
    ones += s[p] ?? 0;
    // Mirroring a point through the centre keeps the kink value and flips the step.
    const mirrored = Float64Array.from(x.subarray(3 * p, 3 * p + 3), (v) => 1 - v);
    assert.ok(Math.abs(at(kink, ...mirrored) - (k[p] ?? 0)) < 1e-12);
    if ((k[p] ?? 0) > 1e-9) assert.equal(at(step, ...mirrored), 1 - (s[p] ?? 0));
  }
  assert.ok(Math.abs(ones / n - 0.5) < 0.02, `step volume ${ones / n}`);
});

test('targets - singular is ||x - c||^-alpha and refuses alpha >= d', () => {
  const singular = regression('singular', 1);
  assert.ok(Math.abs(at(singular, 0.75) - 2) < 1e-12);
  assert.ok(Math.abs(at(regression('singular', 2, { alpha: 1 }), 0.8, 0.9) - 2) < 1e-12);
  const definition = getTargetDefinition('singular');
  assert.ok(definition !== undefined);
  assert.equal(definition.incompatibility({ alpha: 1.5 }, 2), undefined);
  const problem = definition.incompatibility({ alpha: 1.5 }, 1);
  assert.equal(problem?.param, 'alpha');
  assert.match(problem?.message ?? '', /alpha = 1.5 >= d = 1/);
  const err = thrownBy(() => createTarget({ name: 'singular', params: { alpha: 2 } }, 2));
  assert.equal(err.field, 'alpha');
});

test('targets - the normal quantile is accurate in the centre and the tails', () => {
  assert.equal(normalQuantile(0.5), 0);
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-14);
  assert.ok(Math.abs(normalQuantile(0.8413447460685429) - 1) < 1e-14);
  // Reference values: scipy.special.ndtri.
  assert.ok(Math.abs(normalQuantile(1e-10) + 6.361340902404056) < 1e-12);
  assert.ok(Math.abs(normalQuantile(1e-20) + 9.262340089798409) < 1e-12);
  assert.ok(Math.abs(normalQuantile(1e-300) + 37.0470962993612) < 1e-11);
  assert.ok(Math.abs(normalQuantile(0.01) + normalQuantile(0.99)) < 1e-13);
  assert.equal(normalQuantile(0), -Infinity);
  assert.equal(normalQuantile(1), Infinity);
});

test('targets - the singular importance density matches its sampler', () => {
  // E_q[1[x in cube] / q(x)] is the volume of the cube, 1, only if q is the density of the points
  // that transform produces; the centre sits at a corner so part of the mass falls outside.
  const target = regression('singular', 3, { alpha: 1, center: 0 });
  const importance = target.importance;
  assert.ok(importance !== undefined);
  assert.equal(importance.unitDims, 4);
  const rng = new Rng(17);
  const u = new Float64Array(4);
  const x = new Float64Array(3);
  const n = 40_000;
  let sum = 0;
  let sumSquares = 0;
  let outside = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 4; j++) u[j] = rng.next();
    importance.transform(u, x);
    if (!x.every((v) => v >= 0 && v <= 1)) {
      outside += 1;
      continue;
    }
    const w = 1 / importance.density(x);
    sum += w;
    sumSquares += w * w;
  }
  const mean = sum / n;
  const stderr = Math.sqrt((sumSquares / n - mean * mean) / n);
  assert.ok(outside > 0.2 * n, 'a corner centre sends radial points outside the cube');
  assert.ok(Math.abs(mean - 1) < 4 * stderr + 1e-3, `volume ${mean} +- ${stderr}`);
});

test('targets - a network built from the teacher equals the teacher', () => {
  const params = { k: 5, seed: 3 };
  const target = regression('teacher', 2, params);
  const net = teacherNetwork(params, 2);
  assert.equal(net.width, 5);
  const x = uniformPoints(500, 2, 4);
  const f = target.values(x, 500);
  const g = forward(net, x, 500);
  let spread = 0;
  for (let p = 0; p < 500; p++) {
    assert.ok(Math.abs((f[p] ?? 0) - (g[p] ?? 0)) < 1e-12);
    spread = Math.max(spread, Math.abs(f[p] ?? 0));
  }
  assert.ok(spread > 0.05, 'the teacher is not the zero function');
  // Every kink w_j.x + b_j = 0 crosses the cube: the unit is positive at some corner and negative
  // at another.
  const net1 = teacherNetwork({ k: 50, seed: 1 }, 1);
  for (let j = 0; j < 50; j++) {
    const kinkAt = -(net1.b1[j] ?? 0) / (net1.w1[j] ?? 1);
    assert.ok(kinkAt > -1e-6 && kinkAt < 1 + 1e-6, `kink at ${kinkAt}`);
  }
});

test('targets - random parts are deterministic given the seed', () => {
  const x = uniformPoints(100, 3, 5);
  const cases: Array<[string, Record<string, unknown>]> = [
    ['ridge-sine', {}],
    ['kink', {}],
    ['step', {}],
    ['teacher', {}],
    ['halfspaces', { classes: 3 }],
    ['voronoi', {}],
  ];
  const evaluate = (target: Target) =>
    target.kind === 'regression'
      ? Array.from(target.values(x, 100))
      : Array.from(target.labels(x, 100));
  for (const [name, params] of cases) {
    const a = evaluate(createTarget({ name, params: { ...params, seed: 1 } }, 3));
    const b = evaluate(createTarget({ name, params: { ...params, seed: 1 } }, 3));
    const c = evaluate(createTarget({ name, params: { ...params, seed: 2 } }, 3));
    assert.deepEqual(a, b, name);
    assert.notDeepEqual(a, c, name);
  }
});

test('targets - halfspaces are equal-volume slabs', () => {
  const slabs1 = classification('halfspaces', 1, { classes: 4 });
  assert.deepEqual(
    [0.1, 0.3, 0.6, 0.9].map((x) => labelAt(slabs1, x)),
    [0, 1, 2, 3],
  );
  for (const share of classShares(classification('halfspaces', 3, { classes: 3 }), 30_000)) {
    assert.ok(Math.abs(share - 1 / 3) < 0.015, `share ${share}`);
  }
  for (const share of classShares(classification('halfspaces', 20, { classes: 2 }), 20_000)) {
    assert.ok(Math.abs(share - 1 / 2) < 0.02, `share ${share}`);
  }
});

test('targets - disk radius defaults to half the volume, exact while inside the cube', () => {
  const disk2 = classification('disk', 2);
  const r = Math.sqrt(0.5 / Math.PI);
  assert.equal(labelAt(disk2, 0.5 + r - 1e-6, 0.5), 0);
  assert.equal(labelAt(disk2, 0.5 + r + 1e-6, 0.5), 1);
  assert.equal(labelAt(classification('disk', 2, { radius: 0.1 }), 0.65, 0.5), 1);
  // In 6-D the half-volume ball sticks out of the cube, so its radius is computed numerically.
  for (const share of classShares(classification('disk', 6), 30_000)) {
    assert.ok(Math.abs(share - 0.5) < 0.015, `share ${share}`);
  }
});

test('targets - shells have equal volumes', () => {
  const shells2 = classification('shells', 2, { classes: 3 });
  const inner = Math.sqrt(1 / (3 * Math.PI));
  const outer = Math.sqrt(2 / (3 * Math.PI));
  assert.equal(labelAt(shells2, 0.5 + inner - 1e-6, 0.5), 0);
  assert.equal(labelAt(shells2, 0.5 + inner + 1e-6, 0.5), 1);
  assert.equal(labelAt(shells2, 0.5, 0.5 + outer + 1e-6), 2);
  assert.equal(labelAt(shells2, 0, 0), 2);
  for (const share of classShares(classification('shells', 4, { classes: 4 }), 30_000)) {
    assert.ok(Math.abs(share - 0.25) < 0.015, `share ${share}`);
  }
});

test('targets - checkerboard colours cells by the sum of their indices mod K', () => {
  const board = classification('checkerboard', 2);
  assert.equal(labelAt(board, 0.25, 0.25), 0);
  assert.equal(labelAt(board, 0.75, 0.25), 1);
  assert.equal(labelAt(board, 0.75, 0.75), 0);
  assert.equal(labelAt(board, 1, 0), 1, 'x = 1 belongs to the last cell');
  const board3 = classification('checkerboard', 1, { cells: 3, classes: 3 });
  assert.deepEqual(
    [0.1, 0.5, 0.9].map((x) => labelAt(board3, x)),
    [0, 1, 2],
  );
});

test('targets - voronoi labels each point with its nearest random centre', () => {
  const cells = classification('voronoi', 2, { classes: 4, seed: 1 });
  const shares = classShares(cells, 20_000);
  assert.equal(shares.length, 4);
  for (const share of shares) assert.ok(share > 0.01, `share ${share}`);
  // Cells are convex: the midpoint of two points of one class has that class.
  const x = uniformPoints(400, 2, 7);
  const labels = cells.labels(x, 400);
  for (let p = 0; p + 1 < 400; p += 2) {
    if (labels[p] !== labels[p + 1]) continue;
    const mid = [0, 1].map((i) => ((x[2 * p + i] ?? 0) + (x[2 * p + 2 + i] ?? 0)) / 2);
    assert.equal(labelAt(cells, ...mid), labels[p]);
  }
});

test('targets - spirals are interleaved arms, only in two dimensions', () => {
  const arms = classification('spirals', 2);
  // Along the positive x axis the phase is -turns * r / (1/2): class floor(K * frac(-3 r)).
  assert.equal(labelAt(arms, 0.55, 0.5), 1);
  assert.equal(labelAt(arms, 0.7, 0.5), 0);
  assert.equal(labelAt(arms, 0.5, 0.55), 0);
  for (const share of classShares(arms, 20_000)) assert.ok(Math.abs(share - 0.5) < 0.02);
  const definition = getTargetDefinition('spirals');
  const problem = definition?.incompatibility({}, 3);
  assert.equal(problem?.param, undefined);
  assert.match(problem?.message ?? '', /is only defined for d = 2/);
  const err = thrownBy(() => createTarget({ name: 'spirals', params: {} }, 3));
  assert.equal(err.field, '');
});

test('targets - parameter problems read as field: expected ..., got ...', () => {
  const negative = thrownBy(() => createTarget({ name: 'sine', params: { k: -4 } }, 1));
  assert.equal(negative.field, 'k');
  assert.equal(negative.message, 'k: expected a positive number, got -4');
  const classes = thrownBy(() => createTarget({ name: 'halfspaces', params: { classes: 1 } }, 1));
  assert.equal(classes.message, 'classes: expected an integer in [2, 1024], got 1');
  const typo = thrownBy(() => createTarget({ name: 'bump', params: { wdith: 2 } }, 1));
  assert.equal(typo.message, 'wdith: unknown key');
  const seed = thrownBy(() => createTarget({ name: 'kink', params: { seed: 1.5 } }, 1));
  assert.equal(seed.message, 'seed: expected a non-negative integer, got 1.5');
  const unknown = thrownBy(() => createTarget({ name: 'sinus', params: {} }, 1));
  assert.equal(unknown.field, 'name');
  assert.equal(getTargetDefinition('bump')?.incompatibility({ sigma: 0 }, 2)?.param, 'sigma');
});

test('training data - points are uniform, labels one-hot and computed at the stored points', () => {
  const target = classification('checkerboard', 2, { cells: 4, classes: 3 });
  const data = sampleTrainingData(target, 2000, 5);
  assert.equal(data.x.length, 4000);
  assert.equal(data.y.length, 6000);
  const labels = target.labels(Float64Array.from(data.x), 2000);
  for (let p = 0; p < 2000; p++) {
    const row = Array.from(data.y.subarray(3 * p, 3 * p + 3));
    assert.equal(
      row.reduce((a, b) => a + b, 0),
      1,
    );
    assert.equal(row[labels[p] ?? -1], 1);
  }
  const mean = data.x.reduce((a, b) => a + b, 0) / data.x.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02);
  assert.deepEqual(sampleTrainingData(target, 50, 5).x, data.x.subarray(0, 100));
  assert.notDeepEqual(sampleTrainingData(target, 50, 6).x, data.x.subarray(0, 100));
  const sine = sampleTrainingData(regression('sine', 1), 10, 1);
  assert.ok(
    Array.from(sine.y).every(
      (y, p) => Math.abs(y - Math.sin(2 * Math.PI * (sine.x[p] ?? 0))) < 1e-6,
    ),
  );
});
