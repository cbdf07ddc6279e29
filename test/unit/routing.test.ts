import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpecError } from '../../shared/errors.js';
import { expandStudy } from '../../shared/expand.js';
import { poolFor, poolsOf } from '../../shared/routing.js';
import { validateStudySpec } from '../../shared/spec/validate.js';

const grid = { dims: [1, 2], widths: [4, 1024], seeds: [0], targets: ['sine'] };

test('routing - the first matching rule picks the pool, the rest go to default', () => {
  const spec = validateStudySpec({
    name: 'r',
    grid,
    routing: [
      { pool: 'gpu', minWidth: 1024 },
      { pool: 'two-d', dims: [2] },
    ],
  });
  const pools = expandStudy(spec).map((t) => `${t.dim}/${t.width}:${poolFor(spec.routing, t)}`);
  assert.deepEqual(pools, ['1/4:default', '1/1024:gpu', '2/4:two-d', '2/1024:gpu']);
  assert.deepEqual(poolsOf(spec.routing), ['default', 'gpu', 'two-d']);
});

test('routing - it is not part of task ids', () => {
  const plain = expandStudy(validateStudySpec({ name: 'r', grid })).map((t) => t.id);
  const routed = expandStudy(
    validateStudySpec({ name: 'r', grid, routing: [{ pool: 'gpu', minWidth: 8 }] }),
  ).map((t) => t.id);
  assert.deepEqual(routed, plain);
});

test('routing - bad rules name their field', () => {
  assert.throws(
    () =>
      validateStudySpec({
        name: 'r',
        grid,
        routing: [
          { pool: 'a.b' },
          { pool: 'x', minWidth: 9, maxWidth: 3 },
          { pool: 'y', targets: ['nope'] },
        ],
      }),
    (err: unknown) =>
      err instanceof SpecError &&
      err.issues.map((i) => i.field).join(' ') === 'routing[0].pool' &&
      /expected 1-32 letters/.test(err.message),
  );
  assert.throws(
    () =>
      validateStudySpec({
        name: 'r',
        grid,
        routing: [
          { pool: 'x', minWidth: 9, maxWidth: 3 },
          { pool: 'y', targets: ['nope'] },
        ],
      }),
    (err: unknown) =>
      err instanceof SpecError &&
      err.issues.map((i) => i.field).join(' ') === 'routing[0].maxWidth routing[1].targets[0]',
  );
});
