import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lbfgs, resolveLbfgsOptions } from '../../worker/train/lbfgs.js';

/** The Rosenbrock function, minimum 0 at (1, 1): a curved valley that defeats plain descent. */
function rosenbrock(x: Float64Array, grad: Float64Array): number {
  const a = x[0] ?? 0;
  const b = x[1] ?? 0;
  grad[0] = -2 * (1 - a) - 400 * a * (b - a * a);
  grad[1] = 200 * (b - a * a);
  return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
}

test('lbfgs - minimises the Rosenbrock function from (-1.2, 1)', () => {
  const solver = new Lbfgs(Float64Array.from([-1.2, 1]), rosenbrock, { firstStep: 0.1 });
  let iterations = 0;
  while (iterations < 200 && solver.loss > 1e-14 && solver.iterate()) iterations += 1;
  assert.ok(solver.loss < 1e-10, `loss ${solver.loss} after ${iterations} iterations`);
  assert.ok(Math.abs((solver.x[0] ?? 0) - 1) < 1e-4 && Math.abs((solver.x[1] ?? 0) - 1) < 1e-4);
  assert.ok(iterations < 100, `${iterations} iterations`);
});

test('lbfgs - never increases the loss, and stops at a stationary point', () => {
  const quadratic = (x: Float64Array, grad: Float64Array): number => {
    let sum = 0;
    x.forEach((v, i) => {
      grad[i] = (i + 1) * v;
      sum += ((i + 1) * v * v) / 2;
    });
    return sum;
  };
  const solver = new Lbfgs(Float64Array.from([1, -2, 3, 0.5]), quadratic, { history: 3 });
  let previous = solver.loss;
  while (solver.iterate()) {
    assert.ok(solver.loss <= previous, `loss rose from ${previous} to ${solver.loss}`);
    previous = solver.loss;
  }
  assert.ok(solver.loss < 1e-20, `loss ${solver.loss}`);
  const at = Float64Array.from(solver.x);
  assert.equal(solver.iterate(), false);
  assert.deepEqual(solver.x, at);
});

test('lbfgs - options are checked with the offending option named', () => {
  assert.throws(() => resolveLbfgsOptions({ history: 0 }), /^RangeError: history:/);
  assert.throws(() => resolveLbfgsOptions({ armijo: 0.95 }), /armijo, wolfe:/);
  assert.throws(() => resolveLbfgsOptions({ maxEvaluations: 1.5 }), /^RangeError: maxEvaluations:/);
  assert.throws(() => resolveLbfgsOptions({ firstStep: -1 }), /^RangeError: firstStep:/);
  assert.deepEqual(resolveLbfgsOptions(), {
    history: 10,
    armijo: 1e-4,
    wolfe: 0.9,
    maxEvaluations: 20,
    firstStep: 1e-3,
  });
});
